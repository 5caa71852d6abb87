/**
 * What a session rate demands of a server, given the session file: requests, replies and
 * connections per session (averaged over the templates, which sessions replay round-robin) and
 * the think time a session spends before it can finish.
 */
import type { ReplayOptions } from '../options.js';
import type { SessionFile, SessionTemplate } from '../session/model.js';
import type { DemandedRates } from './schema.js';

/** The shape of a session file that the sweep's arithmetic needs. */
export interface SessionShape {
  /** Mean requests per session. */
  requestsPerSession: number;
  /** Mean connections per session (see `connectionsForTemplate`). */
  connectionsPerSession: number;
  /** Longest total think time of any template, seconds: no session ends sooner. */
  maxThinkSeconds: number;
}

/**
 * Connections one session of this template opens, following httperf's slot rules (spec 4.4):
 * HTTP/1.0 closes after every reply, so one connection per request. With HTTP/1.1 a burst's
 * first call goes alone and its other calls go out together, filling a slot up to
 * `maxPipedCalls` before the next slot opens, so a session needs
 * ceil(largest number of calls in flight / maxPipedCalls) slots, at most `maxConnections`.
 */
export function connectionsForTemplate(template: SessionTemplate, options: Pick<ReplayOptions, 'httpVersion' | 'maxConnections' | 'maxPipedCalls'>): number {
  let requests = 0;
  let inFlight = 1;
  for (const burst of template.bursts) {
    requests += burst.requests.length;
    inFlight = Math.max(inFlight, burst.requests.length - 1);
  }
  if (options.httpVersion === '1.0') return requests;
  return Math.min(options.maxConnections, Math.ceil(inFlight / options.maxPipedCalls));
}

/** Think time a template spends between its bursts (the last burst's think is not used). */
export function templateThinkSeconds(template: SessionTemplate, defaultThink: number): number {
  let total = 0;
  template.bursts.forEach((burst, i) => {
    if (i < template.bursts.length - 1) total += burst.thinkTime ?? defaultThink;
  });
  return total;
}

/** Shape of the session file under these replay options. */
export function sessionShape(file: SessionFile, options: Pick<ReplayOptions, 'httpVersion' | 'maxConnections' | 'maxPipedCalls' | 'thinkTime'>): SessionShape {
  let requests = 0;
  let connections = 0;
  let maxThink = 0;
  for (const template of file.templates) {
    for (const burst of template.bursts) requests += burst.requests.length;
    connections += connectionsForTemplate(template, options);
    maxThink = Math.max(maxThink, templateThinkSeconds(template, options.thinkTime));
  }
  const n = file.templates.length;
  return { requestsPerSession: requests / n, connectionsPerSession: connections / n, maxThinkSeconds: maxThink };
}

/** Demanded rates of a step at `rate` sessions/s. */
export function demandedRates(rate: number, shape: SessionShape): DemandedRates {
  const requestRate = rate * shape.requestsPerSession;
  return { sessionRate: rate, connectionRate: rate * shape.connectionsPerSession, requestRate, replyRate: requestRate };
}
