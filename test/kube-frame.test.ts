/**
 * Damaged framed results lines in `kubectl logs` output: every one is an InputError at the
 * frame's FILE:LINE:COL, never a TypeError or a line inside the one-line JSON.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { FRAME_MARKER, frameLine, readFrames } from '../src/kube/frame.js';
import { makeResultsDocument } from './fixtures/gate/documents.js';

/** A frame with a correct checksum around any JSON value. */
function framed(value: unknown, client = '0/1'): string {
  const json = JSON.stringify(value);
  return `${FRAME_MARKER} client=${client} sha256=${createHash('sha256').update(json).digest('hex')} ${json}`;
}

function errorOf(text: string): InputError {
  try {
    readFrames(text, 'pods.log');
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('readFrames accepted a damaged frame');
}

describe('readFrames', () => {
  it('reads a good frame back', () => {
    const doc = makeResultsDocument();
    const frames = readFrames(`report\n[pod/a/loadgen] ${frameLine(doc)}\n`, 'pods.log');
    expect(frames.map((f) => f.where)).toEqual(['pods.log:2']);
    expect(frames[0]!.doc.counters).toEqual(doc.counters);
  });

  it('names the frame line when the checksummed document is not a results document', () => {
    const doc = makeResultsDocument() as unknown as Record<string, unknown>;
    const err = errorOf(`report\n${framed({ ...doc, counters: { ...(doc.counters as object), replies: 'x' } })}\n`);
    expect(err.message).toBe('pods.log:2:1: damaged results line: counters.replies must be a number, found a string');
  });

  it('names the frame line when the document has no --client (no TypeError)', () => {
    const doc = makeResultsDocument();
    const { client: _client, ...options } = doc.run.options;
    const err = errorOf(framed({ ...doc, run: { ...doc.run, options } }));
    expect(err.message).toMatch(/^pods\.log:1:1: damaged results line: the frame says client 0\/1 but the document was run as no --client$/);
  });
});
