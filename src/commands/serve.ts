/**
 * `loadgen serve`: run the demo target (server.ts) in the foreground until SIGINT/SIGTERM.
 *
 *   loadgen serve --port P [--host 127.0.0.1] [--sessions FILE] [--service-time MS] [--concurrency N]
 */
import { commandParser } from './yargs-common.js';
import { EXIT_OK, UsageError } from '../errors.js';
import type { SessionFile } from '../session/model.js';
import { loadSessionFile } from '../session/parse.js';
import { startDemoServer, type DemoServer, type DemoServerStats } from '../serve/server.js';

/** Settings of one `loadgen serve` run, validated. */
export interface ServeSettings {
  readonly port: number;
  readonly host: string;
  readonly sessionsPath?: string;
  readonly serviceTimeMs: number;
  /** Infinity when unlimited. */
  readonly concurrency: number;
}

/** Test seams: where the banner goes and what stops the server (default: SIGINT/SIGTERM). */
export interface ServeRunOptions {
  readonly out?: (line: string) => void;
  readonly signal?: AbortSignal;
}

/** Parse and validate `loadgen serve` arguments; bad ones throw UsageError. */
export async function parseServeArgs(argv: string[]): Promise<ServeSettings | 'help'> {
  const args = await commandParser(argv, 'loadgen serve --port P [--host H] [--sessions FILE] [--service-time MS] [--concurrency N]\n\nRun the demo target server until interrupted.', { command: 'serve' })
    .option('port', { type: 'number', demandOption: true, describe: 'TCP port to listen on (0 picks a free one)' })
    .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on' })
    .option('sessions', { type: 'string', describe: 'session file: only its paths answer 200, others 404' })
    .option('service-time', { type: 'number', default: 0, describe: 'milliseconds each request spends in service' })
    .option('concurrency', { type: 'number', describe: 'requests in service at once (default: unlimited)' })
    .parseAsync();
  if (args.help) return 'help';
  const port = args.port;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError('serve: --port must be a whole number 0-65535');
  }
  const serviceTimeMs = args['service-time'];
  if (typeof serviceTimeMs !== 'number' || !Number.isFinite(serviceTimeMs) || serviceTimeMs < 0) {
    throw new UsageError('serve: --service-time must be a number of milliseconds >= 0');
  }
  const concurrency = args.concurrency ?? Infinity;
  if (!Number.isInteger(concurrency) && concurrency !== Infinity) {
    throw new UsageError('serve: --concurrency must be a whole number >= 1');
  }
  if (concurrency < 1) throw new UsageError('serve: --concurrency must be a whole number >= 1');
  if (args.host.trim() === '') throw new UsageError('serve: --host must not be empty');
  return { port, host: args.host, sessionsPath: args.sessions, serviceTimeMs, concurrency };
}

/** The one-line banner printed once the server listens. */
export function formatBanner(url: string, settings: ServeSettings): string {
  const concurrency = Number.isFinite(settings.concurrency) ? String(settings.concurrency) : 'unlimited';
  return `loadgen serve: listening on ${url} (service time ${settings.serviceTimeMs} ms, concurrency ${concurrency})`;
}

/** One-line summary printed when the server stops. */
function formatSummary(stats: DemoServerStats): string {
  const statuses = Object.entries(stats.byStatus)
    .map(([status, count]) => `${status}=${count}`)
    .join(' ');
  return `loadgen serve: stopped (requests ${stats.requests}, connections ${stats.connectionsOpened}, ` +
    `status ${statuses || 'none'}, max queue ${stats.maxQueueLength})`;
}

/** Resolve when the signal aborts, or on SIGINT/SIGTERM when there is no signal. */
function untilStopped(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal) {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
      return;
    }
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Listen, turning the usual listen failures into one-line usage errors. */
async function listen(settings: ServeSettings, sessionFile: SessionFile | undefined): Promise<DemoServer> {
  try {
    return await startDemoServer({
      port: settings.port,
      host: settings.host,
      serviceTimeMs: settings.serviceTimeMs,
      concurrency: settings.concurrency,
      sessionFile,
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const where = `${settings.host}:${settings.port}`;
    if (code === 'EADDRINUSE') throw new UsageError(`serve: can't listen on ${where}: address already in use`);
    if (code === 'EACCES') throw new UsageError(`serve: can't listen on ${where}: permission denied`);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      throw new UsageError(`serve: can't listen on ${where}: no such local address`);
    }
    throw err;
  }
}

/** `loadgen serve` entry: resolves 0 after a clean stop; bad arguments throw UsageError. */
export async function run(argv: string[], options: ServeRunOptions = {}): Promise<number> {
  const settings = await parseServeArgs(argv);
  if (settings === 'help') return EXIT_OK;
  const sessionFile = settings.sessionsPath !== undefined ? await loadSessionFile(settings.sessionsPath) : undefined;
  const server = await listen(settings, sessionFile);
  const stopped = untilStopped(options.signal); // catch signals before the banner tells anyone we are up
  const out = options.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  out(formatBanner(server.url, settings));
  await stopped;
  await server.close();
  process.stderr.write(`${formatSummary(server.stats())}\n`);
  return EXIT_OK;
}
