/**
 * httperf's echo line: the options of a run in httperf's spelling and fixed order (spec 1.3),
 * stored in every results document (`run.commandLine`) and printed first by the report. A pure
 * function of the options, so the engine, the worker merge and the report share it without the
 * engine depending on the report.
 */
import type { ReplayOptions } from '../options.js';
import { fixed, g } from '../report/printf.js';
import type { PrintParts } from './spec.js';

/** The rate item of the echo line, in httperf's spelling (absent for sequential sessions). */
function arrivalItem(arrival: ReplayOptions['arrival']): string | undefined {
  switch (arrival.kind) {
    case 'fixed':
      return arrival.interval > 0 ? `--rate=${g(1 / arrival.interval)}` : undefined;
    case 'exponential':
      return `--period=e${g(arrival.mean)}`;
    case 'uniform':
      return `--period=u${g(arrival.min)},${g(arrival.max)}`;
    case 'variable':
      return `--period=v${arrival.segments.map((s) => `${g(s.interval)},${g(s.duration)}`).join(',')}`;
    case 'sequential':
      return undefined;
  }
}

/**
 * The first line of the output: `loadgen` followed by httperf's echo items in httperf's fixed
 * order (spec 1.3), e.g. `loadgen --hog --timeout=5 --client=0/1 --server=127.0.0.1 --port=8088
 * --uri=/ --rate=5 --send-buffer=4096 --recv-buffer=16384 --wsesslog=10,0.500,sess.txt`.
 * Returned without a line break.
 */
export function formatEchoLine(options: ReplayOptions): string {
  const w = options.workload;
  const items: (string | undefined | false)[] = [
    'loadgen',
    options.verbose > 0 && '--verbose',
    printItem('--print-reply', w?.printReply),
    printItem('--print-request', w?.printRequest),
    options.hog && '--hog',
    w?.closeWithReset === true && '--close-with-reset',
    options.thinkTimeout > 0 && `--think-timeout=${g(options.thinkTimeout)}`,
    options.timeout > 0 && `--timeout=${g(options.timeout)}`,
    `--client=${options.client.id}/${options.client.count}`,
    `--server=${options.server}`,
    options.serverName !== undefined && `--server_name=${options.serverName}`,
    options.port !== 0 && `--port=${options.port}`,
    `--uri=${w?.uri ?? '/'}`,
    options.failureStatus > 0 && `--failure-status=${options.failureStatus}`,
    options.httpVersion !== '1.1' && `--http-version=${options.httpVersion}`,
    options.maxConnectionsSet && `--max-connections=${options.maxConnections}`,
    options.maxPipedCallsSet && `--max-piped-calls=${options.maxPipedCalls}`,
    arrivalItem(options.arrival),
    `--send-buffer=${options.sendBuffer}`,
    options.retryOnFailure && '--retry-on-failure',
    `--recv-buffer=${options.recvBuffer}`,
    options.sessionCookies && '--session-cookies',
    options.ssl && '--ssl',
    w?.sslCiphers !== undefined && `--ssl-ciphers=${w.sslCiphers}`,
    w?.sslNoReuse === true && '--ssl-no-reuse',
    ...options.addHeadersRaw.map((raw) => `--add-header='${raw}'`),
    w?.method !== undefined && `--method=${w.method}`,
    ...generatorItems(options),
  ];
  return items.filter((item): item is string => typeof item === 'string').join(' ');
}

/** `--print-reply` (both parts) or `--print-reply=header|body`, as httperf echoes it. */
function printItem(name: string, parts: PrintParts | undefined): string | undefined {
  if (parts === undefined) return undefined;
  return parts === 'all' ? name : `${name}=${parts}`;
}

/** The echo line's last items: the workload generator (httperf prints no item for --wlog). */
function generatorItems(options: ReplayOptions): string[] {
  const g = options.workload?.generator ?? { kind: 'wsesslog' as const };
  if (g.kind === 'wsesslog') return [`--wsesslog=${options.sessions},${fixed(options.thinkTime, 3)},${options.sessionFile}`];
  const items = g.kind === 'wsess' ? [`--wsess=${g.sessions},${g.calls},${fixed(g.thinkTime, 3)}`] : [`--num-conns=${g.connections}`, `--num-calls=${g.calls}`];
  if (g.burstLength !== 1) items.push(`--burst-length=${g.burstLength}`);
  if (g.uris.kind === 'wset') items.push(`--wset=${g.uris.files},${fixed(g.uris.missRate, 3)}`);
  return items;
}
