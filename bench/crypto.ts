/**
 * Micro-benchmark of the two crypto backends, operation by operation, so the 'auto' choice in
 * stack/crypto/select.ts can be re-checked on any machine. Figures are microseconds per operation
 * (median of several timed rounds, each long enough to swamp timer resolution), plus MB/s for the
 * bulk operations. The machine is shared and noisy: compare backends within one run only.
 */

import { randomBytes } from 'node:crypto';
import { hkdf } from '../stack/crypto/hkdf.js';
import { nobleCrypto } from '../stack/crypto/noble-backend.js';
import { nodeCrypto } from '../stack/crypto/node-backend.js';
import type { CryptoBackend } from '../stack/crypto/types.js';

export interface CryptoBenchOptions {
  /** Minimum duration of one timed round. Default 200 ms. */
  roundMs?: number;
  /** Timed rounds per operation; the median is reported. Default 5. */
  rounds?: number;
  /** Backends to measure. Default both. */
  backends?: readonly CryptoBackend[];
  progress?: (line: string) => void;
}

/** Flat figures, keyed "<backend>.<operation>Us" (and "...MBps" for bulk operations). */
export type CryptoFigures = Record<string, number>;

/** Anchors measured with a standalone script on this kind of machine (../shared/ANCHORS.md). */
export const CRYPTO_ANCHORS: Record<string, string> = {
  'node.ed25519SignUs': '35 us (noble 513 us)',
  'node.ed25519VerifyUs': '106 us (noble 1,188 us)',
  'node.x25519KeygenUs': '41 us (noble 342 us)',
  'node.x25519DhUs': '35 us (noble 1,012 us)',
  'node.aeadSeal64BUs': '4.3 us (noble 7.6 us)',
  'node.aeadSeal64KiBMBps': '900-2,300 MB/s (noble 131 MB/s)',
  'node.sha256_1MiBMBps': '1,798 MB/s (noble 151 MB/s)',
  'node.hkdf2Us': '7.0 us (noble 15.6 us)',
};

const KiB = 1024;
const MiB = 1024 * 1024;

/** Median microseconds per call of fn, timing batches of calls that last at least roundMs. */
export function measure(fn: (i: number) => unknown, roundMs: number, rounds: number): number {
  // Calibrate a batch size so one round lasts about roundMs (also the warm-up).
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn(i);
    const elapsedMs = performance.now() - t0;
    if (elapsedMs >= roundMs / 4) {
      batch = Math.max(1, Math.ceil((batch * roundMs) / Math.max(elapsedMs, 0.001)));
      break;
    }
    batch *= 4;
  }
  const perCallUs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) fn(i);
    perCallUs.push(((performance.now() - t0) * 1000) / batch);
  }
  perCallUs.sort((a, b) => a - b);
  return perCallUs[Math.floor(perCallUs.length / 2)];
}

/** Inputs drawn once, so every backend is timed on the same bytes. */
function makeInputs() {
  const keys = Array.from({ length: 64 }, () => new Uint8Array(randomBytes(32)));
  return {
    keys,
    msg64: new Uint8Array(randomBytes(64)),
    data64KiB: new Uint8Array(randomBytes(64 * KiB)),
    data1MiB: new Uint8Array(randomBytes(MiB)),
    nonce: new Uint8Array(12),
    ad: new Uint8Array(0),
  };
}

function benchBackend(
  b: CryptoBackend,
  input: ReturnType<typeof makeInputs>,
  roundMs: number,
  rounds: number,
): CryptoFigures {
  const { keys, msg64, data64KiB, data1MiB, nonce, ad } = input;
  const m = (fn: (i: number) => unknown) => measure(fn, roundMs, rounds);
  const signer = b.ed25519(keys[0]);
  const sig = signer.sign(msg64);
  const dhKey = b.x25519(keys[1]);
  const peers = keys.map((k) => nodeCrypto.x25519(k).publicKey);
  const aead = b.aead(keys[2]);
  const sealed64 = aead.seal(nonce, msg64, ad);
  const sealed64KiB = aead.seal(nonce, data64KiB, ad);
  const out: CryptoFigures = {
    ed25519KeygenUs: m((i) => b.ed25519(keys[i & 63])),
    ed25519SignUs: m(() => signer.sign(msg64)),
    ed25519VerifyUs: m(() => b.ed25519Verify(signer.publicKey, msg64, sig)),
    x25519KeygenUs: m((i) => b.x25519(keys[i & 63])),
    x25519DhUs: m((i) => dhKey.dh(peers[i & 63])),
    aeadSeal64BUs: m(() => aead.seal(nonce, msg64, ad)),
    aeadOpen64BUs: m(() => aead.open(nonce, sealed64, ad)),
    aeadSeal64KiBUs: m(() => aead.seal(nonce, data64KiB, ad)),
    aeadOpen64KiBUs: m(() => aead.open(nonce, sealed64KiB, ad)),
    sha256_1MiBUs: m(() => b.sha256(data1MiB)),
    hkdf2Us: m(() => hkdf(b, keys[3], keys[4], 2)),
  };
  out.aeadSeal64KiBMBps = (64 * KiB) / out.aeadSeal64KiBUs; // bytes per us = MB/s
  out.sha256_1MiBMBps = MiB / out.sha256_1MiBUs;
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [`${b.name}.${k}`, round3(v)]));
}

function round3(v: number): number {
  return Number(v.toPrecision(3));
}

/** Per-operation microseconds (and bulk MB/s) for each backend. */
export async function benchCrypto(opts: CryptoBenchOptions = {}): Promise<CryptoFigures> {
  const roundMs = opts.roundMs ?? 200;
  const rounds = opts.rounds ?? 5;
  const input = makeInputs();
  const figures: CryptoFigures = {};
  for (const backend of opts.backends ?? [nodeCrypto, nobleCrypto]) {
    opts.progress?.(`crypto: measuring ${backend.name}`);
    Object.assign(figures, benchBackend(backend, input, roundMs, rounds));
    await new Promise<void>((resolve) => setImmediate(resolve)); // let progress output flush
  }
  return figures;
}
