/**
 * Reading the documents a gate is evaluated on: replay results documents (validated by
 * src/results/io.ts) and sweep documents (`kind: 'loadgen-sweep'`, checked here for the few
 * fields the gate reads, since the sweep owns its full schema).
 */
import { InputError } from '../errors.js';
import { validateResultsDocument } from '../results/io.js';
import { readInputText } from '../util/files.js';
import { lineColumnAt, locateJsonPath, parseJsonText } from '../util/locate.js';
import { isSweepDocument, type GateDocument, type SweepDocumentLike } from './metrics.js';

/** Check the fields of a sweep document the gate reads; throws InputError naming the first bad one. */
function validateSweep(doc: SweepDocumentLike, path: string, text: string): SweepDocumentLike {
  /** Fails at the line of the field at `at` (line 0 when it cannot be found). */
  const fail = (at: (string | number)[], reason: string): never => {
    const offset = locateJsonPath(text, at);
    throw new InputError(path, offset >= 0 ? lineColumnAt(text, offset).line : 0, 0, `sweep document: ${reason}`);
  };
  if (!Array.isArray(doc.targets) || doc.targets.length === 0) fail(['targets'], 'targets must be a non-empty array');
  for (const [i, target] of doc.targets.entries()) {
    const where = `targets[${i}]`;
    if (typeof target !== 'object' || target === null) fail(['targets'], `${where} must be an object`);
    const knee = target.knee as unknown;
    if (knee !== null && (typeof knee !== 'object' || typeof (knee as { sessionRate?: unknown }).sessionRate !== 'number' || typeof (knee as { replyRate?: unknown }).replyRate !== 'number')) {
      fail(['targets', i, 'knee'], `${where}.knee must be null or { sessionRate, replyRate } numbers`);
    }
    if (typeof target.saturation !== 'object' || target.saturation === null || typeof target.saturation.replyRate !== 'number') {
      fail(['targets', i, 'saturation'], `${where}.saturation.replyRate must be a number`);
    }
  }
  return doc;
}

/**
 * Read a results or sweep document. A missing file is a UsageError (`can't open FILE: ...`),
 * bad JSON or a bad field an InputError `FILE:LINE:COL: what`.
 */
export async function readGateDocument(path: string): Promise<GateDocument> {
  const text = await readInputText(path);
  const value = parseJsonText(text, path);
  if (isSweepDocument(value)) return validateSweep(value, path, text);
  return validateResultsDocument(value, path, text);
}
