/**
 * Options of the simulated network, with their defaults. Plain numbers in ms and bytes; the
 * Simulation resolves them once (ns, validated) so the hot path reads fields, not `??` chains.
 */
import { SimulationError } from './errors.js';
import { fixed, type LatencyModel } from './latency.js';
import { msToNs } from './scheduler.js';

export interface NetworkOptions {
  /** One-way delay between distinct hosts. Default fixed(1). */
  latency?: LatencyModel;
  /**
   * No one-way delay between distinct hosts is shorter than this (draws below it are raised to
   * it). A partitioned simulation (sim/parallel) requires it > 0: it is how far each worker may run
   * ahead of the others, so a larger floor means fewer synchronizations. Default 0.
   */
  minLatencyMs?: number;
  /** Extra uniform delay in [0, jitterMs) per segment (never reorders a connection). Default 0. */
  jitterMs?: number;
  /** One-way delay for a host talking to itself. Default 0.02 ms. */
  loopbackMs?: number;
  /** Per link direction (ordered host pair); serialization delay and FIFO queueing. Default Infinity. */
  bandwidthBytesPerSec?: number;
  /** Probability that one transmission of a segment is lost (then retransmitted). Default 0. */
  loss?: number;
  /** First retransmission delay of a lost data/FIN segment; doubles per retry. Default 200 ms (Linux's minimum RTO). */
  rtoMs?: number;
  /** First SYN retransmission delay; doubles per retry. Default 1000 ms (Linux's initial RTO). */
  synRetryMs?: number;
  /** dial() timeout when DialOptions.timeoutMs is not given. Default 10 s. */
  dialTimeoutMs?: number;
  /**
   * A connection whose queued data cannot get through (partition, persistent drops) for this long
   * is reset on both ends with ConnectionResetError, as TCP's user timeout would. Idle connections
   * are never reset by a partition (no keepalive). Default 30 s.
   */
  stallResetMs?: number;
  /** write() returns false while more than this many bytes are written but not yet read by the peer. Default 1 MiB. */
  highWaterBytes?: number;
  /** onDrain fires once the unread bytes fall to this. Default highWaterBytes / 2. */
  lowWaterBytes?: number;
}

export interface ResolvedNetworkOptions {
  latency: LatencyModel;
  minLatencyNs: number;
  jitterNs: number;
  loopbackMs: number;
  bandwidthBytesPerSec: number;
  loss: number;
  rtoNs: number;
  synRetryNs: number;
  dialTimeoutMs: number;
  stallResetNs: number;
  highWaterBytes: number;
  lowWaterBytes: number;
}

export class NetworkConfigError extends SimulationError {
  override name = 'NetworkConfigError';
}

function nonNegative(name: string, v: number): number {
  if (!(v >= 0) || Number.isNaN(v))
    throw new NetworkConfigError(`network.${name}: expected a number >= 0, got ${v}`);
  return v;
}

function positive(name: string, v: number): number {
  if (!(v > 0)) throw new NetworkConfigError(`network.${name}: expected a number > 0, got ${v}`);
  return v;
}

export function resolveNetworkOptions(o: NetworkOptions = {}): ResolvedNetworkOptions {
  const loss = nonNegative('loss', o.loss ?? 0);
  if (loss >= 1) throw new NetworkConfigError(`network.loss: expected a probability below 1, got ${loss}`);
  const highWaterBytes = positive('highWaterBytes', o.highWaterBytes ?? 1024 * 1024);
  const lowWaterBytes = nonNegative('lowWaterBytes', o.lowWaterBytes ?? Math.floor(highWaterBytes / 2));
  if (lowWaterBytes > highWaterBytes) {
    throw new NetworkConfigError(`network.lowWaterBytes ${lowWaterBytes} > highWaterBytes ${highWaterBytes}`);
  }
  return {
    latency: o.latency ?? fixed(1),
    minLatencyNs: msToNs(nonNegative('minLatencyMs', o.minLatencyMs ?? 0)),
    jitterNs: msToNs(nonNegative('jitterMs', o.jitterMs ?? 0)),
    loopbackMs: nonNegative('loopbackMs', o.loopbackMs ?? 0.02),
    bandwidthBytesPerSec: positive(
      'bandwidthBytesPerSec',
      o.bandwidthBytesPerSec ?? Number.POSITIVE_INFINITY,
    ),
    loss,
    rtoNs: msToNs(positive('rtoMs', o.rtoMs ?? 200)),
    synRetryNs: msToNs(positive('synRetryMs', o.synRetryMs ?? 1000)),
    dialTimeoutMs: positive('dialTimeoutMs', o.dialTimeoutMs ?? 10_000),
    stallResetNs: msToNs(positive('stallResetMs', o.stallResetMs ?? 30_000)),
    highWaterBytes,
    lowWaterBytes,
  };
}
