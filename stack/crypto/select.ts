/**
 * Choosing a backend. 'auto' takes node:crypto for every operation it supports correctly and
 * noble for the rest: per-operation, so a Node built without ChaCha20-Poly1305 still gets fast
 * curves. Support is decided once, by a known-answer probe rather than by name lists, because a
 * KeyObject trick (see node-backend.ts) could silently change meaning in a future Node.
 *
 * The module-level default exists so deep code need not thread a backend through every call. The
 * edge sets it (the CLI maps VALHALLA_CRYPTO=node|noble to setDefaultCrypto); stack/ never reads
 * the environment.
 */

import { CryptoError } from './errors.js';
import { nobleCrypto } from './noble-backend.js';
import { nodeCrypto } from './node-backend.js';
import type { CryptoBackend } from './types.js';

export type CryptoName = 'node' | 'noble' | 'auto';

/** The operations grouped the way a backend supports them (a key type brings sign and verify). */
export type CryptoOp = 'sha256' | 'hmacSha256' | 'ed25519' | 'x25519' | 'aead';
export type CryptoSources = Record<CryptoOp, 'node' | 'noble'>;

/** An unknown backend name (from configuration). */
export class CryptoSelectError extends CryptoError {
  override name = 'CryptoSelectError';
}

const hex = (s: string): Uint8Array => Uint8Array.from(s.match(/../g) ?? [], (b) => Number.parseInt(b, 16));
const same = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((v, i) => v === b[i]);

// Known answers: RFC 8032 §7.1 TEST 1, RFC 7748 §6.1 (Alice), FIPS 180-2 "abc", RFC 4231 case 2.
const KAT = {
  edSeed: hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'),
  edPub: hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'),
  xPriv: hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'),
  xPub: hex('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a'),
  sha256Abc: hex('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'),
  hmacKey: new TextEncoder().encode('Jefe'),
  hmacData: new TextEncoder().encode('what do ya want for nothing?'),
  hmacOut: hex('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'),
};

/** True when op runs on node:crypto and gives the known answer. Never throws. */
function nodeSupports(op: CryptoOp): boolean {
  try {
    switch (op) {
      case 'sha256':
        return same(nodeCrypto.sha256(new TextEncoder().encode('abc')), KAT.sha256Abc);
      case 'hmacSha256':
        return same(nodeCrypto.hmacSha256(KAT.hmacKey, KAT.hmacData), KAT.hmacOut);
      case 'ed25519': {
        const key = nodeCrypto.ed25519(KAT.edSeed);
        const msg = new Uint8Array(3);
        return same(key.publicKey, KAT.edPub) && nodeCrypto.ed25519Verify(key.publicKey, msg, key.sign(msg));
      }
      case 'x25519':
        return same(nodeCrypto.x25519(KAT.xPriv).publicKey, KAT.xPub);
      case 'aead': {
        // Seal on node, open on noble (one block is cheap on both): proves node's output is right.
        const key = new Uint8Array(32).fill(7);
        const nonce = new Uint8Array(12).fill(1);
        const pt = new Uint8Array(40).fill(9);
        const sealed = nodeCrypto.aead(key).seal(nonce, pt, KAT.hmacKey);
        return same(nobleCrypto.aead(key).open(nonce, sealed, KAT.hmacKey), pt);
      }
    }
  } catch {
    return false;
  }
}

const OPS: readonly CryptoOp[] = ['sha256', 'hmacSha256', 'ed25519', 'x25519', 'aead'];

let probed: CryptoSources | undefined;

/** Which library 'auto' uses for each operation on this runtime (probed once, then cached). */
export function autoSources(): CryptoSources {
  probed ??= Object.fromEntries(OPS.map((op) => [op, nodeSupports(op) ? 'node' : 'noble'])) as CryptoSources;
  return { ...probed };
}

/**
 * A backend taking each operation from the named library. When every operation comes from one
 * library it is that library's backend itself; a mix reports name 'noble' because part of it is
 * the portable (slow) path, which is what a reader of the name needs to know.
 */
export function composeCrypto(sources: CryptoSources): CryptoBackend {
  const pick = (op: CryptoOp): CryptoBackend => (sources[op] === 'node' ? nodeCrypto : nobleCrypto);
  if (OPS.every((op) => sources[op] === 'node')) return nodeCrypto;
  if (OPS.every((op) => sources[op] === 'noble')) return nobleCrypto;
  const ed = pick('ed25519');
  return {
    name: 'noble',
    sha256: pick('sha256').sha256,
    hmacSha256: pick('hmacSha256').hmacSha256,
    ed25519: ed.ed25519,
    ed25519Verify: ed.ed25519Verify,
    x25519: pick('x25519').x25519,
    aead: pick('aead').aead,
  };
}

/** The backend for a name; 'auto' (the default) is the fastest correct choice per operation. */
export function selectCrypto(name: CryptoName = 'auto'): CryptoBackend {
  switch (name) {
    case 'node':
      return nodeCrypto;
    case 'noble':
      return nobleCrypto;
    case 'auto':
      return composeCrypto(autoSources());
    default:
      throw new CryptoSelectError(`unknown crypto backend "${String(name)}": expected node, noble or auto`);
  }
}

/** Parse a configuration string (e.g. VALHALLA_CRYPTO read by the CLI). Throws CryptoSelectError. */
export function parseCryptoName(text: string): CryptoName {
  if (text === 'node' || text === 'noble' || text === 'auto') return text;
  throw new CryptoSelectError(`unknown crypto backend "${text}": expected node, noble or auto`);
}

let current: CryptoBackend | undefined;

/** Set the process-wide default backend. Called by the edge (CLI, test setup), not by stack/. */
export function setDefaultCrypto(name: CryptoName): CryptoBackend {
  current = selectCrypto(name);
  return current;
}

/** The process-wide default backend: selectCrypto('auto') until setDefaultCrypto is called. */
export function defaultCrypto(): CryptoBackend {
  current ??= selectCrypto('auto');
  return current;
}
