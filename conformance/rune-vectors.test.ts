/**
 * Runs every case of conformance/vectors/rune.json through authorize(), and checks the file is
 * what the generator (testing/vectors.ts) makes today. RUNE_WRITE_VECTORS=1 rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nobleCrypto } from '../stack/crypto/noble-backend.js';
import { nodeCrypto } from '../stack/crypto/node-backend.js';
import { defaultCrypto } from '../stack/crypto/select.js';
import { REFUSAL_CLASSES, type RefusalCode, TokenRefusedError } from '../stack/rune/errors.js';
import { buildVectors, type TokenVector, vectorRequest } from '../stack/rune/testing/vectors.js';
import { authorize } from '../stack/rune/verify.js';

const FILE = fileURLToPath(new URL('./vectors/rune.json', import.meta.url));

if (process.env.RUNE_WRITE_VECTORS === '1') {
  writeFileSync(FILE, `${JSON.stringify(buildVectors(defaultCrypto()), null, 2)}\n`);
}
const file = JSON.parse(readFileSync(FILE, 'utf8')) as { vectors: TokenVector[] };

function run(v: TokenVector, crypto = defaultCrypto()) {
  return authorize(vectorRequest(v, crypto));
}

describe('conformance/vectors/rune.json', () => {
  it('is what the generator produces', () => {
    expect(file).toEqual(JSON.parse(JSON.stringify(buildVectors(defaultCrypto()))));
  });

  it('covers every refusal the issue names, and valid cases', () => {
    const kinds = new Set(file.vectors.map((v) => v.expect));
    for (const k of ['valid', 'expired', 'not-yet-valid', 'widened', 'broken-chain', 'wrong-audience']) {
      expect(kinds).toContain(k);
    }
    for (const k of ['bad-signature', 'revoked', 'malformed']) expect(kinds).toContain(k);
  });

  const valid = file.vectors.filter((v) => v.expect === 'valid');
  const invalid = file.vectors.filter((v) => v.expect !== 'valid');

  it.each(valid.map((v) => [v.name, v] as const))('valid: %s', (_, v) => {
    for (const crypto of [nodeCrypto, nobleCrypto]) {
      const cap = run(v, crypto);
      expect({
        rootIssuer: cap.rootIssuer.toString(),
        holder: cap.holder.toString(),
        resources: [...cap.resources],
        abilities: [...cap.abilities],
      }).toEqual(v.capability);
    }
  });

  it.each(invalid.map((v) => [v.name, v] as const))('invalid: %s', (_, v) => {
    const cls = REFUSAL_CLASSES[v.expect as RefusalCode];
    expect(cls, `unknown code ${v.expect}`).toBeDefined();
    for (const crypto of [nodeCrypto, nobleCrypto]) {
      let caught: unknown;
      try {
        run(v, crypto);
      } catch (err) {
        caught = err;
      }
      expect(caught, `${v.name} was accepted`).toBeInstanceOf(TokenRefusedError);
      expect(caught).toBeInstanceOf(cls);
      expect((caught as TokenRefusedError).code).toBe(v.expect);
    }
  });
});
