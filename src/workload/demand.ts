/**
 * The demanded rates of a run: the one definition used by `loadgen sweep` (each step's demand)
 * and by the gate's `target` keyword. A run creates units at a rate: sessions for --wsesslog and
 * --wsess, connections for --num-conns (httperf's connection mode, `--uri`/`--wlog`/`--wset`).
 * Units replay the planned templates round-robin, so a unit asks on average for the templates'
 * mean number of requests (autobench's `dem_req_rate = num_calls × rate` in connection mode),
 * one reply per request, and the connections httperf's rules open for it (or as many as the
 * run measured, when it is known).
 */
import type { ReplayOptions } from '../options.js';
import { templateRequestCount, type SessionTemplate } from '../session/model.js';
import type { Workload } from './spec.js';

/** What a run's arrival rate counts. */
export type RateUnit = 'session' | 'connection';

/** How each unit is named where users read it (terminal, CSV headers, HTML, JSON text). */
export const RATE_UNIT_NAMES: Readonly<Record<RateUnit, { readonly noun: string; readonly perSecond: string; readonly short: string }>> = {
  session: { noun: 'session', perSecond: 'sessions/s', short: 'sess/s' },
  connection: { noun: 'connection', perSecond: 'connections/s', short: 'conn/s' },
};

/** The unit of a workload: connections for --num-conns, sessions otherwise (absent = --wsesslog). */
export function rateUnit(workload: Workload | undefined): RateUnit {
  return workload?.generator.kind === 'connections' ? 'connection' : 'session';
}

/** The options the demand depends on: the workload, and the slot rules that model connections. */
export type DemandOptions = Pick<ReplayOptions, 'workload' | 'httpVersion' | 'maxConnections' | 'maxPipedCalls'>;

/**
 * Connections one unit of this template opens under httperf's rules (spec 4.4). HTTP/1.0
 * closes after every reply: one connection per request. With HTTP/1.1 a connection-mode unit
 * is one connection; a session's burst sends its first call alone and the others together,
 * filling a slot up to `maxPipedCalls` before the next opens, so a session needs
 * ceil(largest number of calls in flight / maxPipedCalls) slots, at most `maxConnections`.
 */
export function templateConnections(template: SessionTemplate, options: Omit<DemandOptions, 'workload'>): number {
  if (options.httpVersion === '1.0') return templateRequestCount(template);
  if (template.pipelineBursts === true) return 1;
  let inFlight = 1;
  for (const burst of template.bursts) inFlight = Math.max(inFlight, burst.requests.length - 1);
  return Math.min(options.maxConnections, Math.ceil(inFlight / options.maxPipedCalls));
}

/** Rates a run (or a sweep step) demands of the server, per second. */
export interface DemandedRates {
  /** What the arrival rate counts. */
  unit: RateUnit;
  /** Session arrival rate; null in connection mode (httperf has no sessions there). */
  sessionRate: number | null;
  /** Connection rate; null when connections per unit are neither modelled nor measured. */
  connectionRate: number | null;
  /** Requests: rate × mean requests per unit (autobench's dem_req_rate). */
  requestRate: number;
  /** Replies: one per request. */
  replyRate: number;
}

/** What the demand is computed from. */
export interface DemandBasis {
  options: DemandOptions;
  /**
   * The planned templates, which units replay round-robin (at least one). A results document
   * keeps only each template's request count: a number stands for such a template, whose
   * connections cannot be modelled.
   */
  templates: ReadonlyArray<SessionTemplate | number>;
  /** Connections per unit the run measured (connections / units created); replaces the model. */
  measuredConnectionsPerUnit?: number;
}

/** The demanded rates at `rate` units/s. */
export function demandedRates(rate: number, basis: DemandBasis): DemandedRates {
  const { options, templates, measuredConnectionsPerUnit } = basis;
  if (templates.length === 0) throw new RangeError('demandedRates: a workload has at least one template');
  let requests = 0;
  let connections: number | null = 0;
  for (const t of templates) {
    requests += typeof t === 'number' ? t : templateRequestCount(t);
    connections = typeof t === 'number' || connections === null ? null : connections + templateConnections(t, options);
  }
  const connectionsPerUnit = measuredConnectionsPerUnit ?? (connections === null ? null : connections / templates.length);
  const unit = rateUnit(options.workload);
  const requestRate = (rate * requests) / templates.length;
  return {
    unit,
    sessionRate: unit === 'session' ? rate : null,
    connectionRate: connectionsPerUnit === null ? null : rate * connectionsPerUnit,
    requestRate,
    replyRate: requestRate,
  };
}
