/**
 * Exact merge of results documents from several load generators that ran the same test at
 * the same time (`--client I/N`), or from repeated runs: counters are added, HDR histograms are
 * added through their encodings (percentiles are never averaged), timelines are added sample by
 * sample, fine timelines (schema 1.1) are added bucket by wall-clock slot, and the rates are
 * derived again from the merged raw figures.
 */
import { UsageError } from '../errors.js';
import type { ReplayOptions } from '../options.js';
import { assembleDocument, describeRun } from './document.js';
import { mergeFineTimelines } from './fine-timeline.js';
import { mergeEncoded } from './histogram.js';
import { mergeCounters, mergeGenerators, TIMELINE_COUNTS } from './fields.js';
import {
  HISTOGRAM_NAMES,
  type FineTimeline,
  type HistogramName,
  type HistogramSummary,
  type ResultsDocument,
  type StartLateness,
  type TimelineSample,
} from './schema.js';

function sumOf<T>(items: readonly T[], pick: (item: T) => number): number {
  return items.reduce((total, item) => total + pick(item), 0);
}

/**
 * Add timelines sample by sample (sample i of every document covers the same 5-s slot of a
 * test the generators ran together): counts are added, `t` and `interval` take the maximum.
 */
export function mergeTimelines(all: readonly (readonly TimelineSample[])[]): TimelineSample[] {
  const length = Math.max(0, ...all.map((timeline) => timeline.length));
  const merged: TimelineSample[] = [];
  for (let i = 0; i < length; i++) {
    const samples = all.map((timeline) => timeline[i]).filter((s): s is TimelineSample => s !== undefined);
    const sample = { t: Math.max(...samples.map((s) => s.t)), interval: Math.max(...samples.map((s) => s.interval)) } as TimelineSample;
    for (const field of TIMELINE_COUNTS) sample[field] = sumOf(samples, (s) => s[field]);
    merged.push(sample);
  }
  return merged;
}

/** Spread of the --start-at lateness over the generators that recorded one (none: absent). */
function mergeStartLateness(docs: readonly ResultsDocument[]): { startLateness?: StartLateness } {
  const all = docs.map((d) => d.startLateness).filter((s): s is StartLateness => s !== undefined);
  if (all.length === 0) return {};
  return {
    startLateness: {
      startAt: all[0]!.startAt,
      minMs: Math.min(...all.map((s) => s.minMs)),
      maxMs: Math.max(...all.map((s) => s.maxMs)),
      generators: sumOf(all, (s) => s.generators),
    },
  };
}

/** Time span of the documents: earliest start and latest end (NaN when a stamp is unreadable). */
function timeSpan(docs: readonly ResultsDocument[]): { start: number; end: number } {
  const starts = docs.map((d) => Date.parse(d.startedAt));
  const ends = docs.map((d) => Date.parse(d.endedAt));
  return { start: Math.min(...starts), end: Math.max(...ends) };
}

/** True when every run overlaps every other in time (generators that ran together). */
function runConcurrently(docs: readonly ResultsDocument[]): boolean {
  const latestStart = Math.max(...docs.map((d) => Date.parse(d.startedAt)));
  const earliestEnd = Math.min(...docs.map((d) => Date.parse(d.endedAt)));
  return latestStart <= earliestEnd;
}

/**
 * Merge results documents exactly. With `run`, the merge describes that run (its options and
 * echo line) instead of the first document's: --workers merges its shares into the user's run. Duration = latest `endedAt` - earliest `startedAt`, at
 * least the longest single duration (which is used alone if a stamp is unreadable); rates are re-derived from the merged
 * counters. The run description is the first document's, `ended` is 'interrupted' if any run
 * was, and the target session rate is the sum when the runs overlapped in time (generators
 * sharing one test) or the largest otherwise (repeated runs of one rate).
 */
export function mergeResults(docs: readonly ResultsDocument[], run?: RunIdentity): ResultsDocument {
  if (docs.length === 0) throw new UsageError('no results documents to merge');
  const first = docs[0]!;
  const counters = mergeCounters(docs.map((d) => d.counters));
  const timeline = mergeTimelines(docs.map((d) => d.timeline));
  const span = timeSpan(docs);
  const spanValid = Number.isFinite(span.start) && Number.isFinite(span.end) && span.end >= span.start;
  // The span cannot be shorter than any single run; ISO stamps have 1 ms resolution, so the
  // longest measured duration is the floor (and a single document keeps its own duration).
  const longest = Math.max(...docs.map((d) => d.duration));
  const duration = spanValid && docs.length > 1 ? Math.max((span.end - span.start) / 1000, longest) : longest;
  const concurrent = spanValid && runConcurrently(docs);
  const fineTimeline = mergedFineTimeline(docs, concurrent);
  const histograms = Object.fromEntries(
    HISTOGRAM_NAMES.map((name) => [name, mergeEncoded(docs.map((d) => d.histograms[name].encoded))]),
  ) as Record<HistogramName, HistogramSummary>;
  // Shares of one run (`run` given: --workers) add up even when a short share ended before another began.
  const together = run !== undefined || concurrent;
  const targetSessionRate = together ? sumOf(docs, (d) => d.run.targetSessionRate) : Math.max(...docs.map((d) => d.run.targetSessionRate));
  const ended = docs.some((d) => d.run.ended === 'interrupted') ? 'interrupted' : 'completed';
  return assembleDocument({
    tool: first.tool,
    run: run
      ? describeRun(run.options, first.run.templateRequestCounts, targetSessionRate, ended)
      : { ...first.run, targetSessionRate, ended },
    startedAt: spanValid ? new Date(span.start).toISOString() : first.startedAt,
    endedAt: spanValid ? new Date(span.end).toISOString() : first.endedAt,
    duration,
    counters,
    generator: mergeGenerators(docs.map((d) => d.generator)),
    timeline,
    ...(fineTimeline ? { fineTimeline } : {}),
    histograms,
    ...mergeStartLateness(docs),
  });
}

/** The run a merge describes when it is not the first document's: the options of the whole run (--workers). */
export interface RunIdentity {
  readonly options: ReplayOptions;
}

/**
 * The fine timelines added slot by slot on the wall clock, when every document has one and the
 * runs overlapped in time. Runs at different times (repeats) have no common slots, so their
 * merge has no fine timeline rather than one with a hole between the runs.
 */
function mergedFineTimeline(docs: readonly ResultsDocument[], concurrent: boolean): FineTimeline | undefined {
  const timelines = docs.map((d) => d.fineTimeline);
  if (!concurrent || timelines.some((t) => t === undefined)) return undefined;
  return docs.length === 1 ? timelines[0] : mergeFineTimelines(timelines as FineTimeline[]);
}
