/**
 * Runs every case of conformance/vectors/yggdrasil.json, and checks the file is what the generator
 * (testing/vectors.ts) makes today. YGGDRASIL_WRITE_VECTORS=1 rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultCrypto } from '../stack/crypto/select.js';
import { PeerRecord, verifyPeerRecord } from '../stack/yggdrasil/records/peer-record.js';
import { ProviderRecord, verifyProviderRecord } from '../stack/yggdrasil/records/provider-record.js';
import { ValueRecord, verifyValueRecord } from '../stack/yggdrasil/records/value-record.js';
import { fromHex, Reader, toHex } from '../stack/yggdrasil/rpc/bytes.js';
import { decodeMessage, encodeMessage } from '../stack/yggdrasil/rpc/codec.js';
import {
  buildVectors,
  messageJson,
  peerJson,
  providerJson,
  valueJson,
} from '../stack/yggdrasil/testing/vectors.js';

const FILE = fileURLToPath(new URL('./vectors/yggdrasil.json', import.meta.url));
const crypto = defaultCrypto();

interface Vectors {
  valid: { name: string; hex: string; decoded: unknown }[];
  invalid: { name: string; hex: string; error: string; padToBytes?: number }[];
  records: {
    name: string;
    kind: 'peer' | 'value' | 'provider';
    hex: string;
    valid: boolean;
    error?: string;
    [k: string]: unknown;
  }[];
}

if (process.env.YGGDRASIL_WRITE_VECTORS === '1') {
  writeFileSync(FILE, `${JSON.stringify(buildVectors(crypto), null, 2)}\n`);
}
const vectors = JSON.parse(readFileSync(FILE, 'utf8')) as Vectors;

describe('conformance/vectors/yggdrasil.json', () => {
  it('is what the generator produces', () => {
    expect(vectors).toEqual(JSON.parse(JSON.stringify(buildVectors(crypto))));
  });

  it.each(vectors.valid.map((v) => [v.name, v] as const))('valid: %s', (_, v) => {
    const m = decodeMessage(fromHex(v.hex));
    expect(messageJson(m)).toEqual(v.decoded);
    expect(toHex(encodeMessage(m))).toBe(v.hex);
  });

  it.each(vectors.invalid.map((v) => [v.name, v] as const))('invalid: %s', (_, v) => {
    let bytes = fromHex(v.hex);
    if (v.padToBytes) {
      const padded = new Uint8Array(v.padToBytes);
      padded.set(bytes);
      bytes = padded;
    }
    let name = 'no error';
    try {
      decodeMessage(bytes);
    } catch (err) {
      name = (err as Error).name;
    }
    expect(name).toBe(v.error);
  });

  it.each(vectors.records.map((v) => [v.name, v] as const))('record: %s', (_, v) => {
    const r = new Reader(fromHex(v.hex));
    const check = (): unknown => {
      if (v.kind === 'peer') {
        const rec = PeerRecord.read(r);
        verifyPeerRecord(crypto, rec);
        return peerJson(rec);
      }
      if (v.kind === 'value') {
        const rec = ValueRecord.read(r);
        verifyValueRecord(crypto, rec);
        expect(toHex(rec.key!)).toBe(v.key);
        return valueJson(rec);
      }
      const rec = ProviderRecord.read(r);
      verifyProviderRecord(crypto, rec);
      expect(rec.providerIdHex).toBe(v.providerId);
      return providerJson(rec);
    };
    if (v.valid) {
      expect(check()).toEqual(v.decoded);
      r.end('record');
    } else {
      expect(check).toThrow(expect.objectContaining({ name: v.error }));
    }
  });
});
