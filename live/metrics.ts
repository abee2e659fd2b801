import type { Metrics } from '../stack/runtime.js';

/**
 * An in-memory aggregating Metrics sink with a snapshot() for reports and tests. It is pure (no
 * clock, no OS randomness, deterministic for a given sequence of calls), so the simulator can use
 * the same class.
 */

const DEFAULT_MAX_SAMPLES = 65_536; // per histogram; beyond this, quantiles come from a reservoir

export interface HistogramSummary {
  count: number;
  sum: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
}

export interface MetricsSnapshot {
  counters: Record<string, number>;
  gauges: Record<string, number>;
  histograms: Record<string, HistogramSummary>;
}

export interface MemoryMetricsOptions {
  /** Samples kept per histogram for quantiles. count/sum/min/max stay exact regardless. */
  maxSamples?: number;
}

class Histogram {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  readonly samples: number[] = [];
  private rngState: number;

  constructor(
    private readonly maxSamples: number,
    seed: number,
  ) {
    this.rngState = seed | 1;
  }

  add(value: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.samples.length < this.maxSamples) {
      this.samples.push(value);
      return;
    }
    // Reservoir sampling (Algorithm R) bounds memory on long live runs. The replacement index
    // comes from a xorshift seeded by the metric name, not from OS randomness, so the same
    // observations always give the same snapshot.
    const slot = this.nextU32() % this.count;
    if (slot < this.maxSamples) this.samples[slot] = value;
  }

  summary(): HistogramSummary {
    const sorted = Float64Array.from(this.samples).sort();
    return {
      count: this.count,
      sum: this.sum,
      min: this.min,
      max: this.max,
      mean: this.sum / this.count,
      p50: quantile(sorted, 0.5),
      p90: quantile(sorted, 0.9),
      p99: quantile(sorted, 0.99),
    };
  }

  private nextU32(): number {
    let x = this.rngState;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rngState = x;
    return x >>> 0;
  }
}

export class MemoryMetrics implements Metrics {
  private readonly counters = new Map<string, number>();
  private readonly gauges = new Map<string, number>();
  private readonly histograms = new Map<string, Histogram>();
  private readonly maxSamples: number;

  constructor(opts: MemoryMetricsOptions = {}) {
    this.maxSamples = opts.maxSamples ?? DEFAULT_MAX_SAMPLES;
    if (!Number.isInteger(this.maxSamples) || this.maxSamples < 1) {
      throw new RangeError(`maxSamples: expected an integer >= 1, got ${opts.maxSamples}`);
    }
  }

  count(name: string, n = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + n);
  }

  gauge(name: string, value: number): void {
    this.gauges.set(name, value);
  }

  observe(name: string, value: number): void {
    let histogram = this.histograms.get(name);
    if (histogram === undefined) {
      histogram = new Histogram(this.maxSamples, hashName(name));
      this.histograms.set(name, histogram);
    }
    histogram.add(value);
  }

  /** A copy of everything so far, names sorted so two snapshots compare and diff cleanly. */
  snapshot(): MetricsSnapshot {
    const histograms: Record<string, HistogramSummary> = {};
    for (const name of [...this.histograms.keys()].sort())
      histograms[name] = this.histograms.get(name)!.summary();
    return { counters: sortedRecord(this.counters), gauges: sortedRecord(this.gauges), histograms };
  }
}

/** Nearest-rank quantile: the smallest sample with at least q of the samples at or below it. */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[rank - 1];
}

function sortedRecord(map: Map<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of [...map.keys()].sort()) out[name] = map.get(name)!;
  return out;
}

/** FNV-1a over the UTF-16 code units; only needs to be stable, not strong. */
function hashName(name: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    hash ^= name.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
