/**
 * Runner for Noise test vectors in the cacophony / snow JSON format (see
 * /work/shared/vectors/SOURCES.md and conformance/vectors/): `{"vectors":[{protocol_name,
 * init_prologue, init_static, init_ephemeral, resp_*, handshake_hash?, messages:[{payload,
 * ciphertext}]}]}`, all hex. Used by `valhalla conformance noise-vectors <file>` and the tests.
 *
 * Every message is checked in both directions, byte for byte: the sender's writeMessage/encrypt
 * must produce the listed ciphertext, and the receiver's readMessage/decrypt of the listed
 * ciphertext must give back the listed payload. Entries for protocols this stack does not speak
 * (any name but Noise_XX_25519_ChaChaPoly_SHA256, or with PSKs) are counted as skipped, not
 * passed, so the runner can be pointed at a whole cacophony.txt.
 */

import { readFileSync } from 'node:fs';
import { defaultCrypto } from '../stack/crypto/index.js';
import type { CryptoBackend } from '../stack/crypto/types.js';
import type { CipherState } from '../stack/veil/noise/cipher-state.js';
import { HandshakeState, NOISE_XX_PROTOCOL_NAME, XX_PATTERN } from '../stack/veil/noise/handshake-state.js';

export interface VectorResult {
  name: string;
  ok: boolean;
  /** Why the vector failed: the first mismatch or the error thrown. */
  error?: string;
}

export interface VectorFileReport {
  results: VectorResult[];
  passed: number;
  failed: number;
  /** Entries for other protocols, not run and not in results. */
  skipped: number;
}

/** The file is unreadable, not JSON, or not in the cacophony/snow shape. */
export class VectorFileError extends Error {
  override name = 'VectorFileError';
}

/** A computed value differs from the vector's. */
export class VectorMismatchError extends Error {
  override name = 'VectorMismatchError';
}

interface NoiseVector {
  protocol_name: string;
  init_prologue: string;
  init_static: string;
  init_ephemeral: string;
  init_psks?: string[];
  resp_prologue: string;
  resp_static: string;
  resp_ephemeral: string;
  resp_psks?: string[];
  handshake_hash?: string;
  messages: { payload: string; ciphertext: string }[];
}

/**
 * Run every supported vector of a file on one crypto backend (the process default unless
 * opts.crypto names one). Throws VectorFileError on a bad file; mismatches are results, not throws.
 */
export function runNoiseVectorFile(path: string, opts: { crypto?: CryptoBackend } = {}): VectorFileReport {
  const crypto = opts.crypto ?? defaultCrypto();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new VectorFileError(`${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const vectors = (parsed as { vectors?: unknown })?.vectors;
  if (!Array.isArray(vectors))
    throw new VectorFileError(`${path}: expected an object with a "vectors" array`);
  const report: VectorFileReport = { results: [], passed: 0, failed: 0, skipped: 0 };
  vectors.forEach((raw: unknown, index: number) => {
    const protocol = (raw as { protocol_name?: unknown })?.protocol_name;
    const name = `${typeof protocol === 'string' ? protocol : 'vector'}[${index}]`;
    if (!isSupported(raw)) {
      report.skipped++;
      return;
    }
    try {
      runVector(checkShape(raw, `${path}: vectors[${index}]`), crypto);
      report.results.push({ name, ok: true });
      report.passed++;
    } catch (err) {
      if (err instanceof VectorFileError) throw err;
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      report.results.push({ name, ok: false, error });
      report.failed++;
    }
  });
  return report;
}

function isSupported(raw: unknown): boolean {
  const v = raw as Partial<NoiseVector> | null;
  if (!v || v.protocol_name !== NOISE_XX_PROTOCOL_NAME) return false;
  return (v.init_psks ?? []).length === 0 && (v.resp_psks ?? []).length === 0;
}

function checkShape(raw: unknown, where: string): NoiseVector {
  const v = raw as Record<string, unknown>;
  const hexFields = [
    'init_prologue',
    'init_static',
    'init_ephemeral',
    'resp_prologue',
    'resp_static',
    'resp_ephemeral',
  ];
  for (const field of hexFields) {
    if (!isHex(v[field])) throw new VectorFileError(`${where}: field ${field} must be a hex string`);
  }
  if (v.handshake_hash !== undefined && !isHex(v.handshake_hash)) {
    throw new VectorFileError(`${where}: field handshake_hash must be a hex string`);
  }
  if (!Array.isArray(v.messages) || v.messages.length < XX_PATTERN.length) {
    throw new VectorFileError(`${where}: expected at least ${XX_PATTERN.length} messages`);
  }
  v.messages.forEach((m: { payload?: unknown; ciphertext?: unknown }, i: number) => {
    if (!isHex(m?.payload) || !isHex(m?.ciphertext)) {
      throw new VectorFileError(`${where}: messages[${i}] needs hex payload and ciphertext`);
    }
  });
  return raw as NoiseVector;
}

function isHex(value: unknown): value is string {
  return typeof value === 'string' && value.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(value);
}

function runVector(v: NoiseVector, crypto: CryptoBackend): void {
  const init = new HandshakeState({
    crypto,
    initiator: true,
    prologue: fromHex(v.init_prologue),
    staticKey: crypto.x25519(fromHex(v.init_static)),
    ephemeralKey: fromHex(v.init_ephemeral),
  });
  const resp = new HandshakeState({
    crypto,
    initiator: false,
    prologue: fromHex(v.resp_prologue),
    staticKey: crypto.x25519(fromHex(v.resp_static)),
    ephemeralKey: fromHex(v.resp_ephemeral),
  });
  v.messages.slice(0, XX_PATTERN.length).forEach((m, i) => {
    const [sender, receiver] = i % 2 === 0 ? [init, resp] : [resp, init];
    const what = `handshake message ${i + 1} (${i % 2 === 0 ? 'initiator' : 'responder'} sends)`;
    expectHex(sender.writeMessage(fromHex(m.payload)), m.ciphertext, `${what}: ciphertext`);
    expectHex(receiver.readMessage(fromHex(m.ciphertext)), m.payload, `${what}: decrypted payload`);
  });
  const initHash = init.getHandshakeHash();
  expectHex(resp.getHandshakeHash(), toHex(initHash), 'responder handshake hash vs initiator');
  if (v.handshake_hash !== undefined) expectHex(initHash, v.handshake_hash, 'handshake hash');
  runTransport(v, init.transportKeys(), resp.transportKeys());
}

function runTransport(
  v: NoiseVector,
  init: { send: CipherState; recv: CipherState },
  resp: { send: CipherState; recv: CipherState },
): void {
  v.messages.slice(XX_PATTERN.length).forEach((m, j) => {
    const index = XX_PATTERN.length + j;
    // Transport messages alternate like the handshake: even indexes go initiator -> responder.
    const fromInitiator = index % 2 === 0;
    const [send, recv] = fromInitiator ? [init.send, resp.recv] : [resp.send, init.recv];
    const what = `transport message ${index + 1} (${fromInitiator ? 'initiator' : 'responder'} sends)`;
    expectHex(send.encrypt(fromHex(m.payload)), m.ciphertext, `${what}: ciphertext`);
    expectHex(recv.decrypt(fromHex(m.ciphertext)), m.payload, `${what}: decrypted payload`);
  });
}

function expectHex(actual: Uint8Array, expectedHex: string, what: string): void {
  const got = toHex(actual);
  if (got !== expectedHex.toLowerCase()) {
    throw new VectorMismatchError(`${what}: expected ${expectedHex.toLowerCase()}, got ${got}`);
  }
}

function fromHex(hex: string): Uint8Array {
  return new Uint8Array(Buffer.from(hex, 'hex'));
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}
