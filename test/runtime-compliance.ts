import { afterEach, beforeEach, describe } from 'vitest';
import type { HarnessHosts, RuntimeHarness } from './harness.js';
import { clockCases, rngCases } from './runtime-compliance/clock-rng-cases.js';
import type { Suite } from './runtime-compliance/helpers.js';
import { lifecycleCases } from './runtime-compliance/lifecycle-cases.js';
import { streamCases } from './runtime-compliance/stream-cases.js';

/**
 * The Runtime compliance suite: the normative contract of stack/runtime.ts as executable cases,
 * run unchanged against every implementation (simulator and live) so the stack cannot tell them
 * apart. harness.setup() and harness.teardown() are called around every case; each case body
 * runs inside harness.run(), which in the simulator drives virtual time until it settles.
 *
 * Cases never sleep on real time to measure anything: they wait for events, bounded on the
 * runtime's own clock, and assert orderings and relations only.
 */
export function runtimeCompliance(harness: RuntimeHarness): void {
  describe(`Runtime compliance: ${harness.name}`, () => {
    let hosts: HarnessHosts | undefined;
    beforeEach(async () => {
      hosts = await harness.setup();
    });
    afterEach(async () => {
      hosts = undefined;
      await harness.teardown();
    });
    const suite: Suite = {
      harness,
      hosts() {
        if (hosts === undefined) throw new Error('harness.setup() did not run before this case');
        return hosts;
      },
    };
    describe('clock', () => clockCases(suite));
    describe('rng', () => rngCases(suite));
    describe('byte stream', () => streamCases(suite));
    describe('lifecycle and errors', () => lifecycleCases(suite));
  });
}
