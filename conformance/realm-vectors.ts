/**
 * Runs a Realm vector file (conformance/vectors/realm.json format, conformance/spec/realm.md §5)
 * through our decoders: a "valid" vector must decode to exactly its `decoded` fields (and, for
 * frames, encode back to its bytes); any other must be refused with exactly the error it names.
 * A vector refused for the wrong reason (another error class) fails, with both names.
 */
import { defaultCrypto } from '../stack/crypto/index.js';
import type { CryptoBackend } from '../stack/crypto/types.js';
import { hexToBytes } from '../stack/identity/hex.js';
import { canonicalJson } from '../stack/realm/crdt/canonical.js';
import { FrameReader } from '../stack/realm/frames.js';
import { decodeFrame, encodeFrame } from '../stack/realm/pubsub/codec.js';
import { MAX_FRAME_BYTES } from '../stack/realm/pubsub/constants.js';
import { decodeMessage, verifyMessage } from '../stack/realm/pubsub/message.js';
import { decodeRpcFrame, encodeRpcFrame } from '../stack/realm/rpc/codec.js';
import { MAX_RPC_FRAME_BYTES } from '../stack/realm/rpc/constants.js';
import {
  deltaJson,
  mergeJson,
  messageJson,
  pubsubFrameFromJson,
  pubsubFrameJson,
  type RealmVector,
  rpcFrameFromJson,
  rpcFrameJson,
  stateJson,
} from '../stack/realm/testing/vectors.js';
import { VectorFileError, type VectorFileReport, type VectorResult } from './noise-vectors.js';
import { runVectorFile } from './vector-file.js';

function bytesOf(v: RealmVector): Uint8Array {
  return hexToBytes(v.hex ?? '');
}

/** What a vector's input decodes to (as JSON), or throws the decoder's error. */
function decodeVector(v: RealmVector, crypto: CryptoBackend, chunk: number): unknown {
  switch (v.kind) {
    case 'stream': {
      const reader = new FrameReader(v.protocol === 'rpc' ? MAX_RPC_FRAME_BYTES : MAX_FRAME_BYTES);
      const bytes = bytesOf(v);
      const bodies: string[] = [];
      for (let at = 0; at < bytes.length; at += chunk)
        for (const b of reader.push(bytes.subarray(at, at + chunk)))
          bodies.push(Buffer.from(b).toString('hex'));
      return { bodies };
    }
    case 'pubsub-frame':
      return pubsubFrameJson(decodeFrame(bytesOf(v)));
    case 'pubsub-message': {
      const bytes = bytesOf(v);
      const m = decodeMessage(bytes, crypto);
      if (!verifyMessage(m, crypto)) return { refused: 'bad-signature' };
      return messageJson(bytes, crypto);
    }
    case 'rpc-frame':
      return rpcFrameJson(decodeRpcFrame(bytesOf(v)));
    case 'crdt-state':
      return stateJson(v.json ?? '', crypto);
    case 'crdt-delta':
      return deltaJson(bytesOf(v));
    case 'crdt-merge': {
      const ab = mergeJson(v.a ?? '', v.b ?? '');
      const ba = mergeJson(v.b ?? '', v.a ?? '');
      if (canonicalJson(ab) !== canonicalJson(ba)) throw new Error(`merge(a, b) differs from merge(b, a)`);
      return ab;
    }
    default:
      throw new VectorFileError(`unknown vector kind ${JSON.stringify((v as { kind: unknown }).kind)}`);
  }
}

/** Frames must also encode back to the vector's bytes. */
function reencode(v: RealmVector): string | undefined {
  if (v.kind === 'pubsub-frame')
    return Buffer.from(encodeFrame(pubsubFrameFromJson(v.decoded!))).toString('hex');
  if (v.kind === 'rpc-frame')
    return Buffer.from(encodeRpcFrame(rpcFrameFromJson(v.decoded!))).toString('hex');
  return undefined;
}

/** One vector; streams are fed whole and one byte at a time. */
export function checkRealmVector(v: RealmVector, crypto: CryptoBackend): VectorResult {
  const chunkings = v.kind === 'stream' ? [Number.MAX_SAFE_INTEGER, 1] : [Number.MAX_SAFE_INTEGER];
  for (const chunk of chunkings) {
    let got: string;
    let decoded: unknown;
    try {
      decoded = decodeVector(v, crypto, chunk);
      const refused = (decoded as { refused?: string }).refused;
      got = refused ?? 'valid';
    } catch (err) {
      if (err instanceof VectorFileError) throw err;
      got = (err as Error).name;
    }
    if (got !== v.expect) return { name: v.name, ok: false, error: `expected ${v.expect}, got ${got}` };
    if (got !== 'valid') continue;
    if (canonicalJson(decoded) !== canonicalJson(v.decoded)) {
      return { name: v.name, ok: false, error: `decoded to ${JSON.stringify(decoded)}` };
    }
    const again = reencode(v);
    if (again !== undefined && again !== v.hex) {
      return { name: v.name, ok: false, error: `encodes back to ${again}` };
    }
  }
  return { name: v.name, ok: true };
}

export function runRealmVectorFile(path: string, opts: { crypto?: CryptoBackend } = {}): VectorFileReport {
  const crypto = opts.crypto ?? defaultCrypto();
  return runVectorFile<RealmVector>(
    path,
    (v) => typeof v.name === 'string' && typeof v.kind === 'string' && typeof v.expect === 'string',
    '{"name", "kind", "expect", ...}',
    (v) => checkRealmVector(v, crypto),
  );
}
