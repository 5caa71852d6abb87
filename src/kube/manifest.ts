/**
 * The Kubernetes manifests of a distributed replay: a ConfigMap holding the session file and an
 * Indexed Job of N pods. Pod i runs `loadgen pod ... --client i/N` (Kubernetes expands
 * `$(JOB_COMPLETION_INDEX)` in the arguments), each with its share of the sessions at 1/N of the
 * arrival rate, all waiting for one `--start-at` instant. A load must never run twice, so the Job
 * has `backoffLimit: 0` and its pods `restartPolicy: Never`.
 */
import { stringify } from 'yaml';
import { UsageError } from '../errors.js';
import { DEFAULT_REPLAY_OPTIONS, type ArrivalPattern, type ReplayOptions } from '../options.js';

/** Where the ConfigMap with the session file is mounted in each pod. */
export const SESSIONS_MOUNT = '/sessions';
/** The Job's pod environment variable holding the completion index (set by Kubernetes). */
export const INDEX_VARIABLE = 'JOB_COMPLETION_INDEX';
/** A ConfigMap holds at most 1 MiB; leave room for its metadata. */
const MAX_SESSION_FILE_BYTES = 1000 * 1024;
/** Job names become pod names and label values (63 characters) with a suffix added. */
const MAX_NAME_LENGTH = 52;

/** Everything the manifests are made from. */
export interface KubeRunSpec {
  /** Job name; the ConfigMap is `<name>-sessions`. */
  readonly name: string;
  readonly namespace?: string;
  readonly image: string;
  /** N: pods, completions and parallelism. */
  readonly parallelism: number;
  /** One pod's replay options: its share of the sessions and of the rate (client and seed unused). */
  readonly podOptions: ReplayOptions;
  /** Wall-clock instant (epoch ms) at which every pod begins. */
  readonly startAt: number;
  /** The session file's text, stored in the ConfigMap under `sessionKey`. */
  readonly sessionText: string;
  readonly sessionKey: string;
}

/** Check a Job name (DNS-1123 label, short enough for pod names); throws UsageError. */
export function checkJobName(name: string): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > MAX_NAME_LENGTH) {
    throw new UsageError(`--name '${name}': a Job name is lower-case letters, digits and '-', starting and ending with a letter or digit, at most ${MAX_NAME_LENGTH} characters`);
  }
  return name;
}

/** The ConfigMap key for a session file's base name (a safe key, else `sessions.txt`). */
export function sessionKeyFor(baseName: string): string {
  return /^[-._a-zA-Z0-9]{1,200}$/.test(baseName) && !/^\.+$/.test(baseName) ? baseName : 'sessions.txt';
}

/** `--period` / `--rate` argument that gives exactly this arrival pattern. */
function arrivalArg(arrival: ArrivalPattern): string {
  switch (arrival.kind) {
    case 'fixed':
      return `--period=d${arrival.interval}`;
    case 'exponential':
      return `--period=e${arrival.mean}`;
    case 'uniform':
      return `--period=u${arrival.min},${arrival.max}`;
    case 'sequential':
      return '--rate=0';
    case 'variable':
      throw new UsageError('kube: a variable (staircase) arrival pattern cannot be split over pods; use --rate or --period');
  }
}

/**
 * The arguments of the pod's `loadgen` (after the image's entrypoint): `pod`, then replay options
 * that reproduce `options` with `--client $(JOB_COMPLETION_INDEX)/N`, reading the mounted session
 * file. The seed is not passed: each pod seeds its random arrivals from its index, as httperf does.
 */
export function podArgs(options: ReplayOptions, parallelism: number, startAt: number, sessionPath: string): string[] {
  const d = DEFAULT_REPLAY_OPTIONS;
  const items: (string | false)[] = [
    'pod',
    `--server=${options.server}`,
    `--port=${options.port}`,
    options.serverName !== undefined && `--server-name=${options.serverName}`,
    `--wsesslog=${options.sessions},${options.thinkTime},${sessionPath}`,
    arrivalArg(options.arrival),
    `--client=$(${INDEX_VARIABLE})/${parallelism}`,
    `--start-at=${new Date(startAt).toISOString()}`,
    options.timeout !== d.timeout && `--timeout=${options.timeout}`,
    options.thinkTimeout !== d.thinkTimeout && `--think-timeout=${options.thinkTimeout}`,
    options.maxConnectionsSet && `--max-connections=${options.maxConnections}`,
    options.maxPipedCallsSet && `--max-piped-calls=${options.maxPipedCalls}`,
    options.httpVersion !== d.httpVersion && `--http-version=${options.httpVersion}`,
    options.failureStatus !== d.failureStatus && `--failure-status=${options.failureStatus}`,
    options.retryOnFailure && '--retry-on-failure',
    options.maxRetries !== d.maxRetries && `--max-retries=${options.maxRetries}`,
    options.sessionCookies && '--session-cookies',
    ...options.addHeadersRaw.map((raw) => `--add-header=${raw}`),
    options.ssl && '--ssl',
    options.insecure && '--insecure',
  ];
  return items.filter((item): item is string => typeof item === 'string');
}

/** The ConfigMap and the Indexed Job, as plain Kubernetes API objects. */
export function kubeManifests(spec: KubeRunSpec): [Record<string, unknown>, Record<string, unknown>] {
  const bytes = Buffer.byteLength(spec.sessionText);
  if (bytes > MAX_SESSION_FILE_BYTES) {
    throw new UsageError(`kube: the session file is ${bytes} bytes; a ConfigMap holds at most 1 MiB (build the file into the image instead, see docs/kubernetes.md)`);
  }
  const labels = { 'app.kubernetes.io/name': 'loadgen', 'app.kubernetes.io/instance': spec.name };
  const metadata = (name: string) => ({ name, ...(spec.namespace !== undefined ? { namespace: spec.namespace } : {}), labels });
  const configMapName = `${spec.name}-sessions`;
  const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(configMapName), data: { [spec.sessionKey]: spec.sessionText } };
  const args = podArgs(spec.podOptions, spec.parallelism, spec.startAt, `${SESSIONS_MOUNT}/${spec.sessionKey}`);
  const container = {
    name: 'loadgen',
    image: spec.image,
    args,
    // Kubernetes sets this variable in Indexed Jobs; stating it makes the $(...) expansion explicit.
    env: [{ name: INDEX_VARIABLE, valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }],
    // One generator process drives one core: request it, so N pods get N cores.
    resources: { requests: { cpu: '1', memory: '256Mi' }, limits: { memory: '1Gi' } },
    volumeMounts: [{ name: 'sessions', mountPath: SESSIONS_MOUNT, readOnly: true }],
  };
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: metadata(spec.name),
    spec: {
      completionMode: 'Indexed',
      completions: spec.parallelism,
      parallelism: spec.parallelism,
      // A load is never re-run: a failed pod stays failed and is named by `loadgen collect`.
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: { restartPolicy: 'Never', containers: [container], volumes: [{ name: 'sessions', configMap: { name: configMapName } }] },
      },
    },
  };
  return [configMap, job];
}

/** Multi-document YAML for `kubectl apply -f -`, with a comment header. */
export function manifestsYaml(objects: readonly Record<string, unknown>[], header: readonly string[]): string {
  const comments = header.map((line) => `# ${line}\n`).join('');
  return comments + objects.map((o) => stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}
