/**
 * Run a real nginx for tests: a private single-process instance on a free loopback port, with its
 * own config, temp paths and an access log whose format records what replay tests check
 * (connection ids and per-connection request numbers, pipelining, cookies, request sizes).
 *
 * When /usr/sbin/nginx is missing, `startNginx` resolves null (tests skip with a message) unless
 * CI is set: CI installs nginx, so there its absence is an error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Where Debian/Ubuntu's nginx package puts the binary. */
export const NGINX_BINARY = '/usr/sbin/nginx';

/** Options of {@link startNginx}. */
export interface NginxOptions {
  /** Directory served as the site root. */
  readonly docroot: string;
  /** Idle keep-alive timeout in seconds (fractions allowed); default 65. */
  readonly keepaliveTimeout?: number;
  /** nginx binary; default {@link NGINX_BINARY} (tests of the "not installed" path point elsewhere). */
  readonly binary?: string;
}

/** One access-log line. */
export interface NginxLogEntry {
  /** When the request was logged (its end), seconds since the epoch with ms resolution ($msec). */
  readonly time: number;
  /** Connection serial number ($connection): equal for requests on the same connection. */
  readonly connection: number;
  /** 1-based number of this request on its connection ($connection_requests). */
  readonly connectionRequests: number;
  /** True when the request arrived pipelined ($pipe = "p"). */
  readonly pipelined: boolean;
  /**
   * Method as the client sent it (from the request line). `$request_method` itself would say GET
   * for POSTs to static files, which the config turns into GETs by an internal redirect.
   */
  readonly method: string;
  /** Request target as sent ($request_uri), query string included. */
  readonly uri: string;
  readonly status: number;
  /** Body bytes sent ($body_bytes_sent). */
  readonly bodyBytesSent: number;
  /** Cookie header, undefined when absent. */
  readonly cookie: string | undefined;
  /** Host header, undefined when absent. */
  readonly host: string | undefined;
  /** User-Agent header, undefined when absent. */
  readonly userAgent: string | undefined;
  /** Request size in bytes: request line, headers and body ($request_length). */
  readonly requestLength: number;
  /** Seconds from the first request byte to the log line ($request_time). */
  readonly requestTime: number;
  /** The request line as sent, e.g. `GET / HTTP/1.1` ($request). */
  readonly requestLine: string;
}

/** A running nginx. */
export interface RunningNginx {
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /**
   * Parse the access log. nginx writes a line just after the reply's last byte, so a test that has
   * just read a reply may pass `minEntries` to wait (up to 2 s) until that many lines are there.
   */
  readAccessLog(minEntries?: number): Promise<NginxLogEntry[]>;
  /** Stop nginx and remove its temp dir (config, logs). */
  stop(): Promise<void>;
}

const LOG_FORMAT =
  '$msec $connection $connection_requests $pipe $request_method $request_uri $status $body_bytes_sent ' +
  '"$http_cookie" "$http_host" "$http_user_agent" $request_length $request_time "$request"';

const LOG_LINE =
  /^(\d+\.\d+) (\d+) (\d+) ([p.]) (\S+) (\S+) (\d{3}) (\d+) "([^"]*)" "([^"]*)" "([^"]*)" (\d+) (\d+\.\d+) "([^"]*)"$/;

/** The nginx.conf for one instance; every path nginx writes is inside `dir`. */
function nginxConfig(dir: string, docroot: string, port: number, keepaliveSeconds: number): string {
  const keepalive = `${Math.max(0, Math.round(keepaliveSeconds * 1000))}ms`;
  return `daemon off;
master_process off;
worker_processes 1;
error_log ${dir}/error.log;
pid ${dir}/nginx.pid;

events {
  worker_connections 4096;
}

http {
  types {
    text/html html htm shtml php;
    text/css css;
    text/javascript js mjs;
    image/gif gif;
    image/jpeg jpg jpeg;
    image/png png;
    image/webp webp;
    image/x-icon ico;
    image/svg+xml svg;
  }
  default_type application/octet-stream;
  log_format loadgen '${LOG_FORMAT}';
  access_log ${dir}/access.log loadgen;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 16m;
  sendfile on;
  tcp_nodelay on;
  keepalive_requests 100000;
  keepalive_timeout ${keepalive};

  server {
    listen 127.0.0.1:${port};
    root ${docroot};
    index index.html;
    location / {
      # nginx answers 405 to POST on a static file; serve the file instead, as a dynamic site would.
      error_page 405 =200 $uri;
    }
  }
}
`;
}

/** A port that was free a moment ago (bind port 0, read it, release it). */
async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

/** True once something accepts TCP connections on 127.0.0.1:port. */
function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolveAccepts) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolveAccepts(true);
    });
    socket.once('error', () => resolveAccepts(false));
  });
}

/** Outcome of one start attempt. */
type StartAttempt = { ok: true } | { ok: false; portInUse: boolean; why: string };

/** Wait until nginx listens on `port`, or exits, or 10 s pass. */
async function waitUntilListening(child: ChildProcess, port: number, dir: string, stderr: () => string): Promise<StartAttempt> {
  let exited = child.exitCode !== null;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (exited) {
      const errorLog = await readFile(join(dir, 'error.log'), 'utf8').catch(() => '');
      const why = `${stderr()}${errorLog}`.trim();
      return { ok: false, portInUse: /Address already in use/i.test(why), why };
    }
    if (await acceptsConnections(port)) return { ok: true };
    await new Promise((r) => setTimeout(r, 25));
  }
  child.kill('SIGKILL');
  return { ok: false, portInUse: false, why: `nginx did not listen on port ${port} within 10 s` };
}

/** Undo nginx's `\xHH` escaping of logged header values; "-" (absent) becomes undefined. */
function logValue(text: string): string | undefined {
  if (text === '-') return undefined;
  return text.replace(/\\x([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/** Parse the text of an access log written with {@link LOG_FORMAT}. */
export function parseAccessLog(text: string): NginxLogEntry[] {
  const entries: NginxLogEntry[] = [];
  const lines = text.split('\n');
  lines.forEach((line, index) => {
    if (line === '') return;
    const m = LOG_LINE.exec(line);
    if (!m) throw new Error(`access.log:${index + 1}: unexpected line: ${line}`);
    const requestLine = logValue(m[14]!) ?? '';
    entries.push({
      time: Number(m[1]),
      connection: Number(m[2]),
      connectionRequests: Number(m[3]),
      pipelined: m[4] === 'p',
      method: requestLine.split(' ')[0] || m[5]!,
      uri: m[6]!,
      status: Number(m[7]),
      bodyBytesSent: Number(m[8]),
      cookie: logValue(m[9]!),
      host: logValue(m[10]!),
      userAgent: logValue(m[11]!),
      requestLength: Number(m[12]),
      requestTime: Number(m[13]),
      requestLine,
    });
  });
  return entries;
}

/** Wait for a child to exit, killing it harder if it takes more than `graceMs`. */
async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Start nginx serving `docroot` on a free 127.0.0.1 port and resolve once it accepts connections.
 * Resolves null when the nginx binary is missing and CI is not set; throws when it is missing on CI
 * or cannot be started.
 */
export async function startNginx(opts: NginxOptions): Promise<RunningNginx | null> {
  const binary = opts.binary ?? NGINX_BINARY;
  if (!existsSync(binary)) {
    if (process.env.CI) throw new Error(`${binary} not found; CI must install nginx (apt-get install nginx)`);
    return null;
  }
  const docroot = resolve(opts.docroot);
  const dir = await mkdtemp(join(tmpdir(), 'loadgen-nginx-'));
  let lastFailure = '';
  for (let attempt = 1; attempt <= 5; attempt++) {
    const port = await freePort();
    await writeFile(join(dir, 'nginx.conf'), nginxConfig(dir, docroot, port, opts.keepaliveTimeout ?? 65));
    let stderrText = '';
    const child = spawn(binary, ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderrText += chunk;
    });
    const started = await waitUntilListening(child, port, dir, () => stderrText);
    if (started.ok) return running(child, port, dir);
    lastFailure = started.why;
    await stopChild(child, 1_000);
    if (!started.portInUse) break; // only a lost race for the port is worth another try
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`nginx failed to start: ${lastFailure}`);
}

/** The handle of a started nginx; also makes sure it dies with this process. */
function running(child: ChildProcess, port: number, dir: string): RunningNginx {
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const logPath = join(dir, 'access.log');
  let stopping: Promise<void> | undefined;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    async readAccessLog(minEntries = 0): Promise<NginxLogEntry[]> {
      const deadline = Date.now() + 2_000;
      for (;;) {
        const entries = parseAccessLog(await readFile(logPath, 'utf8').catch(() => ''));
        if (entries.length >= minEntries || Date.now() >= deadline) return entries;
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    stop(): Promise<void> {
      stopping ??= (async () => {
        await stopChild(child, 3_000);
        process.off('exit', killOnExit);
        await rm(dir, { recursive: true, force: true });
      })();
      return stopping;
    },
  };
}
