/**
 * The unmeasured warm-up before a target's first step: a few seconds of the workload's templates
 * at the first rate with their think times removed. It warms the JIT, the connection paths and
 * the server's caches, so the first step's latency carries none of that, and it measures how long
 * a unit's bursts take (the part of a session's, or in connection mode a connection's, lifetime
 * the templates do not state). Nothing it measures is reported as a step.
 */
import type { SessionFile } from '../session/model.js';
import type { SessionShape } from './demand.js';

/** Seconds of probe arrivals. */
export const PROBE_SECONDS = 2;

/** The templates with every think time set to zero (the probe's units). */
export function withoutThinkTimes(file: SessionFile): SessionFile {
  return { ...file, templates: file.templates.map((t) => ({ ...t, bursts: t.bursts.map((b) => ({ ...b, thinkTime: 0 })) })) };
}

/**
 * Session lifetime a step's warm-up is derived from, seconds: the longest template's think time
 * (from the file) plus the probe's p99 lifetime of a session without think times (measured).
 */
export function sessionLifetime(shape: SessionShape, probeLifetimeP99Seconds: number): number {
  return shape.maxThinkSeconds + probeLifetimeP99Seconds;
}
