/**
 * Gather the framed results of the N pods of one Indexed Job and merge them exactly
 * (mergeResults: counters and HDR histograms added). A pod whose results are missing, or whose
 * run was interrupted or measured nothing, is named; none is silently dropped.
 */
import { RunFailedError, UsageError } from '../errors.js';
import { mergeResults } from '../results/merge.js';
import type { ResultsDocument } from '../results/schema.js';
import { FRAME_MARKER, type Frame } from './frame.js';

/** The result of collecting one Job's frames. */
export interface Collection {
  /** Pods (generators) the run had: N of `--client I/N`. */
  readonly count: number;
  /** The documents found, by pod index. */
  readonly frames: readonly Frame[];
  /** Indexes of pods whose results line was not found. */
  readonly missing: readonly number[];
  /** One line per pod that ran but did not complete a measured run. */
  readonly problems: readonly string[];
  /** The exact merge of every document found; `run.ended` is 'interrupted' unless all N completed. */
  readonly merged: ResultsDocument;
}

/** A pod's name in messages: its Job completion index and generator share. */
export function podName(index: number, count: number): string {
  return `pod ${index} (--client ${index}/${count})`;
}

/** Why a pod's own run does not count as a complete measurement, or undefined when it does. */
function podProblem(frame: Frame): string | undefined {
  const { doc, client } = frame;
  const name = podName(client.id, client.count);
  if (doc.counters.replies === 0 && doc.counters.connected === 0 && doc.counters.connections > 0) {
    return `${name} measured nothing: no connection to ${doc.run.options.server}:${doc.run.options.port} succeeded (${frame.where})`;
  }
  if (doc.run.ended === 'interrupted') return `${name} was interrupted before its sessions finished (${frame.where})`;
  return undefined;
}

/** Check that every frame belongs to one run: same N, same --start-at, each index once. */
function checkOneRun(frames: readonly Frame[], expected: number | undefined): number {
  const count = expected ?? frames[0]!.client.count;
  const byIndex = new Map<number, Frame>();
  const startAt = frames[0]!.doc.run.options.startAt;
  for (const frame of frames) {
    if (frame.client.count !== count) {
      throw new UsageError(`${frame.where}: results of a run with ${frame.client.count} pods, but ${expected === undefined ? `${frames[0]!.where} has ${count}` : `--parallelism ${count} was given`}: collect one Job at a time`);
    }
    if (frame.doc.run.options.startAt !== startAt) {
      throw new UsageError(`${frame.where}: results of another run (a different --start-at than ${frames[0]!.where}): collect one Job at a time`);
    }
    const earlier = byIndex.get(frame.client.id);
    if (earlier) throw new UsageError(`${podName(frame.client.id, count)} appears twice: ${earlier.where} and ${frame.where}`);
    byIndex.set(frame.client.id, frame);
  }
  return count;
}

/**
 * Merge the frames of one run. `expected` is the Job's parallelism when known (else N is read
 * from the frames). Throws RunFailedError when no frame was found at all.
 */
export function collectFrames(frames: readonly Frame[], sources: readonly string[], expected?: number): Collection {
  if (frames.length === 0) {
    throw new RunFailedError(
      `no loadgen results line (${FRAME_MARKER}) in ${sources.join(', ')}: did every pod fail before its report? (kubectl logs needs --tail=-1 with -l)`,
    );
  }
  const count = checkOneRun(frames, expected);
  const sorted = [...frames].sort((a, b) => a.client.id - b.client.id);
  const present = new Set(sorted.map((f) => f.client.id));
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !present.has(i));
  const problems = sorted.map(podProblem).filter((p): p is string => p !== undefined);
  const merged = mergeResults(sorted.map((f) => f.doc));
  if (missing.length > 0) merged.run = { ...merged.run, ended: 'interrupted' };
  return { count, frames: sorted, missing, problems, merged };
}

/** One line on how together the pods began (from the merged --start-at lateness), or undefined. */
export function formatStartSpread(doc: ResultsDocument): string | undefined {
  const s = doc.startLateness;
  if (s === undefined) return undefined;
  const ms = (v: number): string => `${v.toFixed(1)} ms`;
  if (s.generators === 1) return `Start: began ${ms(s.minMs)} after --start-at ${s.startAt}`;
  return `Start: ${s.generators} generators began ${ms(s.minMs)} to ${ms(s.maxMs)} after --start-at ${s.startAt} (spread ${ms(s.maxMs - s.minMs)})`;
}
