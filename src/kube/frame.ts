/**
 * The framed results line a pod prints on stdout after its report, and the reader that finds
 * such lines again in `kubectl logs` output. One line: a marker, the generator's `--client I/N`,
 * the SHA-256 of the JSON and the JSON itself, so a line cut or mangled on its way through the
 * container runtime's log files is detected instead of merged.
 *
 *   LOADGEN-RESULTS/1 client=2/8 sha256=<64 hex> {"schemaVersion":1,...}
 *
 * Anything before the marker (the `[pod/NAME/loadgen] ` of `kubectl logs --prefix`, or a
 * `--timestamps` stamp) is ignored.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../errors.js';
import { validateResultsDocument } from '../results/io.js';
import type { ResultsDocument } from '../results/schema.js';

/** The marker that starts a framed results line (version 1 of the frame). */
export const FRAME_MARKER = 'LOADGEN-RESULTS/1';

/** One results document found in a log, with where it was found. */
export interface Frame {
  readonly client: { readonly id: number; readonly count: number };
  readonly doc: ResultsDocument;
  /** `FILE:LINE` of the framed line (for messages). */
  readonly where: string;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The framed line (without the line break) for a document. */
export function frameLine(doc: ResultsDocument): string {
  const json = JSON.stringify(doc);
  const { id, count } = doc.run.options.client;
  return `${FRAME_MARKER} client=${id}/${count} sha256=${sha256(json)} ${json}`;
}

const FRAME = new RegExp(`${FRAME_MARKER.replace('/', '\\/')} client=(\\d+)/(\\d+) sha256=([0-9a-f]{64}) (.*)$`);

/**
 * Every framed document in `text` (the contents of `file`), in order. A line that carries the
 * marker but is damaged (cut, checksum mismatch, not a results document) is an InputError
 * naming FILE:LINE; all other lines (the reports) are skipped.
 */
export function readFrames(text: string, file: string): Frame[] {
  const frames: Frame[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((line, index) => {
    const at = line.indexOf(FRAME_MARKER);
    if (at < 0) return;
    const fail = (why: string): never => {
      throw new InputError(file, index + 1, at + 1, `damaged results line: ${why}`);
    };
    const m = FRAME.exec(line.slice(at));
    if (!m) return fail(`expected '${FRAME_MARKER} client=I/N sha256=HEX {json}'`);
    const json = m[4]!;
    if (sha256(json) !== m[3]) return fail(`checksum mismatch (the line was cut or altered; ${json.length} characters of JSON)`);
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch {
      return fail('invalid JSON');
    }
    let doc: ResultsDocument;
    try {
      doc = validateResultsDocument(value, file);
    } catch (err) {
      // The field's line inside the one-line JSON is meaningless: report it at the frame's line.
      return fail(err instanceof InputError ? err.reason : String(err));
    }
    const client = { id: Number(m[1]), count: Number(m[2]) };
    const ran = (doc.run.options as { client?: { id?: unknown; count?: unknown } }).client;
    if (ran?.id !== client.id || ran.count !== client.count) {
      fail(`the frame says client ${client.id}/${client.count} but the document was run as ${ran ? `${String(ran.id)}/${String(ran.count)}` : 'no --client'}`);
    }
    frames.push({ client, doc, where: `${file}:${index + 1}` });
  });
  return frames;
}
