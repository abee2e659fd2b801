import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { nobleCrypto, nodeCrypto } from '../stack/crypto/index.js';
import { runNoiseVectorFile, VectorFileError } from './noise-vectors.js';

const FILES = ['cacophony', 'snow'].map(
  (s) => `conformance/vectors/noise-xx-25519-chachapoly-sha256.${s}.json`,
);
const BACKENDS = [nodeCrypto, nobleCrypto];

function tempFile(name: string, content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'valhalla-noise-')), name);
  writeFileSync(path, content);
  return path;
}

describe.each(BACKENDS)('noise vectors on $name', (crypto) => {
  test.each(FILES)('%s: every message matches both ways', (file) => {
    const report = runNoiseVectorFile(file, { crypto });
    expect(report).toMatchObject({ passed: 1, failed: 0, skipped: 0 });
    expect(report.results).toEqual([{ name: 'Noise_XX_25519_ChaChaPoly_SHA256[0]', ok: true }]);
  });

  test('a changed ciphertext byte in any message fails the vector', () => {
    const original = JSON.parse(readFileSync(FILES[0], 'utf8'));
    for (let i = 0; i < original.vectors[0].messages.length; i++) {
      const doc = structuredClone(original);
      const m = doc.vectors[0].messages[i];
      m.ciphertext = (m.ciphertext[0] === '0' ? '1' : '0') + m.ciphertext.slice(1);
      const report = runNoiseVectorFile(tempFile('bad.json', JSON.stringify(doc)), { crypto });
      expect(report.failed, `message ${i}`).toBe(1);
      expect(report.results[0].error).toMatch(/VectorMismatchError|DecryptError/);
    }
  });

  test('a wrong handshake_hash fails the vector', () => {
    const doc = JSON.parse(readFileSync(FILES[0], 'utf8'));
    doc.vectors[0].handshake_hash = '00'.repeat(32);
    const report = runNoiseVectorFile(tempFile('hash.json', JSON.stringify(doc)), { crypto });
    expect(report.results[0]).toMatchObject({ ok: false, error: expect.stringContaining('handshake hash') });
  });
});

describe('noise vector files', () => {
  test('defaults to the process crypto backend', () => {
    expect(runNoiseVectorFile(FILES[1])).toMatchObject({ passed: 1, failed: 0 });
  });

  test('entries for other protocols are skipped, not passed', () => {
    const doc = JSON.parse(readFileSync(FILES[0], 'utf8'));
    const other = { ...doc.vectors[0], protocol_name: 'Noise_NN_25519_ChaChaPoly_SHA256' };
    const psk = { ...doc.vectors[0], init_psks: ['00'.repeat(32)] };
    doc.vectors.push(other, psk);
    const report = runNoiseVectorFile(tempFile('mixed.json', JSON.stringify(doc)));
    expect(report).toMatchObject({ passed: 1, failed: 0, skipped: 2 });
  });

  test.each([
    ['not JSON', '{'],
    ['no vectors array', '{"x":1}'],
    [
      'a field that is not hex',
      JSON.stringify({ vectors: [{ protocol_name: 'Noise_XX_25519_ChaChaPoly_SHA256' }] }),
    ],
  ])('a file with %s is a VectorFileError', (_what, content) => {
    expect(() => runNoiseVectorFile(tempFile('broken.json', content))).toThrow(VectorFileError);
  });

  test('a missing file is a VectorFileError', () => {
    expect(() => runNoiseVectorFile('/nonexistent/vectors.json')).toThrow(VectorFileError);
  });
});
