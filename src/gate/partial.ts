/**
 * Partial documents never pass a gate. A run stopped by a signal (`run.ended: 'interrupted'`,
 * or a sweep with `interrupted: true`) measured only part of what was asked: its gates are
 * reported as not evaluated (JUnit `<error>`), unless `--allow-partial` accepts it. A run that
 * measured nothing (no reply at all) is never gated, whatever the options.
 */
import { EXIT_INTERRUPTED, EXIT_RUN_FAILED } from '../errors.js';
import type { GateResult } from './evaluate.js';
import { isSweepDocument, type GateDocument } from './metrics.js';

/** Why the documents cannot be gated, with the exit code that says so; null when they can. */
export interface PartialVerdict {
  reason: 'run interrupted' | 'nothing measured';
  exitCode: number;
}

function measuredNothing(doc: GateDocument): boolean {
  if (isSweepDocument(doc)) return doc.targets.every((t) => t.knee === null && !(t.saturation.replyRate > 0));
  return doc.counters.replies === 0;
}

function interrupted(doc: GateDocument): boolean {
  return isSweepDocument(doc) ? doc.interrupted === true : doc.run.ended === 'interrupted';
}

/**
 * Why the documents cannot be gated: interrupted (unless allowed), else nothing measured.
 * `stopped`: the command was stopped by a signal even though every document it holds is whole
 * (Ctrl-C between two --repeat runs): the set of runs is partial all the same.
 */
export function partialVerdict(docs: readonly GateDocument[], allowPartial: boolean, stopped = false): PartialVerdict | null {
  if (!allowPartial && (stopped || docs.some(interrupted))) return { reason: 'run interrupted', exitCode: EXIT_INTERRUPTED };
  if (docs.some(measuredNothing)) return { reason: 'nothing measured', exitCode: EXIT_RUN_FAILED };
  return null;
}

/** Every gate turned into "not evaluated: REASON" (status 'error', no measured value). */
export function notEvaluated(results: readonly GateResult[], verdict: PartialVerdict): GateResult[] {
  const hint = verdict.reason === 'run interrupted' ? ' (the document is partial; --allow-partial gates it anyway)' : ' (no reply was received)';
  return results.map(({ measured: _measured, runs: _runs, ...r }) => ({ ...r, status: 'error', message: `not evaluated: ${verdict.reason}${hint}` }));
}
