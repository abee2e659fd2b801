/**
 * The payload cases of the Veil vector file (conformance/spec/veil.md §4): one identity and static
 * key, a valid payload, and variants a receiver must accept or reject with a named error. Each
 * variant is built from bytes, not from our encoder, so invalid encodings can be expressed.
 */

import type { CryptoBackend } from '../stack/crypto/types.js';
import { Identity } from '../stack/identity/identity.js';
import { staticKeyBindingMessage } from '../stack/veil/payload.js';
import type { PayloadCase } from './veil-vectors.js';

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
const ext = (type: number, value: number[]): number[] => [
  type >> 8,
  type & 0xff,
  value.length >> 8,
  value.length & 0xff,
  ...value,
];
const ascii = (s: string): number[] => [...new TextEncoder().encode(s)];
const REKEY_1000 = ext(0x8001, [0, 0, 0x03, 0xe8]);

export function payloadCases(crypto: CryptoBackend): PayloadCase[] {
  const identity = new Identity(new Uint8Array(32).fill(0x51), crypto);
  const staticKey = crypto.x25519(new Uint8Array(32).fill(0x52)).publicKey;
  const otherStatic = crypto.x25519(new Uint8Array(32).fill(0x53)).publicKey;
  const signature = identity.sign(staticKeyBindingMessage(staticKey));
  const fixed = [1, ...identity.publicKey, ...signature];
  const nodeId = identity.nodeId.toString();
  const remote = hex(staticKey);
  const accept = (name: string, bytes: number[]): PayloadCase => ({
    name,
    remote_static: remote,
    payload: hex(Uint8Array.from(bytes)),
    valid: true,
    node_id: nodeId,
  });
  const reject = (name: string, bytes: number[], error: string, remoteStatic = remote): PayloadCase => ({
    name,
    remote_static: remoteStatic,
    payload: hex(Uint8Array.from(bytes)),
    valid: false,
    error,
  });
  const flipped = [...fixed];
  flipped[40] ^= 0x01;
  const otherKey = [...fixed];
  otherKey[1] ^= 0x01;
  return [
    accept('no extensions', fixed),
    accept('listen addresses and rekey interval', [
      ...fixed,
      ...ext(0x0001, [8, ...ascii('h.test:1')]),
      ...REKEY_1000,
    ]),
    accept('unknown non-critical extension is skipped', [...fixed, ...ext(0x0002, [1, 2, 3]), ...REKEY_1000]),
    reject('signature over another static key', fixed, 'PeerAuthenticationError', hex(otherStatic)),
    reject('flipped signature bit', flipped, 'PeerAuthenticationError'),
    reject('identity key that did not sign', otherKey, 'PeerAuthenticationError'),
    reject('version 2', [2, ...fixed.slice(1)], 'HandshakePayloadError'),
    reject('96 bytes', fixed.slice(0, 96), 'HandshakePayloadError'),
    reject('unknown critical extension', [...fixed, ...ext(0x8002, [])], 'HandshakePayloadError'),
    reject(
      'extensions out of order',
      [...fixed, ...REKEY_1000, ...ext(0x0001, [3, ...ascii('a:1')])],
      'HandshakePayloadError',
    ),
    reject('repeated extension', [...fixed, ...ext(0x0002, []), ...ext(0x0002, [])], 'HandshakePayloadError'),
    reject('truncated extension header', [...fixed, 0x00, 0x01, 0x00], 'HandshakePayloadError'),
    reject('extension value past the end', [...fixed, 0x00, 0x02, 0x00, 0x09, 1, 2], 'HandshakePayloadError'),
    reject('rekey interval 0', [...fixed, ...ext(0x8001, [0, 0, 0, 0])], 'HandshakePayloadError'),
    reject('rekey interval of 2 bytes', [...fixed, ...ext(0x8001, [0, 1])], 'HandshakePayloadError'),
    reject('empty listen address list', [...fixed, ...ext(0x0001, [])], 'HandshakePayloadError'),
    reject('listen address of length 0', [...fixed, ...ext(0x0001, [0])], 'HandshakePayloadError'),
    reject('listen address not UTF-8', [...fixed, ...ext(0x0001, [2, 0xc3, 0x28])], 'HandshakePayloadError'),
    reject(
      '17 listen addresses',
      [
        ...fixed,
        ...ext(
          0x0001,
          Array(17)
            .fill([3, ...ascii('a:1')])
            .flat(),
        ),
      ],
      'HandshakePayloadError',
    ),
  ];
}
