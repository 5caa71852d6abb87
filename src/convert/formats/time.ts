/**
 * Timestamps of access logs, parsed to seconds since the epoch.
 *
 * - Common Log Format time (`%t`, `$time_local`): `[10/Oct/2000:13:55:36 -0700]`, brackets
 *   optional. This is the hot path: the date part repeats on thousands of consecutive lines, so
 *   the epoch of the day is cached and only the clock is read per line.
 * - Apache `%{FORMAT}t` strftime formats, compiled once into a small scanner (`compileStrftime`).
 * - ISO 8601 (`$time_iso8601`, JSON logs) and epoch numbers (`%{sec}t`, `%{msec}t`, `$msec`).
 */

const MONTHS: Record<string, number> = {
  jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11,
};

/** Parse `n` decimal digits of `s` at `at`; -1 if any is not a digit. */
function digits(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = 0; i < n; i++) {
    const d = s.charCodeAt(at + i) - 48;
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Parse a `+hhmm`/`-hhmm` (or `+hh:mm`, `Z`) zone at `at`; offset in seconds east, NaN if bad. */
function zoneOffset(s: string, at: number): number {
  const sign = s.charCodeAt(at);
  if (sign === 0x5a /* Z */) return 0;
  if (sign !== 0x2b && sign !== 0x2d) return Number.NaN;
  const hh = digits(s, at + 1, 2);
  const colon = s.charCodeAt(at + 3) === 0x3a ? 1 : 0;
  const mm = digits(s, at + 3 + colon, 2);
  if (hh < 0 || mm < 0) return Number.NaN;
  const offset = hh * 3600 + mm * 60;
  return sign === 0x2d ? -offset : offset;
}

/**
 * True when `text` at `at` starts with `held`, which is `length` characters long. Compared from
 * the end (the seconds side, where consecutive timestamps differ) with char codes: cheaper than
 * a `startsWith` builtin call per line.
 */
function sameText(text: string, at: number, held: Uint8Array, length: number): boolean {
  // `held` holds the char codes (a typed array: no string to dereference per character), and
  // length + 1 codes, the last being 1 once set (so an unset cache never matches).
  if (held[length] !== 1) return false;
  for (let i = length - 1; i >= 0; i--) if (text.charCodeAt(at + i) !== held[i]) return false;
  return true;
}

/** Keep the `length` char codes of `text` at `at` in `held` (see sameText). */
function holdText(text: string, at: number, held: Uint8Array, length: number): void {
  for (let i = 0; i < length; i++) held[i] = text.charCodeAt(at + i);
  held[length] = 1;
}

/**
 * Caches the epoch of the last CLF date and of the last minute seen (one per parser, not
 * shared): consecutive lines mostly share `dd/Mon/yyyy:HH:MM`, so only the seconds are read.
 */
export class ClfTimeParser {
  private lastDate = '';
  private lastDayEpoch = 0;
  /** `dd/Mon/yyyy:HH:MM` of the last line read (char codes, see sameText), and its epoch. */
  private readonly lastMinute = new Uint8Array(17 + 1);
  private lastMinuteEpoch = 0;
  /** The last ` +hhmm` zone text (with its space; char codes) and its offset. */
  private readonly lastZone = new Uint8Array(6 + 1);
  private lastZoneOffset = 0;

  /** Seconds since the epoch for `dd/Mon/yyyy:HH:MM:SS +zzzz` (optionally in brackets), or NaN. */
  parse(text: string): number {
    return this.parseAt(text, 0, text.length);
  }

  /** `parse` on `text[start, stop)`, without slicing. */
  parseAt(text: string, start: number, stop: number): number {
    let at = start;
    let end = stop;
    if (text.charCodeAt(at) === 0x5b) {
      at++;
      if (text.charCodeAt(end - 1) === 0x5d) end--;
    }
    if (end - at < 20 || text.charCodeAt(at + 11) !== 0x3a) return Number.NaN;
    let minuteEpoch: number;
    if (sameText(text, at, this.lastMinute, 17)) minuteEpoch = this.lastMinuteEpoch;
    else {
      minuteEpoch = this.minuteAt(text, at);
      if (Number.isNaN(minuteEpoch)) return Number.NaN;
    }
    const s1 = text.charCodeAt(at + 18) - 48;
    const s2 = text.charCodeAt(at + 19) - 48;
    if (s1 < 0 || s1 > 9 || s2 < 0 || s2 > 9) return Number.NaN;
    const sec = s1 * 10 + s2;
    if (sec > 60) return Number.NaN;
    let zone = 0;
    let p = at + 20;
    // Optional fraction (some servers log milliseconds: `13:55:36.123 -0700`).
    let fraction = 0;
    if (text.charCodeAt(p) === 0x2e) {
      let scale = 0.1;
      p++;
      while (p < end) {
        const d = text.charCodeAt(p) - 48;
        if (d < 0 || d > 9) break;
        fraction += d * scale;
        scale /= 10;
        p++;
      }
    }
    if (p < end) {
      if (text.charCodeAt(p) !== 0x20) return Number.NaN;
      // ` +hhmm` ending the field: the same zone as the previous line, almost always.
      if (end - p === 6 && sameText(text, p, this.lastZone, 6)) zone = this.lastZoneOffset;
      else {
        zone = zoneOffset(text, p + 1);
        if (Number.isNaN(zone)) return Number.NaN;
        if (end - p === 6) {
          holdText(text, p, this.lastZone, 6);
          this.lastZoneOffset = zone;
        }
      }
    }
    return minuteEpoch + sec + fraction - zone;
  }

  /** Epoch (UTC, before the zone) of `dd/Mon/yyyy:HH:MM` at `at`, cached; NaN when invalid. */
  private minuteAt(text: string, at: number): number {
    let dayEpoch: number;
    if (this.lastDate.length === 11 && text.startsWith(this.lastDate, at)) dayEpoch = this.lastDayEpoch;
    else {
      const date = text.slice(at, at + 11);
      const day = digits(date, 0, 2);
      const month = MONTHS[date.slice(3, 6).toLowerCase()];
      const year = digits(date, 7, 4);
      if (day < 1 || day > 31 || month === undefined || year < 0 || date[2] !== '/' || date[6] !== '/') return Number.NaN;
      dayEpoch = Date.UTC(year, month, day) / 1000;
      // Date.UTC rolls 32/Aug over into September: a day the month does not have is an error.
      if (new Date(dayEpoch * 1000).getUTCDate() !== day) return Number.NaN;
      this.lastDate = date;
      this.lastDayEpoch = dayEpoch;
    }
    const h = digits(text, at + 12, 2);
    const m = digits(text, at + 15, 2);
    if (h < 0 || h > 23 || m < 0 || m > 59) return Number.NaN;
    const minuteEpoch = dayEpoch + h * 3600 + m * 60;
    holdText(text, at, this.lastMinute, 17);
    this.lastMinuteEpoch = minuteEpoch;
    return minuteEpoch;
  }
}

/** Seconds since the epoch from an ISO 8601 date-time (`2015-05-17T10:05:03+00:00`), or NaN. */
export function parseIsoTime(text: string): number {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? Number.NaN : ms / 1000;
}

/**
 * Seconds since the epoch from a number of seconds, or of milliseconds / microseconds when it is
 * too large to be seconds (after the year 5000), or NaN.
 */
export function parseEpoch(text: string | number): number {
  const value = typeof text === 'number' ? text : text.length === 0 ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || value < 0) return Number.NaN;
  if (value > 1e14) return value / 1e6;
  if (value > 1e11) return value / 1e3;
  return value;
}

/** Broken-down time parts filled by strftime scanners; combined into an epoch per line. */
export class TimeParts {
  year = 1970;
  month = 0;
  day = 1;
  hour = 0;
  minute = 0;
  second = 0;
  fraction = 0;
  zone = 0;
  /** Set when a part gives the whole instant (`%s`, `sec`, `msec`...): the others are ignored. */
  epoch = Number.NaN;
  /** True once any part has been set on this line. */
  used = false;

  reset(): void {
    this.year = 1970;
    this.month = 0;
    this.day = 1;
    this.hour = 0;
    this.minute = 0;
    this.second = 0;
    this.fraction = 0;
    this.zone = 0;
    this.epoch = Number.NaN;
    this.used = false;
  }

  /** The instant the parts describe, in seconds. */
  toEpoch(): number {
    if (!Number.isNaN(this.epoch)) return this.epoch + this.fraction;
    return Date.UTC(this.year, this.month, this.day, this.hour, this.minute, this.second) / 1000 + this.fraction - this.zone;
  }
}

/** A compiled `%{FORMAT}t` scanner: reads `text` into `parts`, false if it does not match. */
export type TimeScanner = (text: string, parts: TimeParts) => boolean;

/** Apache's named `%{...}t` forms besides strftime. */
const NAMED_FORMATS: Record<string, (text: string, parts: TimeParts) => boolean> = {
  sec: (t, p) => setEpoch(t, p, 1),
  msec: (t, p) => setEpoch(t, p, 1e3),
  usec: (t, p) => setEpoch(t, p, 1e6),
  msec_frac: (t, p) => setFraction(t, p, 3),
  usec_frac: (t, p) => setFraction(t, p, 6),
};

function setEpoch(text: string, parts: TimeParts, divisor: number): boolean {
  if (!/^\d+(\.\d+)?$/.test(text)) return false;
  parts.epoch = Number(text) / divisor;
  parts.used = true;
  return true;
}

function setFraction(text: string, parts: TimeParts, width: number): boolean {
  if (!/^\d+$/.test(text)) return false;
  parts.fraction = Number(text) / 10 ** width;
  parts.used = true;
  return true;
}

/** One step of a compiled strftime format: consume from `text` at `pos`, return the new pos or -1. */
type Step = (text: string, pos: number, parts: TimeParts) => number;

function numberStep(minWidth: number, maxWidth: number, set: (parts: TimeParts, v: number) => boolean): Step {
  return (text, pos, parts) => {
    let p = pos;
    // strftime pads %e with a space; accept leading spaces for every number.
    while (text.charCodeAt(p) === 0x20 && p - pos < maxWidth - 1) p++;
    let v = 0;
    const start = p;
    while (p - start < maxWidth) {
      const d = text.charCodeAt(p) - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      p++;
    }
    if (p - start < minWidth || !set(parts, v)) return -1;
    return p;
  };
}

function literalStep(literal: string): Step {
  return (text, pos) => (text.startsWith(literal, pos) ? pos + literal.length : -1);
}

function monthNameStep(): Step {
  return (text, pos, parts) => {
    const month = MONTHS[text.slice(pos, pos + 3).toLowerCase()];
    if (month === undefined) return -1;
    parts.month = month;
    // Full month names (`%B`): skip the remaining letters.
    let p = pos + 3;
    while (p < text.length && /[A-Za-z]/.test(text[p]!)) p++;
    return p;
  };
}

function wordStep(): Step {
  // Day names (%a %A) and AM/PM carry nothing we need beyond what other fields give.
  return (text, pos) => {
    let p = pos;
    while (p < text.length && /[A-Za-z.]/.test(text[p]!)) p++;
    return p > pos ? p : -1;
  };
}

function zoneStep(): Step {
  return (text, pos, parts) => {
    const zone = zoneOffset(text, pos);
    if (Number.isNaN(zone)) return -1;
    parts.zone = zone;
    if (text.charCodeAt(pos) === 0x5a) return pos + 1;
    return pos + (text.charCodeAt(pos + 3) === 0x3a ? 6 : 5);
  };
}

function conversionSteps(letter: string): Step[] | undefined {
  const set = (field: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', min: number, max: number, delta = 0) =>
    (parts: TimeParts, v: number) => {
      if (v < min || v > max) return false;
      parts[field] = v + delta;
      return true;
    };
  switch (letter) {
    case 'Y': return [numberStep(4, 4, set('year', 0, 9999))];
    case 'y': return [numberStep(2, 2, (p, v) => { p.year = v < 69 ? 2000 + v : 1900 + v; return true; })];
    case 'm': return [numberStep(1, 2, set('month', 1, 12, -1))];
    case 'd': case 'e': return [numberStep(1, 2, set('day', 1, 31))];
    case 'H': return [numberStep(1, 2, set('hour', 0, 23))];
    case 'M': return [numberStep(1, 2, set('minute', 0, 59))];
    case 'S': return [numberStep(1, 2, set('second', 0, 60))];
    case 'b': case 'h': case 'B': return [monthNameStep()];
    case 'a': case 'A': case 'p': return [wordStep()];
    case 'z': return [zoneStep()];
    case 'Z': return [wordStep()];
    case 's': return [numberStep(1, 12, (p, v) => { p.epoch = v; return true; })];
    case 'T': return [...conversionSteps('H')!, literalStep(':'), ...conversionSteps('M')!, literalStep(':'), ...conversionSteps('S')!];
    case 'F': return [...conversionSteps('Y')!, literalStep('-'), ...conversionSteps('m')!, literalStep('-'), ...conversionSteps('d')!];
    case 'D': return [...conversionSteps('m')!, literalStep('/'), ...conversionSteps('d')!, literalStep('/'), ...conversionSteps('y')!];
    case 'R': return [...conversionSteps('H')!, literalStep(':'), ...conversionSteps('M')!];
    case '%': return [literalStep('%')];
    default: return undefined;
  }
}

/**
 * Compile the inside of Apache's `%{...}t` (`begin:`/`end:` prefix already removed): a named
 * form (`sec`, `msec`, `usec`, `msec_frac`, `usec_frac`) or a strftime format. Throws an Error
 * naming the conversion it does not support.
 */
export function compileStrftime(format: string): TimeScanner {
  const named = NAMED_FORMATS[format];
  if (named !== undefined) return named;
  const steps: Step[] = [];
  let literal = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      literal += c;
      continue;
    }
    const letter = format[i + 1];
    i++;
    if (letter === undefined) throw new Error(`time format "${format}" ends with a lone %`);
    const conv = conversionSteps(letter);
    if (conv === undefined) throw new Error(`time format "${format}": %${letter} is not supported`);
    if (literal.length > 0) steps.push(literalStep(literal));
    literal = '';
    steps.push(...conv);
  }
  if (literal.length > 0) steps.push(literalStep(literal));
  return (text, parts) => {
    let pos = 0;
    for (const step of steps) {
      pos = step(text, pos, parts);
      if (pos < 0) return false;
    }
    parts.used = true;
    return pos === text.length;
  };
}
