/**
 * The simulator's RuntimeHarness (test/harness.ts) for the Runtime compliance suite: two nodes on
 * distinct hosts of a fresh Simulation per setup(); run() drives virtual time until the body
 * settles and fails with VirtualTimeExceededError if maxVirtualMs passes first.
 */
import type { HarnessHosts, RuntimeHarness } from '../test/harness.js';
import { SimulationError } from './errors.js';
import type { NetworkOptions } from './network-options.js';
import { Simulation } from './simulation.js';

export interface SimHarnessOptions {
  seed?: number | string;
  network?: NetworkOptions;
  /** Bound on virtual time for run() when the caller gives none. Default 120 s. */
  defaultMaxVirtualMs?: number;
}

const LISTEN_PORT = 7000; // the compliance suite listens here
const UNUSED_PORT = 7999; // nothing ever listens here

export interface SimHarness extends RuntimeHarness {
  /** The current setup's simulation (for sim-specific assertions). */
  readonly sim: Simulation | null;
}

export function simHarness(opts: SimHarnessOptions = {}): SimHarness {
  let sim: Simulation | null = null;
  const defaultMax = opts.defaultMaxVirtualMs ?? 120_000;
  return {
    name: 'sim',
    get sim() {
      return sim;
    },
    async setup(): Promise<HarnessHosts> {
      sim = new Simulation({ seed: opts.seed ?? 1, network: opts.network });
      const a = sim.addNode({ name: 'a' });
      const b = sim.addNode({ name: 'b' });
      return {
        a: a.runtime,
        b: b.runtime,
        listenAddrA: a.addr(LISTEN_PORT),
        listenAddrB: b.addr(LISTEN_PORT),
        unusedAddrB: b.addr(UNUSED_PORT),
      };
    },
    run<T>(body: () => Promise<T>, runOpts?: { maxVirtualMs?: number }): Promise<T> {
      if (sim === null) return Promise.reject(new SimulationError('simHarness.run() before setup()'));
      let settled: Promise<T>;
      try {
        settled = body();
      } catch (err) {
        settled = Promise.reject(err);
      }
      return sim.runUntil(settled, runOpts?.maxVirtualMs ?? defaultMax);
    },
    async teardown(): Promise<void> {
      sim = null;
    },
  };
}
