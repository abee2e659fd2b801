/**
 * Provider records (spec section 4.3): "the node with this public key provides content key K
 * until expiresAtMs, and is reachable at these addresses". Saga announces content with them.
 *
 * Layout: key(32) publicKey(32) expiresAtMs(u64) addrCount(1) [addrLen(1) addr]* signature(64)
 * The signature covers DOMAIN_PROVIDER_RECORD || 0x00 || every byte before it. The provider's
 * NodeID is SHA-256(publicKey). For one (key, provider) pair a holder keeps the record with the
 * latest expiresAtMs: a re-announcement extends it, an older copy cannot shorten or roll it back.
 */
import type { CryptoBackend, SigningKey } from '../../crypto/types.js';
import { DOMAIN_PROVIDER_RECORD, KEY_SIZE, PUBLIC_KEY_SIZE, SIGNATURE_SIZE } from '../constants.js';
import { InvalidFieldError, InvalidRecordError } from '../errors.js';
import { Reader, toHex, Writer } from '../rpc/bytes.js';
import { readAddresses, writeAddresses } from './addresses.js';
import { signFields, verifyFields } from './signing.js';

export class ProviderRecord {
  /** Set by verifyProviderRecord: SHA-256 of the provider's public key. */
  providerId?: Uint8Array;
  providerIdHex?: string;

  private constructor(
    readonly encoded: Uint8Array,
    readonly key: Uint8Array,
    readonly expiresAtMs: number,
    readonly addrs: readonly string[],
  ) {}

  get publicKey(): Uint8Array {
    return this.encoded.subarray(KEY_SIZE, KEY_SIZE + PUBLIC_KEY_SIZE);
  }

  get signature(): Uint8Array {
    return this.encoded.subarray(this.encoded.length - SIGNATURE_SIZE);
  }

  static read(r: Reader): ProviderRecord {
    const start = r.offset;
    r.bytesView(KEY_SIZE, 'provider record key');
    r.bytesView(PUBLIC_KEY_SIZE, 'provider record publicKey');
    const expiresAtMs = r.u64('provider record expiresAtMs');
    const addrs = readAddresses(r, 'provider record');
    r.bytesView(SIGNATURE_SIZE, 'provider record signature');
    const encoded = r.copyRange(start, r.offset);
    return new ProviderRecord(encoded, encoded.subarray(0, KEY_SIZE), expiresAtMs, addrs);
  }

  static create(
    identity: { nodeId: Uint8Array; signingKey: SigningKey },
    fields: { key: Uint8Array; expiresAtMs: number; addrs: readonly string[] },
  ): ProviderRecord {
    if (fields.key.length !== KEY_SIZE) {
      throw new InvalidFieldError(`provider key: expected ${KEY_SIZE} bytes, got ${fields.key.length}`);
    }
    const w = new Writer(192);
    w.bytes(fields.key).bytes(identity.signingKey.publicKey).u64(fields.expiresAtMs);
    writeAddresses(w, fields.addrs);
    const unsigned = w.finish().slice();
    const sig = signFields(identity.signingKey, DOMAIN_PROVIDER_RECORD, unsigned);
    const encoded = new Uint8Array(unsigned.length + SIGNATURE_SIZE);
    encoded.set(unsigned);
    encoded.set(sig, unsigned.length);
    const record = ProviderRecord.read(new Reader(encoded));
    record.providerId = identity.nodeId;
    record.providerIdHex = toHex(identity.nodeId);
    return record;
  }

  write(w: Writer): void {
    w.bytes(this.encoded);
  }
}

/** Check the signature and fill in providerId. Throws InvalidRecordError. */
export function verifyProviderRecord(crypto: CryptoBackend, record: ProviderRecord): void {
  if (record.providerId) return;
  const fields = record.encoded.subarray(0, record.encoded.length - SIGNATURE_SIZE);
  if (!verifyFields(crypto, record.publicKey, DOMAIN_PROVIDER_RECORD, fields, record.signature)) {
    throw new InvalidRecordError('provider record: signature does not verify');
  }
  record.providerId = crypto.sha256(record.publicKey);
  record.providerIdHex = toHex(record.providerId);
}
