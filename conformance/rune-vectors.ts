/**
 * Runs a Rune vector file (conformance/vectors/rune.json format, conformance/spec/rune.md §10)
 * through authorize(): a "valid" vector must verify to the capability it lists, any other must be
 * refused with exactly the refusal code it names. A vector that passes for the wrong reason (a
 * different refusal) fails, with both codes in the message.
 */
import { defaultCrypto } from '../stack/crypto/index.js';
import type { CryptoBackend } from '../stack/crypto/types.js';
import { authorize, TokenRefusedError } from '../stack/rune/index.js';
import { type TokenVector, vectorRequest } from '../stack/rune/testing/vectors.js';
import type { VectorFileReport, VectorResult } from './noise-vectors.js';
import { runVectorFile } from './vector-file.js';

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
  const crypto = opts.crypto ?? defaultCrypto();
  return runVectorFile<TokenVector>(
    path,
    (v) => typeof v.token === 'string' && typeof v.request === 'object',
    '{"name", "token", "request", "expect"}',
    (v) => checkVector(v, crypto),
  );
}
