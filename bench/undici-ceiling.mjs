#!/usr/bin/env node
/**
 * undici-ceiling: how many wsesslog sessions per second a plain undici replay gets out of one
 * core. This is the evidence for loadgen's choice of raw sockets over undici: the same sessions,
 * replayed as cheaply as undici allows, measured in the same run as loadgen and httperf.
 *
 *   node bench/undici-ceiling.mjs PORT SESSIONFILE SECONDS CONCURRENCY
 *
 * Closed loop: CONCURRENCY sessions are always in flight; when one ends the next starts at once
 * (think time 0, so the generator is never idle). Each session gets a new undici `Client`
 * (one connection, `pipelining: 32`), as each httperf/loadgen session opens its own
 * connection. Each burst's first request is dispatched alone; the rest of the burst is dispatched
 * together after its reply, so they are pipelined on the connection. Replies are consumed with
 * the low-level `dispatch` handler API (no body streams), the cheapest way undici offers.
 *
 * Sessions are read with loadgen's own parser (dist/, run `npm run build` first) so the request
 * list is exactly what loadgen replays; only GET/HEAD and bodies from `contents=` are used.
 *
 * The first second is a warm-up and not counted; then SECONDS are measured. Prints one JSON line
 * on stdout: { sessionsPerSecond, repliesPerSecond, cpuPercent, sessions, replies, non2xx,
 * errors, seconds, concurrency } and a readable line on stderr. CPU is this process's
 * user+system time over the measured window (pin it with taskset for "one core"). Exit status 1
 * when any session failed or any reply was not 2xx.
 */
import { readFile } from 'node:fs/promises';
import { Client } from 'undici';

/** Parse the command line; exit 2 with a usage line when it is wrong. */
function parseArgs(argv) {
  const [port, sessionFile, seconds, concurrency] = argv;
  const n = { port: Number(port), seconds: Number(seconds), concurrency: Number(concurrency) };
  if (argv.length !== 4 || !Number.isInteger(n.port) || !(n.seconds > 0) || !Number.isInteger(n.concurrency) || n.concurrency < 1) {
    process.stderr.write('usage: node bench/undici-ceiling.mjs PORT SESSIONFILE SECONDS CONCURRENCY\n');
    process.exit(2);
  }
  return { ...n, sessionFile };
}

/** Load the session templates with loadgen's compiled parser. */
async function loadTemplates(path) {
  let parse;
  try {
    ({ parseSessionFile: parse } = await import('../dist/session/parse.js'));
  } catch (err) {
    if (err?.code === 'ERR_MODULE_NOT_FOUND') {
      process.stderr.write('undici-ceiling: dist/ is missing; run `npm run build` first\n');
      process.exit(1);
    }
    throw err;
  }
  try {
    return parse(await readFile(path), path).templates;
  } catch (err) {
    process.stderr.write(`undici-ceiling: ${err.message}\n`);
    process.exit(2);
  }
}

/** Counters shared by all in-flight sessions. */
const totals = { sessions: 0, replies: 0, non2xx: 0, errors: 0 };

/**
 * Dispatch one request on `client` and resolve when its reply is complete. The handler only
 * counts: the body chunks are dropped as they arrive.
 */
function call(client, request) {
  return new Promise((resolve, reject) => {
    let status = 0;
    client.dispatch(
      { path: request.uri, method: request.method, body: request.body ?? null, headers: request.headers ? Object.fromEntries(request.headers) : undefined },
      {
        onRequestStart() {},
        onResponseStart(_controller, statusCode) {
          status = statusCode;
        },
        onResponseData() {},
        onResponseEnd() {
          totals.replies++;
          if (status < 200 || status > 299) totals.non2xx++;
          resolve();
        },
        onResponseError(_controller, err) {
          reject(err);
        },
      },
    );
  });
}

/** Replay one session on a new Client: bursts in order, each burst's tail pipelined. */
async function replaySession(origin, template) {
  const client = new Client(origin, { pipelining: 32 });
  try {
    for (const burst of template.bursts) {
      const [first, ...rest] = burst.requests;
      await call(client, first);
      if (rest.length > 0) await Promise.all(rest.map((r) => call(client, r)));
    }
    totals.sessions++;
  } catch {
    totals.errors++;
  } finally {
    await client.close().catch(() => client.destroy());
  }
}

/** Resolve after `ms` milliseconds. */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Not counted: the first second, while the JIT warms up and the first connections are made. */
const WARM_UP_MS = 1000;

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const templates = await loadTemplates(args.sessionFile);
  const origin = `http://127.0.0.1:${args.port}`;
  let next = 0;
  let running = true;

  /** One closed-loop user: start the next session as soon as the previous one ends. */
  async function user() {
    while (running) await replaySession(origin, templates[next++ % templates.length]);
  }
  const users = Array.from({ length: args.concurrency }, user);

  await sleep(WARM_UP_MS);
  const before = { ...totals };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(args.seconds * 1000);
  const after = { ...totals };
  const cpu = process.cpuUsage(cpu0);
  const seconds = (performance.now() - t0) / 1000;
  running = false;
  // Let the sessions in flight finish (bounded) so their connections close cleanly.
  await Promise.race([Promise.all(users), sleep(5000)]);

  const counted = (key) => after[key] - before[key];
  const result = {
    sessionsPerSecond: +(counted('sessions') / seconds).toFixed(1),
    repliesPerSecond: +(counted('replies') / seconds).toFixed(0),
    cpuPercent: +((100 * (cpu.user + cpu.system)) / 1e6 / seconds).toFixed(1),
    sessions: counted('sessions'),
    replies: counted('replies'),
    non2xx: totals.non2xx,
    errors: totals.errors,
    seconds: +seconds.toFixed(3),
    concurrency: args.concurrency,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.stderr.write(
    `undici ${args.concurrency} concurrent sessions: ${result.sessionsPerSecond} sessions/s, ` +
      `${result.repliesPerSecond} replies/s, CPU ${result.cpuPercent}%, errors ${result.errors}, non-2xx ${result.non2xx}\n`,
  );
  return totals.errors === 0 && totals.non2xx === 0 ? 0 : 1;
}

process.exitCode = await main();
