/**
 * Target-side figures of a sweep step from two node_exporter scrapes (before and after the
 * step): CPU busy % and per-mode %, network bytes/s, load average.
 *
 * CPU: `node_cpu_seconds_total{cpu,mode}` counters summed over CPUs; each mode's share of the
 * total delta. Busy = everything except idle and iowait (steal counts as busy: the guest wanted
 * the CPU and the hypervisor gave it to someone else). A counter that went down (exporter or host
 * restarted) is taken as reset to zero, so its delta is its new value. Network: sum of
 * `node_network_{receive,transmit}_bytes_total` over every device except `lo`.
 */
import { scrapePrometheus, type PromScrape, type ScrapeResult } from './prometheus.js';

/** Metrics of one step, derived from the scrapes around it. */
export interface NodeMetrics {
  /** Seconds between the two scrapes. */
  interval: number;
  /** CPU %, 0..100 of all CPUs; absent when node_cpu_seconds_total is missing. */
  cpu?: {
    busy: number;
    user: number;
    system: number;
    iowait: number;
    steal: number;
    idle: number;
    cpus: number;
  };
  /** Bytes/s over all non-loopback devices; absent when the counters are missing. */
  network?: { receiveBytesPerSecond: number; transmitBytesPerSecond: number };
  /** node_load1 after the step. */
  load1?: number;
  /** What was missing or odd (missing metrics, counter resets). */
  notes: string[];
}

/** Delta of a counter that may have been reset between the two readings. */
export function counterDelta(before: number, after: number): number {
  return after >= before ? after - before : after;
}

/** Sum of the deltas of every series of `name` whose labels pass `keep`, matched by labels. */
function summedDelta(
  before: PromScrape,
  after: PromScrape,
  name: string,
  keep: (labels: Record<string, string>) => boolean,
): { delta: number; series: number; resets: number } | undefined {
  const key = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels).sort());
  const old = new Map<string, number>();
  for (const s of before.samples) if (s.name === name && keep(s.labels)) old.set(key(s.labels), s.value);
  let delta = 0;
  let series = 0;
  let resets = 0;
  for (const s of after.samples) {
    if (s.name !== name || !keep(s.labels)) continue;
    const previous = old.get(key(s.labels));
    if (previous === undefined || !Number.isFinite(s.value) || !Number.isFinite(previous)) continue;
    if (s.value < previous) resets++;
    delta += counterDelta(previous, s.value);
    series++;
  }
  return series === 0 ? undefined : { delta, series, resets };
}

/** Derive step metrics from the scrape before and the scrape after. */
export function deriveNodeMetrics(before: PromScrape, after: PromScrape, interval: number): NodeMetrics {
  const notes: string[] = [];
  const result: NodeMetrics = { interval, notes };
  const modes = ['user', 'system', 'iowait', 'steal', 'idle', 'nice', 'irq', 'softirq'];
  const perMode = new Map<string, number>();
  let total = 0;
  let resets = 0;
  for (const mode of modes) {
    const d = summedDelta(before, after, 'node_cpu_seconds_total', (l) => l.mode === mode);
    if (d) {
      perMode.set(mode, d.delta);
      resets += d.resets;
    }
  }
  // Modes not listed above (guest, guest_nice are already inside user/nice) are left out of the total.
  for (const value of perMode.values()) total += value;
  const cpus = new Set(after.samples.filter((s) => s.name === 'node_cpu_seconds_total').map((s) => s.labels.cpu)).size;
  if (perMode.size === 0 || total <= 0) {
    notes.push('CPU unavailable: node_cpu_seconds_total missing or unchanged');
  } else {
    const pct = (mode: string) => (100 * (perMode.get(mode) ?? 0)) / total;
    const idle = pct('idle');
    const iowait = pct('iowait');
    result.cpu = {
      busy: Math.max(0, 100 - idle - iowait),
      user: pct('user'),
      system: pct('system'),
      iowait,
      steal: pct('steal'),
      idle,
      cpus,
    };
    if (resets > 0) notes.push(`CPU counters reset during the step (${resets} series): deltas from zero`);
  }
  const notLoopback = (l: Record<string, string>) => l.device !== 'lo';
  const rx = summedDelta(before, after, 'node_network_receive_bytes_total', notLoopback);
  const tx = summedDelta(before, after, 'node_network_transmit_bytes_total', notLoopback);
  if (rx && tx && interval > 0) {
    result.network = { receiveBytesPerSecond: rx.delta / interval, transmitBytesPerSecond: tx.delta / interval };
  } else notes.push('network unavailable: node_network_*_bytes_total missing');
  const load = after.samples.find((s) => s.name === 'node_load1');
  if (load && Number.isFinite(load.value)) result.load1 = load.value;
  else notes.push('load average unavailable: node_load1 missing');
  return result;
}

/** A scrape taken before a step, to be completed by `finish()` after it. */
export interface StepScrape {
  finish(): Promise<NodeMetrics | { unavailable: string }>;
}

/**
 * Scrape `url` now; `finish()` scrapes again and derives the step's metrics. Never throws: an
 * unreachable endpoint gives `{ unavailable: reason }`.
 */
export async function startStepScrape(url: string, timeoutMs = 2000, scrape = scrapePrometheus): Promise<StepScrape> {
  const before: ScrapeResult = await scrape(url, timeoutMs);
  return {
    async finish() {
      if (!before.ok) return { unavailable: `metrics unavailable: ${before.reason}` };
      const after = await scrape(url, timeoutMs);
      if (!after.ok) return { unavailable: `metrics unavailable: ${after.reason}` };
      return deriveNodeMetrics(before.scrape, after.scrape, after.at - before.at);
    },
  };
}
