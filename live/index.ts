/**
 * live/: the Runtime on the real world. It gives stack/ the OS clock, OS randomness and TCP
 * through node:net, a line logger and an in-memory metrics sink, behind exactly the interfaces in
 * stack/runtime.ts, so the same stack code runs here and in the simulator.
 *
 * It must never:
 * - add behaviour the simulator cannot reproduce: everything the stack can observe is in the
 *   Runtime contract and checked by test/runtime-compliance.ts against both implementations;
 * - copy the data path: chunks pass through to and from the socket as they are;
 * - let an exception from a timer or handler callback escape into Node's event loop (it would
 *   crash the process): such errors are logged and the affected connection is reset;
 * - promise reproducibility: live randomness and timing come from the OS and differ per run.
 */

import type { Logger, Metrics, Runtime } from '../stack/runtime.js';
import { LiveClock } from './clock.js';
import { LiveLogger } from './logger.js';
import { MemoryMetrics } from './metrics.js';
import { LiveNetwork, type LiveNetworkOptions } from './network.js';
import { LiveRng } from './rng.js';
import { LiveTunProvider } from './tun.js';

export { LiveClock } from './clock.js';
export { LiveConnection } from './connection.js';
export { mapNetError } from './errors.js';
export { LiveLogger, type LiveLoggerOptions, type LogFormat, type LogLevel } from './logger.js';
export { type HistogramSummary, MemoryMetrics, type MetricsSnapshot } from './metrics.js';
export {
  DEFAULT_DIAL_TIMEOUT_MS,
  DEFAULT_LINGER_MS,
  LiveNetwork,
  type LiveNetworkOptions,
} from './network.js';
export { LiveRng } from './rng.js';
export { LiveTunProvider } from './tun.js';

export interface LiveRuntimeOptions {
  /** Default: a LiveLogger at level 'info' on stderr. */
  logger?: Logger;
  /** Default: a fresh MemoryMetrics. Pass your own to read it back with snapshot(). */
  metrics?: Metrics;
  /** Default dial timeout (DEFAULT_DIAL_TIMEOUT_MS = 10 s). */
  dialTimeoutMs?: number;
  /** See LiveNetworkOptions. */
  lingerMs?: number;
  highWaterMarkBytes?: number;
  connect?: LiveNetworkOptions['connect'];
}

/** A Runtime plus what only the owner of a live process needs: a way to let go of the OS. */
export interface LiveRuntime extends Runtime {
  readonly clock: LiveClock;
  readonly net: LiveNetwork;
  /**
   * Closes listeners, resets open connections and cancels pending timers, so nothing keeps the
   * process alive. The runtime is not usable afterwards.
   */
  shutdown(): Promise<void>;
}

export function createLiveRuntime(opts: LiveRuntimeOptions = {}): LiveRuntime {
  const log = opts.logger ?? new LiveLogger();
  const metrics = opts.metrics ?? new MemoryMetrics();
  const clock = new LiveClock(log);
  const net = new LiveNetwork({
    log,
    dialTimeoutMs: opts.dialTimeoutMs,
    lingerMs: opts.lingerMs,
    highWaterMarkBytes: opts.highWaterMarkBytes,
    connect: opts.connect,
  });
  return {
    clock,
    rng: new LiveRng(),
    net,
    log,
    metrics,
    tun: new LiveTunProvider(log),
    async shutdown() {
      await net.shutdown();
      clock.cancelAll();
    },
  };
}
