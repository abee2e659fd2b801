/** `valhalla conformance realm-vectors FILE`: exit 0 on the shipped file, 1 on a tampered one, 2 on a malformed one. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { captureIo } from './cli-io.js';

const dir = mkdtempSync(join(tmpdir(), 'valhalla-realm-vectors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('valhalla conformance realm-vectors', () => {
  const file = new URL('../conformance/vectors/realm.json', import.meta.url).pathname;

  it('passes every vector of the shipped file', async () => {
    const c = captureIo();
    expect(await main(['conformance', 'realm-vectors', file], c.io)).toBe(0);
    const n = (JSON.parse(readFileSync(file, 'utf8')).vectors as unknown[]).length;
    expect(c.stdout()).toContain(`${n} passed, 0 failed`);
  });

  it('fails (exit 1) a vector refused for another reason or decoding to other fields, exit 2 on a malformed file', async () => {
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    doc.vectors.find((x: { name: string }) => x.name === 'message-bad-signature').expect = 'RealmFrameError';
    doc.vectors.find((x: { name: string }) => x.name === 'rpc-cancel').decoded = { type: 'request' };
    const tampered = join(dir, 'tampered.json');
    writeFileSync(tampered, JSON.stringify(doc));
    const c = captureIo();
    expect(await main(['conformance', 'realm-vectors', tampered], c.io)).toBe(1);
    expect(c.stdout()).toMatch(/FAIL message-bad-signature: expected RealmFrameError, got bad-signature/);
    expect(c.stdout()).toMatch(/FAIL rpc-cancel: /);
    expect(c.stdout()).toContain(`${doc.vectors.length - 2} passed, 2 failed`);
    writeFileSync(tampered, '{"vectors": 3}');
    expect(await main(['conformance', 'realm-vectors', tampered], captureIo().io)).toBe(2);
  });
});
