import type { LatencyModel as LatencySpec, NetworkSpec } from '../../scenarios/types.js';
import {
  fixed,
  type LatencyModel,
  lognormal,
  type NetworkOptions,
  normal,
  regions,
  uniform,
} from '../../sim/index.js';

/**
 * No one-way delay between distinct hosts is shorter than this, unless the latency model itself
 * says so (a fixed or uniform delay, a region matrix entry below it). Lognormal and normal delays
 * have no positive minimum; a run split across worker threads needs one (it is how far the workers
 * may run apart: sim/parallel), and every worker count must model the same network, so the floor
 * applies to every run. At 5 ms it raises about 16 draws in a million of a 40 ms-median, sigma 0.5
 * lognormal (P(X < 5 ms) = Phi(ln(5/40) / 0.5) = 1.6e-5; a 10 ms floor would raise 0.28% of them).
 * The floor is the lookahead of a split run: workers publish their progress every half of it
 * (sim/parallel/windows.ts), so 120 s of virtual time is 48,000 steps per worker.
 */
export const DEFAULT_MIN_LATENCY_MS = 5;

export function minLatencyMs(l: LatencySpec): number {
  switch (l.model) {
    case 'fixed':
      return Math.min(DEFAULT_MIN_LATENCY_MS, l.valueMs);
    case 'uniform':
      return Math.min(DEFAULT_MIN_LATENCY_MS, l.minMs);
    case 'matrix':
      return Math.min(DEFAULT_MIN_LATENCY_MS, ...l.matrixMs.flat());
    case 'normal':
    case 'lognormal':
      return DEFAULT_MIN_LATENCY_MS;
  }
}

/** Scenario network description → simulator options (units already in ms). */
export function simNetworkOptions(spec: NetworkSpec): NetworkOptions {
  return {
    latency: latencyModel(spec.latency),
    minLatencyMs: minLatencyMs(spec.latency),
    jitterMs: spec.jitterMs,
    loss: spec.loss,
    ...(spec.bandwidthMbit !== undefined ? { bandwidthBytesPerSec: (spec.bandwidthMbit * 1e6) / 8 } : {}),
  };
}

/** The scenario's latency model as the simulator's (the live shim samples the same models). */
export function latencyModel(l: LatencySpec): LatencyModel {
  switch (l.model) {
    case 'fixed':
      return fixed(l.valueMs);
    case 'uniform':
      return uniform(l.minMs, l.maxMs);
    case 'normal':
      return normal(l.meanMs, l.stddevMs);
    case 'lognormal':
      return lognormal(l.medianMs, l.sigma);
    case 'matrix': {
      const m: Record<string, Record<string, number>> = {};
      l.regions.forEach((a, i) => {
        m[a] = {};
        l.regions.forEach((b, j) => {
          m[a]![b] = l.matrixMs[i]![j]!;
        });
      });
      return regions(m);
    }
  }
}
