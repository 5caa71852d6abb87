/**
 * The reorder window: access logs are only roughly in time order (a server writes a line when a
 * request ends; load balancers and rotated files interleave). Records wait in a min-heap keyed
 * by (time, position in the input) until the newest time read is more than `window` seconds
 * past theirs; then they come out in exact time order. Memory is bounded by the number of lines
 * in one window, not by the file size. A record older than what already came out is "late".
 *
 * Most records come in order: those go to a queue (a sorted run, O(1) each) and only records
 * older than the run's last go to the heap; records come out of whichever holds the earliest.
 */
import type { LogRecord } from './record.js';

function before(a: LogRecord, b: LogRecord): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}

/** Run queue and min-heap of records, with a release watermark. */
export class ReorderWindow {
  private readonly heap: LogRecord[] = [];
  /** Records in (time, position) order from `runHead` on. */
  private run: LogRecord[] = [];
  private runHead = 0;
  private newest = Number.NEGATIVE_INFINITY;
  /** Time of the last record released: anything earlier can no longer be placed in order. */
  private released = Number.NEGATIVE_INFINITY;

  constructor(private readonly window: number) {}

  /** Records waiting. */
  get size(): number {
    return this.heap.length + this.run.length - this.runHead;
  }

  /**
   * How many seconds `record` is behind what was already released (> 0: too late to be placed
   * in order), else 0. Check before `push`.
   */
  lateness(record: LogRecord): number {
    return record.time < this.released ? this.released - record.time : 0;
  }

  /** Add a record and hand every record that is now out of the window to `release`, in order. */
  push(record: LogRecord, release: (record: LogRecord) => void): void {
    const heap = this.heap;
    if (record.time > this.newest) this.newest = record.time;
    // Fast path for sorted input with nothing waiting: the record is already past the window.
    if (this.size === 0 && record.time <= this.newest - this.window) {
      this.released = record.time;
      release(record);
      return;
    }
    const run = this.run;
    if (run.length === this.runHead || !before(record, run[run.length - 1]!)) run.push(record);
    else {
      heap.push(record);
      this.siftUp(heap.length - 1);
    }
    const limit = this.newest - this.window;
    if (heap.length === 0) {
      // Nothing out of order waiting (the usual case): release from the run alone.
      let head = this.runHead;
      const stop = this.run.length;
      while (head < stop && this.run[head]!.time <= limit) {
        const next = this.run[head++]!;
        this.released = next.time;
        this.runHead = head;
        release(next);
      }
      this.trimRun();
      return;
    }
    for (;;) {
      const next = this.earliest();
      if (next === undefined || next.time > limit) break;
      release(this.take());
    }
  }

  /** Drop the released part of the run: all of it, or the front half once it is large. */
  private trimRun(): void {
    const run = this.run;
    if (this.runHead === run.length) {
      run.length = 0;
      this.runHead = 0;
    } else if (this.runHead >= 4096 && this.runHead * 2 >= run.length) {
      this.run = run.slice(this.runHead);
      this.runHead = 0;
    }
  }

  /** Release everything still waiting, in order (end of input). */
  drain(release: (record: LogRecord) => void): void {
    while (this.size > 0) release(this.take());
  }

  /** The earliest record waiting (run head or heap top), or undefined. */
  private earliest(): LogRecord | undefined {
    const fromRun = this.runHead < this.run.length ? this.run[this.runHead] : undefined;
    const fromHeap = this.heap[0];
    if (fromRun === undefined) return fromHeap;
    if (fromHeap === undefined) return fromRun;
    return before(fromHeap, fromRun) ? fromHeap : fromRun;
  }

  /** Remove and return the earliest record (there is one). */
  private take(): LogRecord {
    const run = this.run;
    const fromRun = this.runHead < run.length ? run[this.runHead] : undefined;
    const fromHeap = this.heap[0];
    if (fromRun !== undefined && (fromHeap === undefined || !before(fromHeap, fromRun))) {
      this.runHead++;
      this.trimRun();
      this.released = fromRun.time;
      return fromRun;
    }
    return this.pop();
  }

  private pop(): LogRecord {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    this.released = top.time;
    return top;
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const item = heap[index]!;
    let i = index;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = item;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const n = heap.length;
    const item = heap[index]!;
    let i = index;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, item)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = item;
  }
}
