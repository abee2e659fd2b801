/**
 * Signed values (spec section 4.2). A value lives under a key derived from its author and a name:
 *
 *   key = SHA-256(DOMAIN_VALUE_KEY || 0x00 || authorNodeId || name)
 *
 * so only the author can write a key (every holder re-derives it from the signed record), one
 * author can keep many named values, and the author can update a value in place: the higher seq
 * wins, a lower or equal one is refused as stale. Content-addressed data (key = SHA-256(value))
 * needs no signature at all and is Saga's business, announced with provider records.
 *
 * Layout: publicKey(32) nameLen(1) name seq(u64) expiresAtMs(u64) valueLen(u16) value signature(64)
 * The signature covers DOMAIN_VALUE_RECORD || 0x00 || every byte before it.
 */
import type { CryptoBackend, SigningKey } from '../../crypto/types.js';
import {
  DOMAIN_VALUE_KEY,
  DOMAIN_VALUE_RECORD,
  MAX_NAME_SIZE,
  MAX_VALUE_SIZE,
  PUBLIC_KEY_SIZE,
  SIGNATURE_SIZE,
} from '../constants.js';
import { InvalidFieldError, InvalidRecordError } from '../errors.js';
import { Reader, Writer } from '../rpc/bytes.js';
import { signedMessage, signFields, verifyFields } from './signing.js';

export class ValueRecord {
  /** Set by verifyValueRecord: SHA-256 of the author's key, and the key the value lives under. */
  authorId?: Uint8Array;
  key?: Uint8Array;

  private constructor(
    readonly encoded: Uint8Array,
    readonly name: Uint8Array,
    readonly seq: number,
    readonly expiresAtMs: number,
    readonly value: Uint8Array,
  ) {}

  get publicKey(): Uint8Array {
    return this.encoded.subarray(0, PUBLIC_KEY_SIZE);
  }

  get signature(): Uint8Array {
    return this.encoded.subarray(this.encoded.length - SIGNATURE_SIZE);
  }

  static read(r: Reader): ValueRecord {
    const start = r.offset;
    r.bytesView(PUBLIC_KEY_SIZE, 'value record publicKey');
    const nameLen = r.u8('value record name length');
    if (nameLen < 1 || nameLen > MAX_NAME_SIZE) {
      throw new InvalidFieldError(`value record: name length ${nameLen} is not in 1..${MAX_NAME_SIZE}`);
    }
    r.bytesView(nameLen, 'value record name');
    const seq = r.u64('value record seq');
    const expiresAtMs = r.u64('value record expiresAtMs');
    const valueLen = r.u16('value record value length');
    if (valueLen > MAX_VALUE_SIZE) {
      throw new InvalidFieldError(`value record: value length ${valueLen} exceeds ${MAX_VALUE_SIZE}`);
    }
    r.bytesView(valueLen, 'value record value');
    r.bytesView(SIGNATURE_SIZE, 'value record signature');
    const encoded = r.copyRange(start, r.offset);
    const nameAt = PUBLIC_KEY_SIZE + 1;
    const valueAt = nameAt + nameLen + 8 + 8 + 2;
    return new ValueRecord(
      encoded,
      encoded.subarray(nameAt, nameAt + nameLen),
      seq,
      expiresAtMs,
      encoded.subarray(valueAt, valueAt + valueLen),
    );
  }

  static create(
    identity: { nodeId: Uint8Array; signingKey: SigningKey },
    crypto: CryptoBackend,
    fields: { name: Uint8Array; seq: number; expiresAtMs: number; value: Uint8Array },
  ): ValueRecord {
    const { name, seq, expiresAtMs, value } = fields;
    if (name.length < 1 || name.length > MAX_NAME_SIZE) {
      throw new InvalidFieldError(`value name length ${name.length} is not in 1..${MAX_NAME_SIZE}`);
    }
    if (value.length > MAX_VALUE_SIZE) {
      throw new InvalidFieldError(`value length ${value.length} exceeds ${MAX_VALUE_SIZE}`);
    }
    const w = new Writer(128 + value.length);
    w.bytes(identity.signingKey.publicKey).u8(name.length).bytes(name).u64(seq).u64(expiresAtMs);
    w.u16(value.length).bytes(value);
    const unsigned = w.finish().slice();
    const sig = signFields(identity.signingKey, DOMAIN_VALUE_RECORD, unsigned);
    const encoded = new Uint8Array(unsigned.length + SIGNATURE_SIZE);
    encoded.set(unsigned);
    encoded.set(sig, unsigned.length);
    const record = ValueRecord.read(new Reader(encoded));
    record.authorId = identity.nodeId;
    record.key = valueKey(crypto, identity.nodeId, name);
    return record;
  }

  write(w: Writer): void {
    w.bytes(this.encoded);
  }
}

/** The key a value of this author and name lives under. */
export function valueKey(crypto: CryptoBackend, authorId: Uint8Array, name: Uint8Array): Uint8Array {
  const m = new Uint8Array(authorId.length + name.length);
  m.set(authorId);
  m.set(name, authorId.length);
  return crypto.sha256(signedMessage(DOMAIN_VALUE_KEY, m));
}

/** Check the signature and fill in authorId and key. Throws InvalidRecordError. */
export function verifyValueRecord(crypto: CryptoBackend, record: ValueRecord): void {
  if (record.key) return;
  const fields = record.encoded.subarray(0, record.encoded.length - SIGNATURE_SIZE);
  if (!verifyFields(crypto, record.publicKey, DOMAIN_VALUE_RECORD, fields, record.signature)) {
    throw new InvalidRecordError('value record: signature does not verify');
  }
  const authorId = crypto.sha256(record.publicKey);
  record.authorId = authorId;
  record.key = valueKey(crypto, authorId, record.name);
}
