/**
 * The demo server's capacity model: `workers` jobs in service at once, each taking
 * `serviceTimeMs` (plus a per-job extra), the rest waiting in a FIFO queue. With 4 workers and
 * 10 ms the pool completes at most 400 jobs/s, and waiting time grows once demand exceeds that.
 *
 * Accuracy matters (rate sweeps find the knee of this curve), so a worker's next job starts at the
 * moment the previous one was *due* to finish, not when its timer happened to fire: timer lateness
 * is absorbed instead of accumulating, and the long-run throughput is exactly workers/serviceTime.
 */
import { performance } from 'node:perf_hooks';

/** A timer this close to its due time counts as on time (re-arming it would cost a whole ms). */
const EARLY_TOLERANCE_MS = 0.1;

/** A job waiting for a worker. */
interface QueuedJob<T> {
  readonly job: T;
  readonly extraMs: number;
  readonly arrivedAt: number;
}

/** A first-in first-out queue with O(1) push and shift (a plain array's shift is O(n)). */
class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    // Compact once the consumed prefix dominates, so memory stays proportional to the queue.
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

/** A pool of `workers` servers with a FIFO queue in front; calls `onDone(job)` when a job's service ends. */
export class WorkerPool<T> {
  /** Longest the queue has been (jobs waiting, not counting those in service). */
  maxQueueLength = 0;
  private readonly queue = new Fifo<QueuedJob<T>>();
  /** Indexes of idle workers (a stack: which idle worker takes a job does not matter). */
  private readonly idle: number[] = [];
  /** When each worker's last job was due to end (performance.now() milliseconds). */
  private readonly freeAt: number[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private busyUnlimited = 0;
  private closed = false;

  /**
   * @param workers jobs in service at once (Infinity: no limit, no queue)
   * @param serviceTimeMs time each job spends in service
   * @param onDone called when a job's service time is over (its response is due)
   */
  constructor(
    private readonly workers: number,
    private readonly serviceTimeMs: number,
    private readonly onDone: (job: T) => void,
  ) {
    if (!(workers >= 1)) throw new RangeError(`workers must be at least 1, got ${workers}`);
    if (!(serviceTimeMs >= 0) || !Number.isFinite(serviceTimeMs)) {
      throw new RangeError(`service time must be a finite number >= 0, got ${serviceTimeMs}`);
    }
    if (Number.isFinite(workers)) {
      for (let w = workers - 1; w >= 0; w--) {
        this.idle.push(w);
        this.freeAt.push(0);
      }
    }
  }

  /** Jobs waiting for a worker right now. */
  get queueLength(): number {
    return this.queue.length;
  }

  /** Jobs in service right now. */
  get inService(): number {
    return Number.isFinite(this.workers) ? this.workers - this.idle.length : this.busyUnlimited;
  }

  /** Hand a job to the pool; `extraMs` is added to this job's service time. */
  submit(job: T, extraMs = 0): void {
    if (this.closed) return;
    const now = performance.now();
    if (!Number.isFinite(this.workers)) {
      this.serveUnlimited(job, this.serviceTimeMs + extraMs);
      return;
    }
    const worker = this.idle.pop();
    if (worker === undefined) {
      this.queue.push({ job, extraMs, arrivedAt: now });
      if (this.queue.length > this.maxQueueLength) this.maxQueueLength = this.queue.length;
      return;
    }
    this.startService(worker, job, extraMs, Math.max(now, this.freeAt[worker]!));
  }

  /** Stop: forget queued jobs and cancel pending completions (their onDone is never called). */
  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.queue.clear();
  }

  private serveUnlimited(job: T, durationMs: number): void {
    if (durationMs <= 0) {
      this.onDone(job);
      return;
    }
    this.busyUnlimited++;
    this.callAt(performance.now() + durationMs, () => {
      this.busyUnlimited--;
      this.onDone(job);
    });
  }

  private startService(worker: number, job: T, extraMs: number, startAt: number): void {
    const durationMs = this.serviceTimeMs + extraMs;
    if (durationMs <= 0) this.finishService(worker, job, startAt);
    else this.scheduleEnd(worker, job, startAt + durationMs);
  }

  private scheduleEnd(worker: number, job: T, endAt: number): void {
    this.callAt(endAt, () => this.finishService(worker, job, endAt));
  }

  /**
   * Run `action` at time `at` (performance.now() ms), never before: node measures a timeout from
   * the start of the current loop turn, so a timer set late in a busy turn can fire early; such a
   * timer is re-armed for the rest. Cancelled by close().
   */
  private callAt(at: number, action: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (at - performance.now() > EARLY_TOLERANCE_MS) this.callAt(at, action);
      else action();
    }, Math.max(0, Math.ceil(at - performance.now())));
    this.timers.add(timer);
  }

  /**
   * A worker's job is due: answer it, then give the worker the next queued job. Zero-length jobs are
   * answered in this loop rather than by recursion, so a long queue cannot overflow the stack.
   */
  private finishService(worker: number, job: T, endAt: number): void {
    let doneJob = job;
    let doneAt = endAt;
    for (;;) {
      if (this.closed) return;
      this.freeAt[worker] = doneAt;
      this.onDone(doneJob);
      const next = this.queue.shift();
      if (next === undefined) {
        this.idle.push(worker);
        return;
      }
      // The worker became free at doneAt (its due time), or later if the next job arrived after that.
      const startAt = Math.max(doneAt, next.arrivedAt);
      const durationMs = this.serviceTimeMs + next.extraMs;
      if (durationMs > 0) {
        this.scheduleEnd(worker, next.job, startAt + durationMs);
        return;
      }
      doneJob = next.job;
      doneAt = startAt;
    }
  }
}
