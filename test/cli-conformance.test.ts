import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { captureIo } from './cli-io.js';

const SNOW = 'conformance/vectors/noise-xx-25519-chachapoly-sha256.snow.json';

describe('valhalla conformance noise-vectors', () => {
  it('runs a vector file and ends with "N passed, M failed"', async () => {
    for (const file of [SNOW, 'conformance/vectors/noise-xx-25519-chachapoly-sha256.cacophony.json']) {
      const c = captureIo();
      expect(await main(['conformance', 'noise-vectors', file], c.io)).toBe(0);
      const lines = c.stdout().trimEnd().split('\n');
      expect(lines[lines.length - 1]).toBe('1 passed, 0 failed');
      expect(lines[0]).toMatch(/^ok\s+Noise_XX_25519_ChaChaPoly_SHA256/);
    }
  });

  it('exits 1 when a vector does not reproduce (one ciphertext byte changed)', async () => {
    const data = JSON.parse(readFileSync(SNOW, 'utf8'));
    const ct: string = data.vectors[0].messages[1].ciphertext;
    data.vectors[0].messages[1].ciphertext = `${ct.slice(0, 10)}${ct[10] === '0' ? '1' : '0'}${ct.slice(11)}`;
    const file = join(mkdtempSync(join(tmpdir(), 'valhalla-vec-')), 'tampered.json');
    writeFileSync(file, JSON.stringify(data));
    const c = captureIo();
    expect(await main(['conformance', 'noise-vectors', file], c.io)).toBe(1);
    expect(c.stdout().trimEnd().split('\n').pop()).toBe('0 passed, 1 failed');
  });

  it('exits 2 for a missing file', async () => {
    const c = captureIo();
    expect(await main(['conformance', 'noise-vectors', 'no/such.json'], c.io)).toBe(2);
  });
});
