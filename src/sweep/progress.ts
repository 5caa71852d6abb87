/**
 * The live line of a sweep on a terminal: step k of n, its rate, warm-up or measuring, seconds
 * left and the reply rate achieved so far in its window, redrawn every second on stderr. Nothing
 * is drawn when stderr is not a TTY (CI logs get only the table lines).
 */
import type { StepProgress } from './driver.js';
import { formatRate } from './verdict.js';
import { RATE_UNIT_NAMES } from '../workload/demand.js';

/** The line's text at `now` (Date.now()). */
export function formatProgress(p: StepProgress, now: number): string {
  const left = Math.max(0, Math.ceil((p.endsAt - now) / 1000));
  const achieved = p.achievedReplyRate === null ? '' : `, achieved ${formatRate(p.achievedReplyRate)} replies/s so far`;
  return `${p.target.name}: step ${p.index + 1} of ${p.total}, ${formatRate(p.rate)} ${RATE_UNIT_NAMES[p.unit].perSecond}, ${p.stage}, ${left} s left${achieved}`;
}

/** A redrawn status line on `stream`, or null when it is not a terminal. */
export function progressLine(stream: NodeJS.WriteStream): { update: (p: StepProgress) => void; clear: () => void; stop: () => void } | null {
  if (stream.isTTY !== true) return null;
  let current: StepProgress | undefined;
  const draw = () => {
    if (current) stream.write(`\r\x1b[K${formatProgress(current, Date.now())}`);
  };
  const timer = setInterval(draw, 1000);
  timer.unref();
  const clear = () => stream.write('\r\x1b[K');
  return {
    update: (p) => {
      current = p;
      draw();
    },
    clear,
    stop: () => {
      clearInterval(timer);
      if (current) clear();
    },
  };
}
