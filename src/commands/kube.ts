/**
 * `loadgen kube [replay options] --parallelism N --image IMG`: print the manifests of one replay
 * spread over N Kubernetes pods (a ConfigMap with the session file and an Indexed Job). Each pod
 * runs 1/N of the sessions at 1/N of the rate, from a shared --start-at instant a little after
 * now, and prints its results as a framed line that `loadgen collect` merges exactly.
 */
import { basename } from 'node:path';
import { EXIT_OK, UsageError } from '../errors.js';
import { checkJobName, kubeManifests, manifestsYaml, sessionKeyFor } from '../kube/manifest.js';
import { loadSessionFile } from '../session/parse.js';
import { readInputText } from '../util/files.js';
import { addReplayOptions, toReplayOptions } from './replay-args.js';
import { workerShare } from './workers.js';
import { commandParser, wantsHelp } from './yargs-common.js';

const USAGE = `loadgen kube --parallelism N --image IMAGE [--name JOB] [--namespace NS] [--start-in S] [replay options]

Writes Kubernetes manifests to stdout: a ConfigMap with the session file and an Indexed Job of N
pods, each replaying 1/N of the sessions at 1/N of the rate from one shared start.
  loadgen kube ... | kubectl apply -f -
  kubectl wait --for=condition=complete --timeout=1h job/JOB
  kubectl logs -l job-name=JOB --tail=-1 --max-log-requests=N | loadgen collect --parallelism N
See docs/kubernetes.md.`;

/** Seconds from now to the shared start when neither --start-at nor --start-in is given. */
const DEFAULT_START_IN = 60;

function wholeNumber(value: unknown, name: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`kube: ${name} must be a whole number from ${min} to ${max}, not '${String(value)}'`);
  return n;
}

/** A default Job name from the time: loadgen-20260131-120000. */
function defaultName(now: Date): string {
  return `loadgen-${now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)}`;
}

export async function run(args: string[]): Promise<number> {
  const argv = (await addReplayOptions(commandParser(args, USAGE, { command: 'kube' }))
    .option('parallelism', { type: 'string', demandOption: true, describe: 'N: pods, each one generator process on one CPU' })
    .option('image', { type: 'string', demandOption: true, requiresArg: true, describe: 'container image with loadgen as entrypoint (see Dockerfile)' })
    .option('name', { type: 'string', requiresArg: true, describe: 'Job name (default loadgen-YYYYMMDD-HHMMSS)' })
    .option('namespace', { type: 'string', requiresArg: true, describe: 'namespace of the Job and the ConfigMap' })
    .option('start-in', { type: 'string', requiresArg: true, describe: `seconds from now to the shared start (default ${DEFAULT_START_IN}); pods need time to be scheduled and pull the image` })
    .parseAsync()) as Record<string, unknown>;
  if (wantsHelp(args)) return EXIT_OK;
  for (const own of ['client', 'seed']) {
    if (args.some((a) => a === `--${own}` || a.startsWith(`--${own}=`))) {
      throw new UsageError(`kube: --${own} is set per pod (pod i runs --client i/N and seeds its arrivals from i)`);
    }
  }
  if (argv['start-at'] !== undefined && argv['start-in'] !== undefined) throw new UsageError('kube: give --start-at or --start-in, not both');
  const parallelism = wholeNumber(argv.parallelism, '--parallelism', 1, 10000);
  const options = toReplayOptions(argv, args);
  if (options.sessions % parallelism !== 0) {
    const lower = options.sessions - (options.sessions % parallelism);
    throw new UsageError(
      `kube: ${options.sessions} sessions do not split evenly over ${parallelism} pods (every pod runs the same command); use a multiple of ${parallelism}, e.g. ${lower || parallelism} or ${lower + parallelism}`,
    );
  }
  const now = new Date();
  const startIn = argv['start-in'] === undefined ? DEFAULT_START_IN : wholeNumber(argv['start-in'], '--start-in', 0, 86400);
  // Whole seconds read better in manifests and logs.
  const startAt = options.startAt ?? Math.ceil((now.getTime() + startIn * 1000) / 1000) * 1000;
  if (startAt <= now.getTime()) throw new UsageError('kube: --start-at must be in the future: the pods still have to be scheduled and started');
  await loadSessionFile(options.sessionFile); // a bad session file fails here, not in N pods
  const sessionText = await readInputText(options.sessionFile);
  const name = checkJobName(argv.name === undefined ? defaultName(now) : String(argv.name));
  const share = workerShare(options, 0, parallelism).options;
  const manifests = kubeManifests({
    name,
    ...(argv.namespace !== undefined ? { namespace: String(argv.namespace) } : {}),
    image: String(argv.image),
    parallelism,
    podOptions: share,
    startAt,
    sessionText,
    sessionKey: sessionKeyFor(basename(options.sessionFile)),
  });
  const ns = argv.namespace !== undefined ? ` -n ${String(argv.namespace)}` : '';
  const header = [
    `loadgen kube: ${parallelism} pods x ${share.sessions} sessions, all starting at ${new Date(startAt).toISOString()}`,
    `apply:   kubectl apply${ns} -f THIS_FILE   (or pipe: loadgen kube ... | kubectl apply -f -)`,
    `wait:    kubectl wait${ns} --for=condition=complete --timeout=1h job/${name}`,
    `collect: kubectl logs${ns} -l job-name=${name} --tail=-1 --max-log-requests=${parallelism} | loadgen collect --parallelism ${parallelism}`,
  ];
  process.stdout.write(manifestsYaml(manifests, header));
  return EXIT_OK;
}
