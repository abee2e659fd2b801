/**
 * Metrics sinks: one registry per node, aggregated on demand. The stack only writes; the
 * simulation and the scenario runner read snapshots.
 */
import type { Metrics } from '../stack/runtime.js';

export interface MetricsSnapshot {
  counters: Record<string, number>;
  /** Every observation, in the order recorded (per node, nodes in index order when aggregated). */
  histograms: Record<string, number[]>;
  /** Aggregated: the sum over nodes of each node's current value. */
  gauges: Record<string, number>;
}

export class MetricsRegistry implements Metrics {
  private readonly counters = new Map<string, number>();
  private readonly histograms = new Map<string, number[]>();
  private readonly gauges = new Map<string, number>();

  count(name: string, n = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + n);
  }

  observe(name: string, value: number): void {
    const values = this.histograms.get(name);
    if (values === undefined) this.histograms.set(name, [value]);
    else values.push(value);
  }

  gauge(name: string, value: number): void {
    this.gauges.set(name, value);
  }

  snapshot(): MetricsSnapshot {
    return aggregateMetrics([this]);
  }

  /** Adds this registry into an aggregate under construction. */
  addInto(out: MetricsSnapshot): void {
    for (const [name, n] of this.counters) out.counters[name] = (out.counters[name] ?? 0) + n;
    for (const [name, values] of this.histograms) {
      const into = out.histograms[name];
      if (into === undefined) out.histograms[name] = values.slice();
      else for (const v of values) into.push(v);
    }
    for (const [name, v] of this.gauges) out.gauges[name] = (out.gauges[name] ?? 0) + v;
  }
}

export function aggregateMetrics(registries: Iterable<MetricsRegistry>): MetricsSnapshot {
  const out: MetricsSnapshot = { counters: {}, histograms: {}, gauges: {} };
  for (const r of registries) r.addInto(out);
  return out;
}

export interface Summary {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
}

/** Order statistics of a histogram (nearest-rank percentiles). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0)
    return {
      count: 0,
      min: Number.NaN,
      max: Number.NaN,
      mean: Number.NaN,
      p50: Number.NaN,
      p90: Number.NaN,
      p99: Number.NaN,
    };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: sorted.length,
    min: sorted[0],
    max: sorted[sorted.length - 1],
    mean: sum / sorted.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
  };
}
