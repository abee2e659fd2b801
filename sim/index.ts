/**
 * sim/: the deterministic simulator. It implements the Runtime seam (stack/runtime.ts) in virtual
 * time: a discrete-event scheduler, per-node clocks, seeded random streams, and a simulated
 * TCP-like network with latency models, bandwidth, loss, partitions, crashes and fault rules.
 * One seed reproduces a run exactly, and every run reports a trace hash to prove it.
 *
 * It must never: touch the real network, the file system or real timers on behalf of a node
 * (addresses are plain strings, time only moves between events), read Math.random or the wall
 * clock to decide anything, write to stdout (logs go to a LogBook or a sink the caller passes), or
 * let the order of simultaneous events depend on anything but (time, owning node, that node's
 * own sequence number).
 *
 * Tour:
 *   const sim = new Simulation({ seed: 42, network: { latency: lognormal(20, 0.5), loss: 0.01 } });
 *   const a = sim.addNode({ name: 'a' }), b = sim.addNode({ name: 'b' });
 *   // build the stack on a.runtime and b.runtime, then:
 *   sim.schedule(5_000, () => b.crash());
 *   await sim.run({ untilMs: 60_000 });
 *   console.log(sim.traceHash);
 *
 * sim/parallel splits one simulation across worker threads with the same trace hash for any worker
 * count; its index.ts says what that requires (nodes touch each other only through messages, a
 * latency floor, controller events replicated in every worker).
 */
export { DEFAULT_EPOCH_MS, SimClock } from './clock.js';
export {
  NodeDownError,
  SimulationError,
  SimulationStalledError,
  VirtualTimeExceededError,
} from './errors.js';
export {
  deliverAfter,
  dropBetween,
  type FaultRule,
  type FaultVerdict,
  type SegmentKind,
  type SimMessage,
} from './faults.js';
export {
  fixed,
  type HostInfo,
  LatencyConfigError,
  type LatencyModel,
  type LatencySampler,
  lognormal,
  normal,
  type RegionOptions,
  regions,
  uniform,
} from './latency.js';
export { type LogLevel, type LogOptions, type LogRecord, SimLogger } from './logger.js';
export { MetricsRegistry, type MetricsSnapshot, type Summary, summarize } from './metrics.js';
export { promiseHookRefs } from './microtasks.js';
export { NetworkConfigError, type NetworkOptions } from './network-options.js';
export { SimNode, type SimNodeOptions, type SimRuntime } from './node.js';
export { workerOf } from './parallel/outbox.js';
export { RngRangeError, SimRng } from './rng.js';
export type { RunOptions, RunStats, SimStats, StopReason } from './scheduler.js';
export {
  type ParallelPort,
  type Partition,
  type PartitionOptions,
  Simulation,
  type SimulationOptions,
} from './simulation.js';
export { type SimHarnessOptions, simHarness } from './testing.js';
