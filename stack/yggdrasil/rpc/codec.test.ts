import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultCrypto } from '../../crypto/select.js';
import { MAX_CONTACTS, MAX_MESSAGE_SIZE, MAX_VALUE_SIZE } from '../constants.js';
import {
  DhtDecodeError,
  InvalidFieldError,
  MessageTooLargeError,
  TrailingBytesError,
  TruncatedError,
  UnknownMessageTypeError,
  UnsupportedVersionError,
} from '../errors.js';
import { PeerRecord } from '../records/peer-record.js';
import { ProviderRecord } from '../records/provider-record.js';
import { ValueRecord } from '../records/value-record.js';
import { signingIdentity } from '../testing/records.js';
import { decodeMessage, encodeFramed, encodeMessage } from './codec.js';
import { FrameDecoder, frame } from './framing.js';
import type { Message } from './messages.js';

const crypto = defaultCrypto();
const ids = [1, 2, 3].map(signingIdentity);
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const reqId = fc.integer({ min: 1, max: 0xffffffff });
const octet = fc.integer({ min: 0, max: 255 });
const addr = fc.oneof(
  fc
    .tuple(octet, octet, octet, octet, fc.integer({ min: 1, max: 65535 }))
    .map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}:${p}`),
  fc
    .tuple(fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/), fc.integer({ min: 1, max: 65535 }))
    .map(([h, p]) => `${h}:${p}`),
  fc.integer({ min: 1, max: 65535 }).map((p) => `[fd00::${p.toString(16)}]:${p}`),
);
const addrs = fc.array(addr, { minLength: 1, maxLength: 8 });
const seq = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const identity = fc.constantFrom(...ids);

const peerRecord = fc.tuple(identity, seq, addrs).map(([id, s, a]) => PeerRecord.create(id, s, a));
const valueRecord = fc
  .tuple(
    identity,
    fc.uint8Array({ minLength: 1, maxLength: 64 }),
    seq,
    seq,
    fc.uint8Array({ maxLength: 300 }),
  )
  .map(([id, name, s, exp, value]) =>
    ValueRecord.create(id, crypto, { name, seq: s, expiresAtMs: exp, value }),
  );
const providerRecord = fc
  .tuple(identity, bytes32, seq, addrs)
  .map(([id, key, exp, a]) => ProviderRecord.create(id, { key, expiresAtMs: exp, addrs: a }));
const contacts = fc.array(peerRecord, { maxLength: 6 });

const message: fc.Arbitrary<Message> = fc.oneof(
  peerRecord.map((record) => ({ type: 'hello', id: 0, record }) as const),
  reqId.map((id) => ({ type: 'ping', id }) as const),
  reqId.map((id) => ({ type: 'pong', id }) as const),
  fc.tuple(reqId, bytes32).map(([id, target]) => ({ type: 'find-node', id, target }) as const),
  fc.tuple(reqId, bytes32).map(([id, key]) => ({ type: 'get-value', id, key }) as const),
  fc.tuple(reqId, bytes32).map(([id, key]) => ({ type: 'get-providers', id, key }) as const),
  fc.tuple(reqId, valueRecord).map(([id, record]) => ({ type: 'put-value', id, record }) as const),
  fc.tuple(reqId, providerRecord).map(([id, record]) => ({ type: 'add-provider', id, record }) as const),
  fc.tuple(reqId, contacts).map(([id, c]) => ({ type: 'nodes', id, contacts: c }) as const),
  fc
    .tuple(reqId, fc.option(valueRecord, { nil: undefined }), contacts)
    .map(([id, record, c]) => ({ type: 'value', id, record, contacts: c }) as const),
  fc
    .tuple(reqId, fc.integer({ min: 0, max: 4 }))
    .map(([id, s]) => ({ type: 'put-value-result', id, status: s as 0 }) as const),
  fc
    .tuple(reqId, fc.integer({ min: 0, max: 4 }))
    .map(([id, s]) => ({ type: 'add-provider-result', id, status: s as 0 }) as const),
  fc
    .tuple(reqId, fc.array(providerRecord, { maxLength: 4 }), contacts)
    .map(([id, providers, c]) => ({ type: 'providers', id, providers, contacts: c }) as const),
  fc.tuple(reqId, octet).map(([id, code]) => ({ type: 'error', id, code }) as const),
);

/** Records compare by their wire bytes; everything else structurally. */
function normalise(m: unknown): unknown {
  if (m instanceof PeerRecord || m instanceof ValueRecord || m instanceof ProviderRecord) {
    return Buffer.from(m.encoded).toString('hex');
  }
  if (m instanceof Uint8Array) return Buffer.from(m).toString('hex');
  if (Array.isArray(m)) return m.map(normalise);
  if (m && typeof m === 'object')
    return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, normalise(v)]));
  return m;
}

function decodeError(bytes: Uint8Array): unknown {
  try {
    decodeMessage(bytes);
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('DHT message codec', () => {
  it('round-trips every message type', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(normalise(decodeMessage(encodeMessage(m)))).toEqual(normalise(m));
      }),
      { numRuns: 300 },
    );
  });

  it('encodeFramed is frame(encodeMessage(m)) in one buffer', () => {
    fc.assert(
      fc.property(message, (m) => {
        expect(encodeFramed(m)).toEqual(frame(encodeMessage(m)));
      }),
      { numRuns: 100 },
    );
  });

  it('rejects random bytes with a DhtDecodeError subclass only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
        const err = decodeError(b);
        if (err !== undefined) expect(err).toBeInstanceOf(DhtDecodeError);
      }),
      { numRuns: 2000 },
    );
  });

  it('rejects every truncation of a valid message with TruncatedError and every extension with TrailingBytesError', () => {
    fc.assert(
      fc.property(message, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }), (m, cut, extra) => {
        const bytes = encodeMessage(m);
        const at = cut % bytes.length;
        expect(decodeError(bytes.subarray(0, at))).toBeInstanceOf(TruncatedError);
        const longer = new Uint8Array(bytes.length + extra.length);
        longer.set(bytes);
        longer.set(extra, bytes.length);
        expect(decodeError(longer)).toBeInstanceOf(TrailingBytesError);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects mutated valid messages with a DhtDecodeError subclass or decodes them', () => {
    fc.assert(
      fc.property(message, fc.nat(), octet, (m, pos, v) => {
        const bytes = encodeMessage(m).slice();
        bytes[pos % bytes.length] = v;
        const err = decodeError(bytes);
        if (err !== undefined) expect(err).toBeInstanceOf(DhtDecodeError);
      }),
      { numRuns: 1000 },
    );
  });

  it('names the header errors', () => {
    const ping = encodeMessage({ type: 'ping', id: 7 });
    expect(decodeError(Uint8Array.of(2, ...ping.subarray(1)))).toBeInstanceOf(UnsupportedVersionError);
    expect(decodeError(Uint8Array.of(1, 0x40, 0, 0, 0, 1))).toBeInstanceOf(UnknownMessageTypeError);
    expect(decodeError(Uint8Array.of(1, 0x02, 0, 0, 0, 0))).toBeInstanceOf(InvalidFieldError); // request id 0
    expect(decodeError(new Uint8Array(MAX_MESSAGE_SIZE + 1))).toBeInstanceOf(MessageTooLargeError);
    expect(() => decodeMessage(ping, 4)).toThrow(MessageTooLargeError);
  });

  it('refuses to encode more contacts than the format allows', () => {
    const many = Array.from({ length: MAX_CONTACTS + 1 }, () => PeerRecord.create(ids[0], 1, ['a:1']));
    expect(() => encodeMessage({ type: 'nodes', id: 1, contacts: many })).toThrow(InvalidFieldError);
    expect(() =>
      ValueRecord.create(ids[0], crypto, {
        name: Uint8Array.of(1),
        seq: 1,
        expiresAtMs: 1,
        value: new Uint8Array(MAX_VALUE_SIZE + 1),
      }),
    ).toThrow(InvalidFieldError);
  });
});

describe('framing', () => {
  it('reassembles messages split at any points', () => {
    fc.assert(
      fc.property(
        fc.array(message, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (ms, cuts) => {
          const stream = Buffer.concat(ms.map((m) => frame(encodeMessage(m))));
          const points = [...new Set(cuts.map((c) => c % stream.length))].sort((a, b) => a - b);
          const dec = new FrameDecoder();
          const out: Uint8Array[] = [];
          let prev = 0;
          for (const p of [...points, stream.length]) {
            out.push(...dec.push(stream.subarray(prev, p)));
            prev = p;
          }
          expect(out.map((b) => normalise(decodeMessage(b)))).toEqual(ms.map(normalise));
          expect(dec.pendingBytes).toBe(0);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('rejects an oversized frame from its header alone', () => {
    const dec = new FrameDecoder(100);
    expect(() => dec.push(Uint8Array.of(0, 101))).toThrow(MessageTooLargeError);
  });
});
