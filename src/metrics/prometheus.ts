/**
 * Prometheus text exposition format (version 0.0.4): parse a scrape into samples, and fetch one.
 * Only what a sweep needs: metric name, labels and value of every sample line; `#` lines
 * (HELP/TYPE/comments) and timestamps are skipped.
 */

/** One sample line: `name{label="value",...} value [timestamp]`. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A parsed scrape: samples, and the lines that could not be read (kept for the note). */
export interface PromScrape {
  samples: PromSample[];
  badLines: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/** Parse Prometheus text format. Malformed lines are counted and skipped, never fatal. */
export function parsePrometheusText(text: string): PromScrape {
  const samples: PromSample[] = [];
  let badLines = 0;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const sample = parseSampleLine(line);
    if (sample) samples.push(sample);
    else badLines++;
  }
  return { samples, badLines };
}

/** One sample line, or undefined when it does not follow the format. */
function parseSampleLine(line: string): PromSample | undefined {
  const nameMatch = NAME.exec(line);
  if (!nameMatch) return undefined;
  const name = nameMatch[0];
  let pos = name.length;
  const labels: Record<string, string> = {};
  if (line[pos] === '{') {
    pos++;
    for (;;) {
      while (line[pos] === ' ' || line[pos] === ',') pos++;
      if (line[pos] === '}') {
        pos++;
        break;
      }
      const labelMatch = /^([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"/.exec(line.slice(pos));
      if (!labelMatch) return undefined;
      pos += labelMatch[0].length;
      let value = '';
      // Label values escape only backslash, double quote and newline.
      while (pos < line.length && line[pos] !== '"') {
        if (line[pos] === '\\' && pos + 1 < line.length) {
          const next = line[pos + 1]!;
          value += next === 'n' ? '\n' : next;
          pos += 2;
        } else value += line[pos++];
      }
      if (line[pos] !== '"') return undefined;
      pos++;
      labels[labelMatch[1]!] = value;
    }
  }
  const fields = line.slice(pos).trim().split(/\s+/);
  if (fields.length < 1 || fields.length > 2 || fields[0] === '') return undefined;
  const value = parseValue(fields[0]!);
  if (value === undefined) return undefined;
  return { name, labels, value };
}

/** Go's float syntax as Prometheus writes it, including +Inf, -Inf and NaN. */
function parseValue(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/** Outcome of one scrape: the samples and the time taken, or a one-line reason. */
export type ScrapeResult =
  | { ok: true; scrape: PromScrape; at: number }
  | { ok: false; reason: string };

/**
 * Fetch and parse one metrics endpoint. Never throws: an HTTP error, a refused connection or no
 * answer within `timeoutMs` becomes `{ ok: false, reason }`. `at` is the local time of the answer
 * (seconds, monotonic clock), used to turn counter deltas into rates.
 */
export async function scrapePrometheus(url: string, timeoutMs = 2000): Promise<ScrapeResult> {
  try {
    const response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      // Scrapes are a step apart (tens of seconds): a fresh connection each time costs nothing
      // and never meets a keep-alive socket the exporter or a proxy closed in between.
      headers: { accept: 'text/plain;version=0.0.4', connection: 'close' },
    });
    if (!response.ok) {
      // Read the (small) error body rather than cancel it, so the connection ends cleanly.
      await response.text().catch(() => undefined);
      return { ok: false, reason: `HTTP ${response.status} from ${url}` };
    }
    const text = await response.text();
    return { ok: true, scrape: parsePrometheusText(text), at: performance.now() / 1000 };
  } catch (err) {
    return { ok: false, reason: describeFetchError(err, url, timeoutMs) };
  }
}

/** A short reason for a failed fetch (timeouts and refused connections named plainly). */
function describeFetchError(err: unknown, url: string, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer from ${url} within ${timeoutMs / 1000} s`;
  const detail = e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
  return `cannot reach ${url}: ${detail}`;
}
