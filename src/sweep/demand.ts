/**
 * What a step's rate demands of a server, given the planned templates of the workload (the
 * session file, or the templates of --wsess / connection mode), and the think time a unit spends
 * before it can finish. The rates themselves come from the one definition in
 * src/workload/demand.ts, shared with the gate's `target`.
 */
import type { ReplayOptions } from '../options.js';
import type { SessionFile, SessionTemplate } from '../session/model.js';
import { demandedRates, rateUnit, type DemandedRates, type DemandOptions, type RateUnit } from '../workload/demand.js';

/** The shape of a workload that the sweep's arithmetic needs. */
export interface SessionShape {
  /** What the swept rate counts: sessions/s or connections/s. */
  unit: RateUnit;
  /** The planned templates (units replay them round-robin) and the options that model them. */
  templates: readonly SessionTemplate[];
  options: DemandOptions;
  /** Longest total think time of any template, seconds: no unit ends sooner. */
  maxThinkSeconds: number;
}

/** Think time a template spends between its bursts (the last burst's think is not used). */
export function templateThinkSeconds(template: SessionTemplate, defaultThink: number): number {
  let total = 0;
  template.bursts.forEach((burst, i) => {
    if (i < template.bursts.length - 1) total += burst.thinkTime ?? defaultThink;
  });
  return total;
}

/** Shape of the planned templates under these replay options (no workload: --wsesslog). */
export function sessionShape(
  file: SessionFile,
  options: Pick<ReplayOptions, 'httpVersion' | 'maxConnections' | 'maxPipedCalls' | 'thinkTime'> & Partial<Pick<ReplayOptions, 'workload'>>,
): SessionShape {
  const { httpVersion, maxConnections, maxPipedCalls, workload } = options;
  const maxThinkSeconds = Math.max(0, ...file.templates.map((t) => templateThinkSeconds(t, options.thinkTime)));
  return {
    unit: rateUnit(workload),
    templates: file.templates,
    options: { httpVersion, maxConnections, maxPipedCalls, ...(workload ? { workload } : {}) },
    maxThinkSeconds,
  };
}

/** Demanded rates of a step at `rate` units/s. */
export function stepDemand(rate: number, shape: SessionShape): DemandedRates {
  return demandedRates(rate, { options: shape.options, templates: shape.templates });
}
