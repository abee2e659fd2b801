import { describe, expect, test } from 'vitest';
import { nobleCrypto, nodeCrypto } from '../crypto/index.js';
import { Identity } from '../identity/identity.js';
import { authenticatePeer, buildLocalPayload } from './auth.js';
import { PROTOCOL_DEFAULT_REKEY_AFTER_MESSAGES } from './constants.js';
import { HandshakePayloadError, PeerAuthenticationError } from './errors.js';
import {
  decodePayload,
  EXT_LISTEN_ADDRS,
  EXT_REKEY_INTERVAL,
  encodePayload,
  PAYLOAD_FIXED_LEN,
  staticKeyBindingMessage,
} from './payload.js';

const identityKey = new Uint8Array(32).fill(1);
const signature = new Uint8Array(64).fill(2);
const base = { identityKey, signature, listenAddrs: [] as string[] };

/** The fixed 97 bytes followed by raw extension bytes. */
function withExtensions(...ext: number[]): Uint8Array {
  const fixed = encodePayload(base);
  return Uint8Array.from([...fixed, ...ext]);
}

describe('handshake payload codec', () => {
  test('round-trips with and without extensions', () => {
    expect(encodePayload(base).length).toBe(PAYLOAD_FIXED_LEN);
    expect(decodePayload(encodePayload(base))).toEqual(base);
    const full = {
      ...base,
      listenAddrs: ['10.0.0.1:7000', '[fd00::1]:7000', 'höst:1'],
      rekeyAfterMessages: 1000,
    };
    expect(decodePayload(encodePayload(full))).toEqual(full);
  });

  test('the layout is the one in the spec', () => {
    const bytes = encodePayload({ ...base, listenAddrs: ['a:1'], rekeyAfterMessages: 0x01020304 });
    expect(bytes[0]).toBe(1);
    expect(bytes.subarray(1, 33)).toEqual(identityKey);
    expect(bytes.subarray(33, 97)).toEqual(signature);
    expect([...bytes.subarray(97)]).toEqual([
      0x00,
      0x01,
      0x00,
      0x04,
      3,
      0x61,
      0x3a,
      0x31, // listen addresses: one entry "a:1"
      0x80,
      0x01,
      0x00,
      0x04,
      1,
      2,
      3,
      4, // rekey interval 0x01020304
    ]);
  });

  test('unknown non-critical extensions are skipped', () => {
    expect(decodePayload(withExtensions(0x00, 0x07, 0x00, 0x02, 9, 9))).toEqual(base);
  });

  test.each([
    ['too short', encodePayload(base).subarray(0, 96)],
    ['an unknown version', Uint8Array.from([2, ...encodePayload(base).subarray(1)])],
    ['an unknown critical extension', withExtensions(0x80, 0x07, 0x00, 0x00)],
    ['a truncated extension header', withExtensions(0x00, 0x01, 0x00)],
    ['an extension longer than the rest', withExtensions(0x00, 0x07, 0x00, 0x05, 1)],
    ['extensions out of order', withExtensions(0x80, 0x01, 0, 4, 0, 0, 0, 1, 0x00, 0x01, 0, 2, 1, 0x61)],
    ['a repeated extension', withExtensions(0x00, 0x09, 0, 0, 0x00, 0x09, 0, 0)],
    ['a rekey interval of 3 bytes', withExtensions(0x80, 0x01, 0, 3, 0, 0, 1)],
    ['a rekey interval of 0', withExtensions(0x80, 0x01, 0, 4, 0, 0, 0, 0)],
    ['an empty listen address list', withExtensions(0x00, 0x01, 0, 0)],
    ['a zero-length listen address', withExtensions(0x00, 0x01, 0, 1, 0)],
    ['a listen address overrunning its extension', withExtensions(0x00, 0x01, 0, 2, 5, 0x61)],
    ['a listen address that is not UTF-8', withExtensions(0x00, 0x01, 0, 2, 1, 0xff)],
  ])('rejects %s', (_what, bytes) => {
    expect(() => decodePayload(bytes)).toThrow(HandshakePayloadError);
  });

  test('refuses to encode what it would not decode', () => {
    expect(() => encodePayload({ ...base, rekeyAfterMessages: 0 })).toThrow(HandshakePayloadError);
    expect(() => encodePayload({ ...base, listenAddrs: Array(17).fill('a:1') })).toThrow(
      HandshakePayloadError,
    );
    expect(() => encodePayload({ ...base, listenAddrs: [''] })).toThrow(HandshakePayloadError);
    expect(() => encodePayload({ ...base, identityKey: new Uint8Array(31) })).toThrow(HandshakePayloadError);
  });

  test('extension type constants', () => {
    expect([EXT_LISTEN_ADDRS, EXT_REKEY_INTERVAL]).toEqual([0x0001, 0x8001]);
  });
});

describe.each([nodeCrypto, nobleCrypto])('identity binding on $name', (crypto) => {
  const identity = new Identity(new Uint8Array(32).fill(7), crypto);
  const staticKey = crypto.x25519(new Uint8Array(32).fill(8)).publicKey;
  const otherStatic = crypto.x25519(new Uint8Array(32).fill(9)).publicKey;

  test('a payload built for a static key authenticates that key and yields the NodeID', () => {
    const payload = buildLocalPayload(identity, staticKey, { listenAddrs: ['x:1'], rekeyAfterMessages: 5 });
    const peer = authenticatePeer(crypto, payload, staticKey);
    expect(peer.nodeId.equals(identity.nodeId)).toBe(true);
    expect(peer).toMatchObject({
      identityKey: identity.publicKey,
      listenAddrs: ['x:1'],
      rekeyAfterMessages: 5,
    });
  });

  test('the signature is over the domain-separated static key', () => {
    const payload = decodePayload(
      buildLocalPayload(identity, staticKey, { listenAddrs: [], rekeyAfterMessages: 5 }),
    );
    const message = new Uint8Array([...new TextEncoder().encode('valhalla-veil-static-key:'), ...staticKey]);
    expect(staticKeyBindingMessage(staticKey)).toEqual(message);
    expect(crypto.ed25519Verify(identity.publicKey, message, payload.signature)).toBe(true);
  });

  test('a payload replayed with another static key is refused', () => {
    const payload = buildLocalPayload(identity, staticKey, { listenAddrs: [], rekeyAfterMessages: 5 });
    expect(() => authenticatePeer(crypto, payload, otherStatic)).toThrow(PeerAuthenticationError);
  });

  test('a flipped signature bit is refused', () => {
    const payload = buildLocalPayload(identity, staticKey, { listenAddrs: [], rekeyAfterMessages: 5 });
    payload[40] ^= 1;
    expect(() => authenticatePeer(crypto, payload, staticKey)).toThrow(PeerAuthenticationError);
  });

  test('a payload without the rekey extension gets the protocol default', () => {
    const signed = decodePayload(
      buildLocalPayload(identity, staticKey, { listenAddrs: [], rekeyAfterMessages: 5 }),
    );
    const bare = encodePayload({ ...signed, rekeyAfterMessages: undefined });
    expect(authenticatePeer(crypto, bare, staticKey).rekeyAfterMessages).toBe(
      PROTOCOL_DEFAULT_REKEY_AFTER_MESSAGES,
    );
  });
});
