import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { captureIo } from './cli-io.js';

const dir = mkdtempSync(join(tmpdir(), 'valhalla-cli-'));

describe('valhalla keygen / id', () => {
  it('writes a private identity file and prints the same NodeID that id reads back', async () => {
    const file = join(dir, 'a.key');
    const gen = captureIo();
    expect(await main(['keygen', '--identity', file, '--json'], gen.io)).toBe(0);
    const made = JSON.parse(gen.stdout());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const id = captureIo();
    expect(await main(['id', '--identity', file, '--json'], id.io)).toBe(0);
    const shown = JSON.parse(id.stdout());
    expect(shown).toEqual({ nodeId: made.nodeId, address: made.address });
    expect(shown.nodeId).toMatch(/^[0-9a-f]{64}$/);
    // fd followed by the first 15 bytes of the NodeID
    expect(shown.address.startsWith('fd')).toBe(true);
  });

  it('refuses to overwrite without --force and replaces with it', async () => {
    const file = join(dir, 'b.key');
    expect(await main(['keygen', '--identity', file], captureIo().io)).toBe(0);
    const before = readFileSync(file, 'utf8');
    const again = captureIo();
    expect(await main(['keygen', '--identity', file], again.io)).toBe(2);
    expect(again.stderr()).toMatch(/--force/);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(await main(['keygen', '--identity', file, '--force'], captureIo().io)).toBe(0);
    expect(readFileSync(file, 'utf8')).not.toBe(before);
  });

  it('exits 2 naming the problem for a missing or corrupt identity file', async () => {
    const missing = captureIo();
    expect(await main(['id', '--identity', join(dir, 'nope.key')], missing.io)).toBe(2);
    expect(missing.stderr()).toMatch(/ENOENT.*valhalla keygen/);
    const bad = join(dir, 'bad.key');
    writeFileSync(bad, '{"version":1}');
    const corrupt = captureIo();
    expect(await main(['id', '--identity', bad], corrupt.io)).toBe(2);
    expect(corrupt.stderr()).toContain(bad);
  });

  it('shows help for every command and exits 2 on unknown ones', async () => {
    for (const cmd of [
      ['run'],
      ['bench'],
      ['keygen'],
      ['id'],
      ['node'],
      ['bootstrap'],
      ['ctl'],
      ['veil', 'listen'],
      ['veil', 'dial'],
      ['conformance', 'noise-vectors'],
    ]) {
      const h = captureIo();
      expect(await main([...cmd, '--help'], h.io)).toBe(0);
      expect(h.stdout()).toContain('Usage: valhalla');
    }
    const u = captureIo();
    expect(await main(['frobnicate'], u.io)).toBe(2);
    expect(u.stderr()).toMatch(/unknown command/);
    const f = captureIo();
    expect(await main(['id', '--no-such-flag'], f.io)).toBe(2);
  });
});
