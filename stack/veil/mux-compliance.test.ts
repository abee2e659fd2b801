/**
 * MuxStream against the Connection contract: the byte-stream and lifecycle cases of the Runtime
 * compliance suite, unchanged, with every connection a stream of one shared Mux pair.
 */

import { afterEach, beforeEach, describe } from 'vitest';
import type { HarnessHosts } from '../../test/harness.js';
import type { Suite } from '../../test/runtime-compliance/helpers.js';
import { lifecycleCases } from '../../test/runtime-compliance/lifecycle-cases.js';
import { streamCases } from '../../test/runtime-compliance/stream-cases.js';
import { muxHarness } from './mux-runtime.test-util.js';

const harness = muxHarness();

describe(`Connection compliance: ${harness.name}`, () => {
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
  describe('byte stream', () => streamCases(suite));
  describe('lifecycle and errors', () => lifecycleCases(suite));
});
