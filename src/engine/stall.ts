/**
 * `--timeout 0` (the default, as in httperf) waits for a reply for ever. When a run makes no
 * progress for a long time while requests wait for replies, say so once on stderr, so a user
 * facing a stalled server knows why nothing happens and what to do. The semantics stay httperf's.
 */
import type { Recorder } from '../record/recorder.js';

/** Quiet time before the notice, seconds; LOADGEN_STALL_NOTICE_SECONDS overrides it (tests). */
const DEFAULT_QUIET_SECONDS = 30;

/** The notice, without the loadgen prefix. */
export function stallNoticeText(quietSeconds: number): string {
  return (
    `no reply for ${quietSeconds} s while requests wait, and --timeout is 0 (no timeout, as in httperf): ` +
    'the run waits for the server for ever. Stop it with Ctrl-C (results are kept), or set --timeout.'
  );
}

/** Watches a run without a reply timeout and prints the stall notice at most once. */
export class StallNotice {
  private readonly quietMs: number;
  private readonly timer: NodeJS.Timeout;
  private lastProgress = -1;
  private quietSince = 0;
  private said = false;

  constructor(
    private readonly recorder: Recorder,
    /** True while at least one written request has no complete reply yet. */
    private readonly waiting: () => boolean,
  ) {
    const fromEnv = Number(process.env.LOADGEN_STALL_NOTICE_SECONDS);
    this.quietMs = (Number.isFinite(fromEnv) && fromEnv > 0 ? fromEnv : DEFAULT_QUIET_SECONDS) * 1000;
    this.quietSince = Date.now();
    this.timer = setInterval(this.check, Math.min(5000, this.quietMs / 4));
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private readonly check = (): void => {
    const c = this.recorder.counters;
    const progress = c.replies + c.connected + this.recorder.errorsTotal;
    const now = Date.now();
    if (progress !== this.lastProgress || !this.waiting()) {
      this.lastProgress = progress;
      this.quietSince = now;
      return;
    }
    if (!this.said && now - this.quietSince >= this.quietMs) {
      this.said = true;
      this.stop();
      process.stderr.write(`loadgen: ${stallNoticeText(Math.round(this.quietMs / 1000))}\n`);
    }
  };
}
