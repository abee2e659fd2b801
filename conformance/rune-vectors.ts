/**
 * Runs a Rune vector file (conformance/vectors/rune.json format, conformance/spec/rune.md §10)
 * through authorize(): a "valid" vector must verify to the capability it lists, any other must be
 * refused with exactly the refusal code it names. A vector that passes for the wrong reason (a
 * different refusal) fails, with both codes in the message.
 */
import { readFileSync } from 'node:fs';
import { defaultCrypto } from '../stack/crypto/index.js';
import type { CryptoBackend } from '../stack/crypto/types.js';
import { authorize, TokenRefusedError } from '../stack/rune/index.js';
import { type TokenVector, vectorRequest } from '../stack/rune/testing/vectors.js';
import { VectorFileError, type VectorFileReport, type VectorResult } from './noise-vectors.js';

function checkVector(v: TokenVector, crypto: CryptoBackend): VectorResult {
  let got: string;
  let capability: TokenVector['capability'];
  try {
    const cap = authorize(vectorRequest(v, crypto));
    got = 'valid';
    capability = {
      rootIssuer: cap.rootIssuer.toString(),
      holder: cap.holder.toString(),
      resources: [...cap.resources],
      abilities: [...cap.abilities],
    };
  } catch (err) {
    if (!(err instanceof TokenRefusedError)) {
      return { name: v.name, ok: false, error: `threw ${(err as Error).name}: ${(err as Error).message}` };
    }
    got = err.code;
  }
  if (got !== v.expect) return { name: v.name, ok: false, error: `expected ${v.expect}, got ${got}` };
  if (v.capability && JSON.stringify(capability) !== JSON.stringify(v.capability)) {
    return { name: v.name, ok: false, error: `verified, but to ${JSON.stringify(capability)}` };
  }
  return { name: v.name, ok: true };
}

export function runRuneVectorFile(path: string, opts: { crypto?: CryptoBackend } = {}): VectorFileReport {
  let doc: { vectors?: unknown };
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new VectorFileError(`${path}: ${(err as Error).message}`);
  }
  const vectors = doc.vectors;
  if (
    !Array.isArray(vectors) ||
    vectors.some((v) => typeof v?.token !== 'string' || typeof v?.request !== 'object')
  ) {
    throw new VectorFileError(`${path}: expected {"vectors": [{"name", "token", "request", "expect"}, ...]}`);
  }
  const crypto = opts.crypto ?? defaultCrypto();
  const results = (vectors as TokenVector[]).map((v) => {
    try {
      return checkVector(v, crypto);
    } catch (err) {
      return { name: String(v.name), ok: false, error: (err as Error).message };
    }
  });
  const passed = results.filter((r) => r.ok).length;
  return { results, passed, failed: results.length - passed, skipped: 0 };
}
