/**
 * A pub/sub message, signed by its author:
 *   u8 version | u16 topic length | topic | author key (32) | u64 seqno | u32 data length | data |
 *   signature (64) over SIGN_CONTEXT || every byte before it.
 * Its id is the first 16 bytes of SHA-256 of the whole encoding, so a message cannot be altered
 * on the way without changing its id and failing verification.
 */
import type { CryptoBackend } from '../../crypto/types.js';
import type { Identity } from '../../identity/identity.js';
import { NodeId } from '../../identity/node-id.js';
import { concatBytes, toHex, utf8, Writer } from '../../yggdrasil/rpc/bytes.js';
import { RealmArgumentError, RealmFrameError } from '../errors.js';
import { decodeWith, readString } from '../frames.js';
import {
  MAX_DATA_BYTES,
  MAX_TOPIC_BYTES,
  MESSAGE_ID_SIZE,
  MESSAGE_VERSION,
  PUBLIC_KEY_SIZE,
  SIGN_CONTEXT,
  SIGNATURE_SIZE,
} from './constants.js';

export interface PubsubMessage {
  topic: string;
  /** The author's Ed25519 public key; the author's NodeID is its SHA-256. */
  authorKey: Uint8Array;
  seqno: number;
  data: Uint8Array;
  signature: Uint8Array;
  /** The whole encoding (what is forwarded, byte for byte). */
  bytes: Uint8Array;
  /** Hex of the first 16 bytes of SHA-256(bytes). */
  id: string;
  /** SHA-256(bytes), all 32 bytes (the id is its first 16). */
  digest: Uint8Array;
}

const signContext = utf8(SIGN_CONTEXT);

export function checkTopic(topic: string): void {
  const n = utf8(topic).length;
  if (typeof topic !== 'string' || n === 0 || n > MAX_TOPIC_BYTES) {
    throw new RealmArgumentError(`topic must be 1..${MAX_TOPIC_BYTES} bytes of UTF-8, got ${n}`);
  }
}

function digestAndId(bytes: Uint8Array, crypto: CryptoBackend): { digest: Uint8Array; id: string } {
  const digest = crypto.sha256(bytes);
  return { digest, id: toHex(digest.subarray(0, MESSAGE_ID_SIZE)) };
}

export function signMessage(
  identity: Pick<Identity, 'publicKey' | 'signingKey'>,
  topic: string,
  seqno: number,
  data: Uint8Array,
  crypto: CryptoBackend,
): PubsubMessage {
  checkTopic(topic);
  if (data.length > MAX_DATA_BYTES) {
    throw new RealmArgumentError(`message data of ${data.length} bytes exceeds ${MAX_DATA_BYTES}`);
  }
  const t = utf8(topic);
  const w = new Writer(64 + t.length + data.length);
  w.u8(MESSAGE_VERSION)
    .u16(t.length)
    .bytes(t)
    .bytes(identity.publicKey)
    .u64(seqno)
    .u32(data.length)
    .bytes(data);
  const signed = w.finish();
  const signature = identity.signingKey.sign(concatBytes([signContext, signed]));
  const bytes = concatBytes([signed, signature]);
  return {
    topic,
    authorKey: identity.publicKey,
    seqno,
    data,
    signature,
    bytes,
    ...digestAndId(bytes, crypto),
  };
}

/** Decode (no signature check yet: see verifyMessage). Throws RealmFrameError. */
export function decodeMessage(bytes: Uint8Array, crypto: CryptoBackend): PubsubMessage {
  return decodeWith(bytes, 'pubsub message', (r) => {
    const version = r.u8('version');
    if (version !== MESSAGE_VERSION) throw new RealmFrameError(`pubsub message: unknown version ${version}`);
    const topic = readString(r, 'topic', MAX_TOPIC_BYTES);
    if (topic.length === 0) throw new RealmFrameError('pubsub message: empty topic');
    const authorKey = r.bytesView(PUBLIC_KEY_SIZE, 'author key');
    const seqno = r.u64('seqno');
    const n = r.u32('data length');
    if (n > MAX_DATA_BYTES)
      throw new RealmFrameError(`pubsub message: data of ${n} bytes exceeds ${MAX_DATA_BYTES}`);
    const data = r.bytesView(n, 'data');
    const signature = r.bytesView(SIGNATURE_SIZE, 'signature');
    return { topic, authorKey, seqno, data, signature, bytes, ...digestAndId(bytes, crypto) };
  });
}

export function verifyMessage(m: PubsubMessage, crypto: CryptoBackend): boolean {
  const signed = m.bytes.subarray(0, m.bytes.length - SIGNATURE_SIZE);
  return crypto.ed25519Verify(m.authorKey, concatBytes([signContext, signed]), m.signature);
}

export function authorId(m: PubsubMessage, crypto: CryptoBackend): string {
  return NodeId.fromPublicKey(m.authorKey, crypto).toString();
}
