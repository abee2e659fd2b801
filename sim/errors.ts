/** Errors the simulator itself raises (the network's errors are the NetError family in stack/runtime.ts). */

/** Base class: misuse of the simulator or an internal invariant broken. */
export class SimulationError extends Error {
  override name = 'SimulationError';
}

/** runUntil()/harness.run(): the promise did not settle within its bound on virtual time. */
export class VirtualTimeExceededError extends SimulationError {
  override name = 'VirtualTimeExceededError';
}

/** runUntil(): nothing is left to happen (no events) but the promise is still pending: a deadlock. */
export class SimulationStalledError extends SimulationError {
  override name = 'SimulationStalledError';
}

/** A runtime of a crashed node (or a stale incarnation) was asked to do something. */
export class NodeDownError extends SimulationError {
  override name = 'NodeDownError';
}
