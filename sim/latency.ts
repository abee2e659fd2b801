/**
 * One-way latency models. A model is asked once per link (ordered pair of hosts) for a sampler,
 * and the sampler is asked once per segment. Per-link resolution is done up front so the hot path
 * is one call and, for the fixed model, no random draw at all.
 *
 * Samples are per segment: a connection's bytes are never reordered by them (the pipe clamps each
 * arrival to be no earlier than the previous one), so a slow segment holds back those behind it,
 * which is what TCP's in-order delivery does.
 */
import { SimulationError } from './errors.js';
import type { SimRng } from './rng.js';

/** What a latency model may know about an endpoint. */
export interface HostInfo {
  readonly index: number;
  readonly region: string;
}

export interface LatencySampler {
  /** One-way delay in integer nanoseconds (>= 0). */
  sampleNs(rng: SimRng): number;
  /** Set when every sample is this value: the hot path then skips the call and the draw. */
  readonly fixedNs?: number;
}

export interface LatencyModel {
  readonly description: string;
  forLink(from: HostInfo, to: HostInfo): LatencySampler;
}

export class LatencyConfigError extends SimulationError {
  override name = 'LatencyConfigError';
}

const NS_PER_MS = 1e6;

function checkMs(what: string, ms: number): void {
  if (!(ms >= 0 && Number.isFinite(ms)))
    throw new LatencyConfigError(`${what}: expected a finite ms >= 0, got ${ms}`);
}

class FixedSampler implements LatencySampler {
  readonly fixedNs: number;
  constructor(ms: number) {
    this.fixedNs = Math.round(ms * NS_PER_MS);
  }
  sampleNs(): number {
    return this.fixedNs;
  }
}

class UniformSampler implements LatencySampler {
  constructor(
    private readonly minMs: number,
    private readonly spanMs: number,
  ) {}
  sampleNs(rng: SimRng): number {
    return Math.round((this.minMs + rng.float() * this.spanMs) * NS_PER_MS);
  }
}

/** Normal, truncated at 0 (a draw below 0 becomes 0: a delay cannot be negative). */
class NormalSampler implements LatencySampler {
  constructor(
    private readonly meanMs: number,
    private readonly sdMs: number,
  ) {}
  sampleNs(rng: SimRng): number {
    const ms = this.meanMs + this.sdMs * rng.normal();
    return ms > 0 ? Math.round(ms * NS_PER_MS) : 0;
  }
}

/** exp(ln(median) + sigma * Z): the median is exactly medianMs, the tail is long (sigma ~0.3-1). */
class LognormalSampler implements LatencySampler {
  private readonly mu: number;
  constructor(
    medianMs: number,
    private readonly sigma: number,
  ) {
    this.mu = Math.log(medianMs);
  }
  sampleNs(rng: SimRng): number {
    return Math.round(Math.exp(this.mu + this.sigma * rng.normal()) * NS_PER_MS);
  }
}

/** Every segment takes exactly ms. */
export function fixed(ms: number): LatencyModel {
  checkMs('fixed', ms);
  const s = new FixedSampler(ms);
  return { description: `fixed(${ms}ms)`, forLink: () => s };
}

/** Uniform in [minMs, maxMs). */
export function uniform(minMs: number, maxMs: number): LatencyModel {
  checkMs('uniform min', minMs);
  checkMs('uniform max', maxMs);
  if (maxMs < minMs) throw new LatencyConfigError(`uniform: max ${maxMs} < min ${minMs}`);
  const s = new UniformSampler(minMs, maxMs - minMs);
  return { description: `uniform(${minMs}..${maxMs}ms)`, forLink: () => s };
}

export function normal(meanMs: number, sdMs: number): LatencyModel {
  checkMs('normal mean', meanMs);
  checkMs('normal sd', sdMs);
  const s = new NormalSampler(meanMs, sdMs);
  return { description: `normal(${meanMs}ms, sd ${sdMs}ms)`, forLink: () => s };
}

/** Lognormal with the given median (ms) and sigma (of the underlying normal). */
export function lognormal(medianMs: number, sigma: number): LatencyModel {
  if (!(medianMs > 0 && Number.isFinite(medianMs))) {
    throw new LatencyConfigError(`lognormal: expected median > 0 ms, got ${medianMs}`);
  }
  checkMs('lognormal sigma', sigma);
  const s = new LognormalSampler(medianMs, sigma);
  return { description: `lognormal(median ${medianMs}ms, sigma ${sigma})`, forLink: () => s };
}

/** Draws below floorNs become floorNs (the draw itself is unchanged, so streams stay aligned). */
class FloorSampler implements LatencySampler {
  constructor(
    private readonly inner: LatencySampler,
    private readonly floorNs: number,
  ) {}
  sampleNs(rng: SimRng): number {
    const ns = this.inner.sampleNs(rng);
    return Math.max(ns, this.floorNs);
  }
}

/**
 * The sampler with a minimum one-way delay. A partitioned simulation needs one: it is the
 * lookahead, how far a worker may run ahead of the others (sim/parallel).
 */
export function withFloor(s: LatencySampler, floorNs: number): LatencySampler {
  if (floorNs <= 0) return s;
  if (s.fixedNs !== undefined) return s.fixedNs >= floorNs ? s : new FixedSampler(floorNs / NS_PER_MS);
  return new FloorSampler(s, floorNs);
}

export interface RegionOptions {
  /** When > 0, each link's delay is lognormal around its matrix value with this sigma. */
  sigma?: number;
  /** Delay for a pair the matrix does not name (default: an error when such a link is used). */
  defaultMs?: number;
}

/**
 * Region-to-region one-way delays: matrixMs[a][b] is the delay from region a to region b
 * (matrixMs[b][a] is used when [a][b] is absent, so a triangle is enough).
 */
export function regions(
  matrixMs: Record<string, Record<string, number>>,
  opts: RegionOptions = {},
): LatencyModel {
  const sigma = opts.sigma ?? 0;
  checkMs('regions sigma', sigma);
  for (const [a, row] of Object.entries(matrixMs))
    for (const [b, ms] of Object.entries(row)) checkMs(`regions ${a}->${b}`, ms);
  const cache = new Map<string, LatencySampler>();
  return {
    description: `regions(${Object.keys(matrixMs).join(',')}${sigma > 0 ? `, sigma ${sigma}` : ''})`,
    forLink(from: HostInfo, to: HostInfo): LatencySampler {
      const key = `${from.region}\u0000${to.region}`;
      let s = cache.get(key);
      if (s !== undefined) return s;
      const ms = matrixMs[from.region]?.[to.region] ?? matrixMs[to.region]?.[from.region] ?? opts.defaultMs;
      if (ms === undefined) {
        throw new LatencyConfigError(
          `regions: no delay for "${from.region}" -> "${to.region}" and no defaultMs`,
        );
      }
      s = sigma > 0 && ms > 0 ? new LognormalSampler(ms, sigma) : new FixedSampler(ms);
      cache.set(key, s);
      return s;
    },
  };
}
