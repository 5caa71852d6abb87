#!/usr/bin/env node
/**
 * bench/floor-node.mjs — the cost floor of one wsesslog session for a Node.js client: raw
 * `net` sockets, the same request pattern as loadgen and httperf (each burst: its first request
 * alone, then the rest pipelined in one write), replies framed by Content-Length, and nothing
 * else: no schedule, no timers, no histograms, no error handling beyond stopping.
 *
 *   node bench/floor-node.mjs HOST PORT SESSIONFILE SESSIONS [CONCURRENCY=50]
 *
 * Closed loop with CONCURRENCY sessions in flight. Prints CPU microseconds (user, system) per
 * session from process.cpuUsage(), measured after a warm-up of 10% of the sessions, so module
 * loading and JIT are left out. Compare with bench/floor.c (a blocking C client) and with
 * loadgen's own `generator.cpuUserSeconds`/`cpuSystemSeconds` for the same sessions.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';

const [host, portText, file, sessionsText, concurrencyText = '50'] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/floor-node.mjs HOST PORT SESSIONFILE SESSIONS [CONCURRENCY]\n');
  process.exit(2);
}
const port = Number(portText);
const total = Number(sessionsText);
const concurrency = Number(concurrencyText);
const warmup = Math.floor(total / 10);

/** Each burst as [head request bytes, tail bytes or null, tail request count]. */
const bursts = [];
for (const raw of readFileSync(file, 'utf8').split('\n')) {
  const uri = raw.trim().split(/\s+/)[0];
  if (!uri || uri.startsWith('#')) continue;
  const req = `GET ${uri} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: floor\r\n\r\n`;
  if (/^\s/.test(raw) && bursts.length > 0) bursts.at(-1).tail.push(req);
  else bursts.push({ head: req, tail: [] });
}
const plan = bursts.map((b) => [Buffer.from(b.head), b.tail.length ? Buffer.from(b.tail.join('')) : null, b.tail.length]);

const CRLF2 = Buffer.from('\r\n\r\n');
let started = 0;
let done = 0;
let cpu0 = null;

/** Count complete Content-Length replies in `buf` from `offset`; returns [replies, consumed]. */
function frame(buf) {
  let offset = 0;
  let replies = 0;
  for (;;) {
    const end = buf.indexOf(CRLF2, offset);
    if (end < 0) break;
    const head = buf.latin1Slice(offset, end);
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    const next = end + 4 + (m ? Number(m[1]) : 0);
    if (next > buf.length) break;
    offset = next;
    replies++;
  }
  return [replies, offset];
}

function session() {
  started++;
  const socket = net.connect({ host, port, noDelay: true });
  let burst = 0;
  let inTail = false;
  let waiting = 1;
  let pending = Buffer.alloc(0);
  socket.on('connect', () => socket.write(plan[0][0]));
  socket.on('data', (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    const [replies, consumed] = frame(pending);
    pending = pending.subarray(consumed);
    waiting -= replies;
    if (waiting > 0) return;
    const [, tail, tailCount] = plan[burst];
    if (!inTail && tail) {
      inTail = true;
      waiting = tailCount;
      socket.write(tail);
      return;
    }
    burst++;
    inTail = false;
    if (burst < plan.length) {
      waiting = 1;
      socket.write(plan[burst][0]);
      return;
    }
    socket.destroy();
    ended();
  });
  socket.on('error', (err) => {
    process.stderr.write(`floor-node: ${err.message}\n`);
    process.exit(1);
  });
}

function ended() {
  done++;
  if (done === warmup) cpu0 = process.cpuUsage();
  if (done === total) {
    const cpu = process.cpuUsage(cpu0 ?? undefined);
    const measured = total - warmup;
    const user = cpu.user / measured;
    const sys = cpu.system / measured;
    process.stdout.write(
      `sessions ${measured} concurrency ${concurrency} user_us_per_session ${user.toFixed(1)} sys_us_per_session ${sys.toFixed(1)} total_us_per_session ${(user + sys).toFixed(1)}\n`,
    );
    return;
  }
  if (started < total) session();
}

for (let i = 0; i < Math.min(concurrency, total); i++) session();
