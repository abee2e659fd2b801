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

/** Scenario network description → simulator options (units already in ms). */
export function simNetworkOptions(spec: NetworkSpec): NetworkOptions {
  return {
    latency: latencyModel(spec.latency),
    jitterMs: spec.jitterMs,
    loss: spec.loss,
    ...(spec.bandwidthMbit !== undefined ? { bandwidthBytesPerSec: (spec.bandwidthMbit * 1e6) / 8 } : {}),
  };
}

function latencyModel(l: LatencySpec): LatencyModel {
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
