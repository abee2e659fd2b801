import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { nobleCrypto, nodeCrypto } from '../stack/crypto/index.js';
import {
  generateVeilVectors,
  runVeilVectorFile,
  VEIL_VECTOR_PATH,
  writeVeilVectorFile,
} from './veil-vectors.js';

// VALHALLA_WRITE_VECTORS=1 npx vitest run conformance/veil-vectors.test.ts regenerates the file.
if (process.env.VALHALLA_WRITE_VECTORS === '1') writeVeilVectorFile(VEIL_VECTOR_PATH, nodeCrypto);

describe.each([nodeCrypto, nobleCrypto])('veil handshake vectors on $name', (crypto) => {
  test('the committed file is exactly what this implementation generates', () => {
    const committed = JSON.parse(readFileSync(VEIL_VECTOR_PATH, 'utf8'));
    expect(generateVeilVectors(crypto)).toEqual(committed);
  });

  test('every case checks out, reading the file bytes on the receiving side', () => {
    const report = runVeilVectorFile(VEIL_VECTOR_PATH, { crypto });
    expect(report.results.filter((r) => !r.ok)).toEqual([]);
    expect(report.passed).toBeGreaterThan(20);
  });

  test('the transport cases cross a rekey in both directions', () => {
    const basic = generateVeilVectors(crypto).valid[0];
    expect(basic.initiator.rekey_after_messages).toBe(2);
    expect(basic.transport.filter((t) => t.from === 'initiator').length).toBeGreaterThan(2);
    expect(basic.transport.filter((t) => t.from === 'responder').length).toBeGreaterThan(3);
  });
});

describe('veil vector checker', () => {
  test('a changed byte in any frame is reported, not thrown', () => {
    const file = generateVeilVectors(nodeCrypto);
    const tampered = structuredClone(file);
    const frame = tampered.valid[0].transport[4].frame;
    tampered.valid[0].transport[4].frame = `${frame.slice(0, -2)}${frame.endsWith('00') ? '01' : '00'}`;
    const hs = structuredClone(file);
    hs.valid[1].expected.frames[1] = hs.valid[1].expected.frames[1].replace(/.$/, (c) =>
      c === '0' ? '1' : '0',
    );
    const lying = structuredClone(file);
    lying.payloads[3].valid = true;
    for (const doc of [tampered, hs, lying]) {
      const path = join(mkdtempSync(join(tmpdir(), 'valhalla-veil-')), 'vectors.json');
      writeFileSync(path, JSON.stringify(doc));
      const report = runVeilVectorFile(path, { crypto: nodeCrypto });
      expect(report.failed).toBe(1);
    }
  });
});
