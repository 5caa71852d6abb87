/**
 * The sessionizer's table of open clients: address -> the head of its sessions' chain.
 *
 * A `Map` looked up with a string freshly cut from a line costs about 150 ns here (V8 hashes the
 * new string, then probes a table of entries spread over the heap). This is an open-addressing
 * table with linear probing: the hash is computed in JavaScript from the address's character
 * codes, kept in an Int32Array next to the slot, and keys are compared only when the hashes are
 * equal. It grows and shrinks with the number of clients, so walking all slots (the idle sweep,
 * once per log minute) stays proportional to the open clients, as a Map's walk is.
 */

/** Hash of `text` (FNV-1a over its char codes, mixed); never 0, which marks an empty slot. */
export function clientHash(text: string): number {
  let h = 0x811c9dc5 ^ text.length;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  h ^= h >>> 15;
  return h | 1;
}

/** Fewest slots: small enough that a sweep over an almost empty table is cheap. */
const MIN_SLOTS = 64;

/** Open-addressing map from client address to `V` (iteration order is not defined). */
export class ClientTable<V extends { readonly client: string }> {
  private hashes = new Int32Array(MIN_SLOTS);
  private values: Array<V | undefined> = new Array<V | undefined>(MIN_SLOTS).fill(undefined);
  private mask = MIN_SLOTS - 1;
  private count = 0;

  /** Entries held. */
  get size(): number {
    return this.count;
  }

  /** The value for address `client`, or undefined. */
  get(client: string): V | undefined {
    const h = clientHash(client);
    const hashes = this.hashes;
    const mask = this.mask;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const held = hashes[slot]!;
      if (held === 0) return undefined;
      if (held === h) {
        const value = this.values[slot]!;
        if (value.client === client) return value;
      }
    }
  }

  /** Set the value for address `value.client` (replacing the one held, if any). */
  set(value: V): void {
    const client = value.client;
    const h = clientHash(client);
    const hashes = this.hashes;
    const mask = this.mask;
    let slot = h & mask;
    for (; ; slot = (slot + 1) & mask) {
      const held = hashes[slot]!;
      if (held === 0) break;
      if (held === h && this.values[slot]!.client === client) {
        this.values[slot] = value;
        return;
      }
    }
    hashes[slot] = h;
    this.values[slot] = value;
    this.count++;
    if (this.count * 2 > hashes.length) this.resize(hashes.length * 2);
  }

  /**
   * Remove address `client`. Does not shrink the table (call `compact` after a batch of deletes);
   * entries may move to earlier slots, so do not delete while walking with `forEachValue`.
   */
  delete(client: string): void {
    const h = clientHash(client);
    const hashes = this.hashes;
    const values = this.values;
    const mask = this.mask;
    let slot = h & mask;
    for (; ; slot = (slot + 1) & mask) {
      const held = hashes[slot]!;
      if (held === 0) return;
      if (held === h && values[slot]!.client === client) break;
    }
    // Backward-shift deletion: move later entries of the probe run into the hole, so lookups
    // never need tombstones.
    let hole = slot;
    for (let next = (hole + 1) & mask; hashes[next] !== 0; next = (next + 1) & mask) {
      const home = hashes[next]! & mask;
      // The entry at `next` may move to `hole` if its home is not in (hole, next] (cyclically).
      const stays = hole <= next ? home > hole && home <= next : home > hole || home <= next;
      if (stays) continue;
      hashes[hole] = hashes[next]!;
      values[hole] = values[next];
      hole = next;
    }
    hashes[hole] = 0;
    values[hole] = undefined;
    this.count--;
  }

  /** Shrink after deletes, so walks stay proportional to the entries. */
  compact(): void {
    let slots = this.hashes.length;
    while (slots > MIN_SLOTS && this.count * 8 < slots) slots >>= 1;
    if (slots !== this.hashes.length) this.resize(slots);
  }

  /** Number of slots, for walking the table with `valueAt` (the table must not change meanwhile). */
  get slots(): number {
    return this.hashes.length;
  }

  /** The value in `slot`, undefined for an empty slot. */
  valueAt(slot: number): V | undefined {
    return this.values[slot];
  }

  /** Call `visit` with each value (the table must not change meanwhile). */
  forEachValue(visit: (value: V) => void): void {
    const hashes = this.hashes;
    const values = this.values;
    for (let slot = 0; slot < hashes.length; slot++) if (hashes[slot] !== 0) visit(values[slot]!);
  }

  /** Remove everything. */
  clear(): void {
    this.hashes = new Int32Array(MIN_SLOTS);
    this.values = new Array<V | undefined>(MIN_SLOTS).fill(undefined);
    this.mask = MIN_SLOTS - 1;
    this.count = 0;
  }

  private resize(slots: number): void {
    const oldHashes = this.hashes;
    const oldValues = this.values;
    this.hashes = new Int32Array(slots);
    this.values = new Array<V | undefined>(slots).fill(undefined);
    this.mask = slots - 1;
    for (let i = 0; i < oldHashes.length; i++) {
      const h = oldHashes[i]!;
      if (h === 0) continue;
      let slot = h & this.mask;
      while (this.hashes[slot] !== 0) slot = (slot + 1) & this.mask;
      this.hashes[slot] = h;
      this.values[slot] = oldValues[i];
    }
  }
}
