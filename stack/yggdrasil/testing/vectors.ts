/**
 * Test support: the conformance vectors of conformance/vectors/yggdrasil.json, built from fixed
 * seeds (Ed25519 signatures are deterministic, so the file is reproducible byte for byte), and the
 * JSON view of decoded messages that the vectors' "decoded" fields use.
 */
import type { CryptoBackend, SigningKey } from '../../crypto/types.js';
import {
  DOMAIN_PEER_RECORD,
  DOMAIN_PROVIDER_RECORD,
  DOMAIN_VALUE_RECORD,
  MAX_MESSAGE_SIZE,
  SIGNATURE_SIZE,
} from '../constants.js';
import { PeerRecord } from '../records/peer-record.js';
import { ProviderRecord } from '../records/provider-record.js';
import { signedMessage } from '../records/signing.js';
import { ValueRecord, valueKey } from '../records/value-record.js';
import { toHex } from '../rpc/bytes.js';
import { encodeMessage } from '../rpc/codec.js';
import type { Message } from '../rpc/messages.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function peerJson(r: PeerRecord): Json {
  return {
    nodeId: r.idHex,
    publicKey: toHex(r.publicKey),
    seq: r.seq,
    addrs: [...r.addrs],
    signature: toHex(r.signature),
  };
}

export function valueJson(r: ValueRecord): Json {
  return {
    publicKey: toHex(r.publicKey),
    name: toHex(r.name),
    seq: r.seq,
    expiresAtMs: r.expiresAtMs,
    value: toHex(r.value),
    signature: toHex(r.signature),
  };
}

export function providerJson(r: ProviderRecord): Json {
  return {
    key: toHex(r.key),
    publicKey: toHex(r.publicKey),
    expiresAtMs: r.expiresAtMs,
    addrs: [...r.addrs],
    signature: toHex(r.signature),
  };
}

/** The decoded fields of a message, bytes as lower-case hex. */
export function messageJson(m: Message): Json {
  switch (m.type) {
    case 'hello':
      return { type: m.type, id: m.id, record: peerJson(m.record) };
    case 'ping':
    case 'pong':
      return { type: m.type, id: m.id };
    case 'find-node':
      return { type: m.type, id: m.id, target: toHex(m.target) };
    case 'get-value':
    case 'get-providers':
      return { type: m.type, id: m.id, key: toHex(m.key) };
    case 'put-value':
      return { type: m.type, id: m.id, record: valueJson(m.record) };
    case 'add-provider':
      return { type: m.type, id: m.id, record: providerJson(m.record) };
    case 'nodes':
      return { type: m.type, id: m.id, contacts: m.contacts.map(peerJson) };
    case 'value':
      return {
        type: m.type,
        id: m.id,
        record: m.record ? valueJson(m.record) : null,
        contacts: m.contacts.map(peerJson),
      };
    case 'put-value-result':
    case 'add-provider-result':
      return { type: m.type, id: m.id, status: m.status };
    case 'providers':
      return {
        type: m.type,
        id: m.id,
        providers: m.providers.map(providerJson),
        contacts: m.contacts.map(peerJson),
      };
    case 'error':
      return { type: m.type, id: m.id, code: m.code };
  }
}

const hexOf = (...parts: (string | number[])[]): string =>
  parts
    .map((p) => (typeof p === 'string' ? p : p.map((b) => b.toString(16).padStart(2, '0')).join('')))
    .join('');

interface Fixtures {
  ids: { seed: Uint8Array; signingKey: SigningKey; nodeId: Uint8Array }[];
  alicePeer: PeerRecord;
  bobPeer: PeerRecord;
  value: ValueRecord;
  name: Uint8Array;
  contentKey: Uint8Array;
  provider: ProviderRecord;
}

function fixtures(crypto: CryptoBackend): Fixtures {
  const seeds = [0x01, 0x02, 0x03].map((b) => new Uint8Array(32).fill(b));
  const ids = seeds.map((seed) => {
    const signingKey = crypto.ed25519(seed);
    return { seed, signingKey, nodeId: crypto.sha256(signingKey.publicKey) };
  });
  const [alice, bob, carol] = ids;
  const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z in ms
  const alicePeer = PeerRecord.create(alice, T0, ['10.0.0.1:7000', '[fd00::1]:7000']);
  const bobPeer = PeerRecord.create(bob, T0 + 1, ['bob.example:7000']);
  const name = new TextEncoder().encode('profile');
  const value = ValueRecord.create(alice, crypto, {
    name,
    seq: 3,
    expiresAtMs: T0 + 43_200_000,
    value: new TextEncoder().encode('hello'),
  });
  const contentKey = crypto.sha256(new TextEncoder().encode('some content'));
  const provider = ProviderRecord.create(carol, {
    key: contentKey,
    expiresAtMs: T0 + 43_200_000,
    addrs: ['10.0.0.3:7000'],
  });
  return { ids, alicePeer, bobPeer, value, name, contentKey, provider };
}

function validCases(f: Fixtures): Json[] {
  const { alicePeer, bobPeer, value, contentKey, provider } = f;
  const bob = f.ids[1];
  const messages: [string, Message][] = [
    ['HELLO', { type: 'hello', id: 0, record: alicePeer }],
    ['PING', { type: 'ping', id: 1 }],
    ['PONG', { type: 'pong', id: 1 }],
    ['FIND_NODE', { type: 'find-node', id: 0x01020304, target: bob.nodeId }],
    ['NODES with two contacts', { type: 'nodes', id: 0x01020304, contacts: [alicePeer, bobPeer] }],
    ['NODES empty', { type: 'nodes', id: 7, contacts: [] }],
    ['GET_VALUE', { type: 'get-value', id: 8, key: value.key! }],
    ['VALUE with a record', { type: 'value', id: 8, record: value, contacts: [bobPeer] }],
    ['VALUE without a record', { type: 'value', id: 9, record: undefined, contacts: [alicePeer] }],
    ['PUT_VALUE', { type: 'put-value', id: 10, record: value }],
    ['PUT_VALUE_RESULT STALE', { type: 'put-value-result', id: 10, status: 1 }],
    ['ADD_PROVIDER', { type: 'add-provider', id: 11, record: provider }],
    ['ADD_PROVIDER_RESULT OK', { type: 'add-provider-result', id: 11, status: 0 }],
    ['GET_PROVIDERS', { type: 'get-providers', id: 12, key: contentKey }],
    ['PROVIDERS', { type: 'providers', id: 12, providers: [provider], contacts: [alicePeer] }],
    ['ERROR BUSY', { type: 'error', id: 0xffffffff, code: 1 }],
  ];
  return messages.map(([caseName, m]) => ({
    name: caseName,
    hex: toHex(encodeMessage(m)),
    decoded: messageJson(m),
  }));
}

function invalidCases(f: Fixtures): Json[] {
  const { alicePeer, value } = f;
  const bob = f.ids[1];
  const ping = toHex(encodeMessage({ type: 'ping', id: 1 }));
  const findNode = toHex(encodeMessage({ type: 'find-node', id: 2, target: bob.nodeId }));
  const peerHex = toHex(alicePeer.encoded);
  const peerFixed = peerHex.slice(0, (32 + 32 + 8) * 2); // nodeId, publicKey, seq
  const sig = toHex(alicePeer.signature);
  const addr = (s: string) => [s.length, ...[...s].map((c) => c.charCodeAt(0))];
  return [
    { name: 'empty', hex: '', error: 'TruncatedError' },
    { name: 'header cut at 5 bytes', hex: ping.slice(0, 10), error: 'TruncatedError' },
    { name: 'version 2', hex: `02${ping.slice(2)}`, error: 'UnsupportedVersionError' },
    { name: 'unknown type 0x40', hex: '014000000001', error: 'UnknownMessageTypeError' },
    { name: 'request with id 0', hex: '010200000000', error: 'InvalidFieldError' },
    { name: 'HELLO with a non-zero id', hex: hexOf('010100000001', peerHex), error: 'InvalidFieldError' },
    { name: 'PING with a trailing byte', hex: `${ping}00`, error: 'TrailingBytesError' },
    { name: 'FIND_NODE target of 31 bytes', hex: findNode.slice(0, -2), error: 'TruncatedError' },
    { name: 'NODES count 65', hex: hexOf('018300000001', [65]), error: 'InvalidFieldError' },
    { name: 'NODES count 1, no contact', hex: hexOf('018300000001', [1]), error: 'TruncatedError' },
    {
      name: 'contact with no address',
      hex: hexOf('018300000001', [1], peerFixed, [0], sig),
      error: 'InvalidFieldError',
    },
    {
      name: 'contact with 9 addresses',
      hex: hexOf('018300000001', [1], peerFixed, [9]),
      error: 'InvalidFieldError',
    },
    {
      name: 'address with a space',
      hex: hexOf('018300000001', [1], peerFixed, [1], addr('a b:1'), sig),
      error: 'InvalidFieldError',
    },
    {
      name: 'address without a port',
      hex: hexOf('018300000001', [1], peerFixed, [1], addr('host'), sig),
      error: 'InvalidFieldError',
    },
    {
      name: 'address with port 0',
      hex: hexOf('018300000001', [1], peerFixed, [1], addr('10.0.0.1:0'), sig),
      error: 'InvalidFieldError',
    },
    {
      name: 'address of length 0',
      hex: hexOf('018300000001', [1], peerFixed, [1], [0], sig),
      error: 'InvalidFieldError',
    },
    {
      name: 'seq above 2^53-1',
      hex: hexOf('010100000000', peerHex.slice(0, 128), '0020000000000000', peerHex.slice(144)),
      error: 'InvalidFieldError',
    },
    {
      name: 'signature cut short',
      hex: hexOf('010100000000', peerHex.slice(0, -2)),
      error: 'TruncatedError',
    },
    { name: 'VALUE present flag 2', hex: hexOf('018400000001', [2]), error: 'InvalidFieldError' },
    {
      name: 'value name of length 0',
      hex: hexOf('010500000001', toHex(value.publicKey), [0]),
      error: 'InvalidFieldError',
    },
    {
      name: 'value of 8193 bytes',
      hex: hexOf(
        '010500000001',
        toHex(value.publicKey),
        [1, 0x61],
        '0000000000000001',
        '0000000000000001',
        [0x20, 0x01],
      ),
      error: 'InvalidFieldError',
    },
    { name: 'store status 5', hex: '018500000001' + '05', error: 'InvalidFieldError' },
    { name: 'PROVIDERS count 33', hex: hexOf('018700000001', [33]), error: 'InvalidFieldError' },
    {
      name: 'message over 65,535 bytes',
      hex: ping,
      padToBytes: MAX_MESSAGE_SIZE + 1,
      error: 'MessageTooLargeError',
    },
  ];
}

function recordCases(crypto: CryptoBackend, f: Fixtures): Json[] {
  const { alicePeer, value, name, provider } = f;
  const [alice, bob, carol] = f.ids;
  const T0 = alicePeer.seq;
  const peerHex = toHex(alicePeer.encoded);
  const flipped = alicePeer.encoded.slice();
  flipped[100] ^= 0x01;
  const impostor = PeerRecord.create({ nodeId: alice.nodeId, signingKey: bob.signingKey }, T0 + 5, [
    '6.6.6.6:7000',
  ]);
  const fields = (r: { encoded: Uint8Array }) => r.encoded.subarray(0, r.encoded.length - SIGNATURE_SIZE);
  return [
    {
      name: 'peer record of seed 01*32',
      kind: 'peer',
      seed: toHex(alice.seed),
      hex: peerHex,
      signedMessage: toHex(signedMessage(DOMAIN_PEER_RECORD, fields(alicePeer))),
      decoded: peerJson(alicePeer),
      valid: true,
    },
    {
      name: 'peer record with one address byte changed',
      kind: 'peer',
      hex: toHex(flipped),
      valid: false,
      error: 'InvalidRecordError',
    },
    {
      name: "peer record claiming seed 01's NodeID, signed by seed 02",
      kind: 'peer',
      hex: toHex(impostor.encoded),
      valid: false,
      error: 'InvalidRecordError',
    },
    {
      name: 'value record "profile" of seed 01*32',
      kind: 'value',
      seed: toHex(alice.seed),
      hex: toHex(value.encoded),
      signedMessage: toHex(signedMessage(DOMAIN_VALUE_RECORD, fields(value))),
      key: toHex(valueKey(crypto, alice.nodeId, name)),
      decoded: valueJson(value),
      valid: true,
    },
    {
      name: 'provider record of seed 03*32 for SHA-256("some content")',
      kind: 'provider',
      seed: toHex(carol.seed),
      hex: toHex(provider.encoded),
      signedMessage: toHex(signedMessage(DOMAIN_PROVIDER_RECORD, fields(provider))),
      providerId: toHex(carol.nodeId),
      decoded: providerJson(provider),
      valid: true,
    },
  ];
}

export function buildVectors(crypto: CryptoBackend): Json {
  const f = fixtures(crypto);
  return {
    description:
      'Valhalla Yggdrasil DHT messages and records (conformance/spec/yggdrasil.md). "valid": hex decodes to "decoded" and re-encodes to hex. "invalid": decoding must fail with the named error ("padToBytes": append zero bytes up to that length first). "records": hex decodes as a record of "kind"; valid ones verify (signature over "signedMessage", NodeID = SHA-256(publicKey)), invalid ones fail verification with the named error. Generated by stack/yggdrasil/testing/vectors.ts from fixed seeds.',
    version: 1,
    identities: f.ids.map((i) => ({
      seed: toHex(i.seed),
      publicKey: toHex(i.signingKey.publicKey),
      nodeId: toHex(i.nodeId),
    })),
    valid: validCases(f),
    invalid: invalidCases(f),
    records: recordCases(crypto, f),
  } as unknown as Json;
}
