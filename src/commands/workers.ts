/**
 * `--workers K`: one replay spread over K generator processes (one core each), merged exactly.
 * Worker i runs its share of the sessions at 1/K of the arrival rate with `--client i/K`,
 * starting i fixed intervals late so the K fixed schedules interleave into the demanded one.
 * Each worker writes its results document to a file; the parent adds them with mergeResults().
 */
import { fork } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT_OK, RunFailedError } from '../errors.js';
import { runReplay } from '../engine/run.js';
import type { ArrivalPattern, ReplayOptions } from '../options.js';
import { mergeResults } from '../results/merge.js';
import { readResultsFile, writeResultsFile } from '../results/io.js';
import type { ResultsDocument, TimelineSample } from '../results/schema.js';
import { buildSessionFile } from '../workload/plan.js';

const CLI = fileURLToPath(new URL('../../bin/loadgen.js', import.meta.url));

/** What one worker process is told to do. */
interface WorkerTask {
  options: ReplayOptions;
  /** Wait this long before the first session, ms (interleaves fixed schedules). */
  startDelayMs: number;
  output: string;
}

/** The options of worker `index` of `count` for a replay with `options`. */
export function workerShare(options: ReplayOptions, index: number, count: number): { options: ReplayOptions; startDelayMs: number } {
  const sessions = Math.floor(options.sessions / count) + (index < options.sessions % count ? 1 : 0);
  const arrival = slower(options.arrival, count);
  const startDelayMs = options.arrival.kind === 'fixed' ? index * options.arrival.interval * 1000 : 0;
  return { options: { ...options, sessions, arrival, client: { id: index, count }, seed: options.seed + index }, startDelayMs };
}

function slower(pattern: ArrivalPattern, k: number): ArrivalPattern {
  switch (pattern.kind) {
    case 'fixed':
      return { kind: 'fixed', interval: pattern.interval * k };
    case 'exponential':
      return { kind: 'exponential', mean: pattern.mean * k };
    case 'uniform':
      return { kind: 'uniform', min: pattern.min * k, max: pattern.max * k };
    case 'variable':
      return { ...pattern, segments: pattern.segments.map((s) => ({ interval: s.interval * k, duration: s.duration })) };
    case 'sequential':
      return pattern; // K sequential streams: K sessions at a time.
  }
}

/** What a worker sends its parent over IPC as it runs. */
interface WorkerMessage {
  kind: 'sample';
  sample: TimelineSample;
}

/**
 * Run the replay in `count` worker processes and return the merged results. `onSample` gets
 * each worker's 5-s samples as they are taken (for the progress line).
 */
export async function runWorkers(
  options: ReplayOptions,
  count: number,
  signal: AbortSignal,
  onSample?: (sample: TimelineSample, worker: number) => void,
): Promise<ResultsDocument> {
  const dir = await mkdtemp(join(tmpdir(), 'loadgen-workers-'));
  try {
    const shares = Array.from({ length: Math.min(count, options.sessions) }, (_, i) => workerShare(options, i, Math.min(count, options.sessions)));
    const outputs = await Promise.all(
      shares.map(async (share, i) => {
        const task: WorkerTask = { ...share, output: join(dir, `worker-${i}.json`) };
        const taskFile = join(dir, `task-${i}.json`);
        await writeFile(taskFile, JSON.stringify(task));
        await runChild(taskFile, signal, (sample) => onSample?.(sample, i));
        return task.output;
      }),
    );
    const docs = await Promise.all(outputs.map((file) => readResultsFile(file)));
    // The shares ran together: the merge sums their rates and describes the user's whole run.
    return mergeResults(docs, { options });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runChild(taskFile: string, signal: AbortSignal, onSample: (sample: TimelineSample) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = fork(CLI, ['__worker', taskFile], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.on('message', (message: WorkerMessage) => {
      if (message?.kind === 'sample') onSample(message.sample);
    });
    const stop = (): void => {
      child.kill('SIGINT');
    };
    signal.addEventListener('abort', stop, { once: true });
    child.on('error', reject);
    child.on('exit', (code) => {
      signal.removeEventListener('abort', stop);
      if (code === 0) resolve();
      else reject(new RunFailedError(`a worker process failed (exit ${code ?? 'signal'})`));
    });
  });
}

/** Entry of a worker process (`loadgen __worker TASKFILE`): run the share, write the document. */
export async function run(args: string[]): Promise<number> {
  const task = JSON.parse(await readFile(args[0]!, 'utf8')) as WorkerTask;
  const sessions = await buildSessionFile(task.options);
  const controller = new AbortController();
  // Ctrl-C reaches the worker twice (from the terminal and forwarded by the parent): aborting
  // an aborted run is a no-op, and the results measured so far are still written.
  process.on('SIGINT', () => controller.abort());
  if (task.startDelayMs > 0) await new Promise((r) => setTimeout(r, task.startDelayMs));
  const report = (sample: TimelineSample): void => {
    const message: WorkerMessage = { kind: 'sample', sample };
    process.send?.(message);
  };
  const doc = await runReplay(task.options, sessions, { signal: controller.signal, onSample: report });
  await writeResultsFile(task.output, doc);
  return EXIT_OK;
}
