import { describe, expect, it } from 'vitest';
import { benchRune } from '../bench/rune.js';

describe('bench rune', () => {
  it('measures every operation and chain length (tiny rounds: figures only, no timing asserted)', async () => {
    const f = await benchRune({ roundMs: 2, rounds: 1 });
    for (const k of [
      'issueUs',
      'delegateCpuUs',
      'verify1Us',
      'verify16CpuUs',
      'authorize4Revocations1000Us',
    ]) {
      expect(typeof f[k], k).toBe('number');
    }
    // a chain's size grows by one link per delegation
    expect(Number(f.bytes16)).toBeGreaterThan(Number(f.bytes8));
  });
});
