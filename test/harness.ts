import type { Address, Runtime } from '../stack/runtime.js';

/**
 * What the Runtime compliance suite needs from an implementation. The simulator and the live
 * runtime each provide one (sim/testing.ts, live/testing.ts), and test/runtime-compliance.test.ts
 * runs the same cases against both.
 */
export interface HarnessHosts {
  /** Two runtimes on distinct hosts that can reach each other. */
  a: Runtime;
  b: Runtime;
  /** An address on host a (resp. b) that a test may listen on. */
  listenAddrA: Address;
  listenAddrB: Address;
  /** An address on host b where nothing listens. */
  unusedAddrB: Address;
}

export interface RuntimeHarness {
  readonly name: string;
  setup(): Promise<HarnessHosts>;
  /**
   * Run body to completion. The simulator drives virtual time until the body's promise settles
   * (failing if maxVirtualMs passes first); live simply awaits it.
   */
  run<T>(body: () => Promise<T>, opts?: { maxVirtualMs?: number }): Promise<T>;
  teardown(): Promise<void>;
}
