/**
 * `loadgen pod [replay options]`: what each pod of `loadgen kube` runs. A replay (same options,
 * same report) that ends with its results document as one framed line on stdout, so
 * `kubectl logs` carries the exact results to `loadgen collect`.
 *
 * It exits 0 once the framed line is printed, even when the run failed or measured nothing: the
 * line says so and `loadgen collect` names the pod. A failing pod would make Kubernetes fail the
 * whole Job (backoffLimit 0) and stop the other pods' load.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_OK, UsageError } from '../errors.js';
import { formatStartSpread } from '../kube/collect.js';
import { frameLine } from '../kube/frame.js';
import { readResultsFile } from '../results/io.js';
import { run as replay } from './replay.js';

/** Replay options that make no sense in a pod (one run, one process, results on stdout). */
const NOT_IN_A_POD = ['--json', '--repeat', '--workers'];

export async function run(args: string[]): Promise<number> {
  const refused = args.find((a) => NOT_IN_A_POD.some((name) => a === name || a.startsWith(`${name}=`)));
  if (refused !== undefined) throw new UsageError(`pod: ${refused.split('=')[0]} is not used in a pod (one run, one process; the results go to stdout)`);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('loadgen pod [replay options]: the replay each pod of `loadgen kube` runs; after the report it prints\nthe results as one framed line for `loadgen collect`. Its options are the replay\'s (below).\n\n');
    return replay(args);
  }
  const dir = await mkdtemp(join(tmpdir(), 'loadgen-pod-'));
  try {
    const file = join(dir, 'results.json');
    const code = await replay([...args, `--json=${file}`]);
    const doc = await readResultsFile(file);
    const start = formatStartSpread(doc);
    if (start !== undefined) process.stdout.write(`${start}\n`);
    if (code !== 0) process.stdout.write(`loadgen pod: the replay exited ${code}; its results follow (loadgen collect names this pod)\n`);
    process.stdout.write(`${frameLine(doc)}\n`);
    return EXIT_OK;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
