/**
 * Strings kept past their line (client keys, URIs of open sessions) must not keep the 256 KB
 * block they were cut from alive (read.ts hands out blocks, and a slice of a string shares its
 * parent), and the same URIs and User-Agents come again and again. `StringInterner` returns
 * one private copy per distinct string, in bounded memory.
 */

/** V8 copies substrings shorter than this; longer ones share (and keep alive) their parent. */
const SHARED_SLICE_MIN = 13;

/** Buffer's own latin1 methods (what `write`/`toString` call after checking their arguments). */
interface Latin1Buffer extends Buffer {
  latin1Write(text: string, offset: number): number;
  latin1Slice(start: number, end: number): string;
}

/** Scratch bytes for `ownCopy` (strings kept are short: URIs, addresses, User-Agents). */
const scratch = Buffer.allocUnsafe(16 * 1024) as Latin1Buffer;

/**
 * A flat copy of `text` that shares no memory with the string it was cut from. Through a byte
 * buffer: the copy is a plain sequential string, which V8 compares several times faster than a
 * slice (kept strings are compared on every line: addresses, User-Agents, URIs). A string with a
 * character above U+00FF does not survive latin1 and is copied the other way: concatenating
 * makes a rope, slicing it flattens the rope into a new string (the result is a slice of that
 * small new string, not of the block).
 */
export function ownCopy(text: string): string {
  if (text.length < SHARED_SLICE_MIN) return text;
  if (text.length <= scratch.length) {
    const copy = scratch.latin1Slice(0, scratch.latin1Write(text, 0));
    if (copy === text) return copy;
  }
  return ` ${text}`.slice(1);
}

/**
 * Returns one own copy (`ownCopy`) per distinct string. Bounded: when `limit` strings are held the
 * table starts again empty, so memory does not grow with the input (a string seen again after
 * that is copied once more, which is correct, only less shared).
 */
export class StringInterner {
  private readonly table = new Map<string, string>();

  constructor(private readonly limit = 50_000) {}

  /** The shared copy of `text`. */
  intern(text: string): string {
    let own = this.table.get(text);
    if (own === undefined) {
      own = ownCopy(text);
      if (this.table.size >= this.limit) this.table.clear();
      this.table.set(own, own);
    }
    return own;
  }

  /** Distinct strings held now. */
  get size(): number {
    return this.table.size;
  }
}

/**
 * A direct-mapped cache of recent strings (URIs): a string hashes (length and its last
 * characters, where URIs differ) to one slot; when the slot holds an equal string that one is
 * returned, else an own copy replaces it. Cheaper per line than a Map (no full-string hash, no
 * probing), fixed memory, and the popular URIs of a site stay shared.
 */
export class RecentStrings {
  private readonly slots: string[];
  private readonly flags: Uint8Array;
  private readonly mask: number;
  /** `classify` of the string the last `get` returned (computed once per cached string). */
  flag = false;

  /** `classify` is a property of a string worth caching with it (e.g. "is an embedded resource"). */
  constructor(
    private readonly classify: (text: string) => boolean = () => false,
    bits = 14,
  ) {
    this.slots = new Array<string>(1 << bits).fill('');
    this.flags = new Uint8Array(1 << bits);
    this.mask = (1 << bits) - 1;
  }

  /** An own copy of `text`, shared with earlier equal strings when still cached. */
  get(text: string): string {
    // The length and 16 characters: 8 spread over the string and the last 8 (URIs differ at the
    // end, User-Agents anywhere). Collisions only cost a copy.
    const n = text.length;
    let h = n;
    if (n <= 16) for (let i = 0; i < n; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    else {
      for (let k = 0; k < 8; k++) h = Math.imul(h ^ text.charCodeAt((n * k) >> 3), 0x01000193);
      for (let i = n - 8; i < n; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    }
    h ^= h >>> 15;
    const slot = h & this.mask;
    const held = this.slots[slot]!;
    if (held === text) {
      this.flag = this.flags[slot] === 1;
      return held;
    }
    const own = ownCopy(text);
    this.slots[slot] = own;
    this.flag = this.classify(own);
    this.flags[slot] = this.flag ? 1 : 0;
    return own;
  }
}
