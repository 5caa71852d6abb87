/**
 * Assembling a results document: the one place that stamps the schema version and the tool,
 * describes the run (options, echo line, templates, demanded rate) and derives the rates from the
 * counters. A run (engine/run.ts) and a merge (merge.ts, and so --workers and `loadgen collect`)
 * both hand their measured parts here, so a new top-level field is added once.
 */
import type { ReplayOptions } from '../options.js';
import { VERSION } from '../version.js';
import { formatEchoLine } from '../workload/echo.js';
import { deriveRates } from './derive.js';
import { RESULTS_SCHEMA_MINOR_VERSION, RESULTS_SCHEMA_VERSION, type ResultsDocument } from './schema.js';

/** What a producer measured or knows; the rest of the document is derived from it. */
export type DocumentParts = Omit<ResultsDocument, 'schemaVersion' | 'schemaMinorVersion' | 'tool' | 'rates'> & {
  /** The tool that produced the parts; defaults to this loadgen. */
  readonly tool?: ResultsDocument['tool'];
};

/** The run description of a document: what was asked for and how it ended. */
export function describeRun(
  options: ReplayOptions,
  templateRequestCounts: number[],
  targetSessionRate: number,
  ended: ResultsDocument['run']['ended'],
): ResultsDocument['run'] {
  return { commandLine: formatEchoLine(options), options, templateRequestCounts, targetSessionRate, ended };
}

/** The whole document from its parts: versions, tool and the rates derived from the counters. */
export function assembleDocument(parts: DocumentParts): ResultsDocument {
  const { tool, ...measured } = parts;
  return {
    schemaVersion: RESULTS_SCHEMA_VERSION,
    schemaMinorVersion: RESULTS_SCHEMA_MINOR_VERSION,
    tool: tool ?? { name: 'loadgen', version: VERSION },
    ...measured,
    rates: deriveRates(parts.counters, parts.timeline, parts.duration),
  };
}
