import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeCrypto } from '../crypto/node-backend.js';
import { NodeIdError } from './errors.js';
import {
  commonPrefixBits,
  compareByDistance,
  compareDistances,
  compareNodeIds,
  NodeId,
  nodeIdEquals,
  xorDistance,
} from './node-id.js';

const id32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => NodeId.fromBytes(b));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('NodeId', () => {
  it('is SHA-256 of the public key', () => {
    const pk = new Uint8Array(32).fill(5);
    expect(NodeId.fromPublicKey(pk, nodeCrypto).bytes).toEqual(nodeCrypto.sha256(pk));
  });

  it('text round-trips and is the lowercase hex of the bytes', () => {
    fc.assert(
      fc.property(id32, (id) => {
        expect(id.toString()).toBe(hex(id.bytes));
        expect(NodeId.parse(id.toString()).equals(id)).toBe(true);
      }),
    );
  });

  it('logs as its text, not as a byte map', () => {
    const id = NodeId.fromBytes(new Uint8Array(32).fill(0xab));
    expect(JSON.stringify({ id })).toBe(`{"id":"${'ab'.repeat(32)}"}`);
    expect(`${id}`).toBe('ab'.repeat(32));
    expect(inspect(id)).toBe(`NodeId(${'ab'.repeat(32)})`);
  });

  it('copies the bytes it is built from', () => {
    const raw = new Uint8Array(32);
    const id = NodeId.fromBytes(raw);
    raw[0] = 1;
    expect(id.bytes[0]).toBe(0);
  });

  it('refuses wrong lengths and non-canonical text with exact messages', () => {
    expect(() => NodeId.fromBytes(new Uint8Array(31))).toThrow(NodeIdError);
    expect(() => NodeId.fromBytes(new Uint8Array(31))).toThrow(
      'node ID: expected Uint8Array of length 32, got length=31',
    );
    expect(() => NodeId.fromPublicKey(new Uint8Array(33), nodeCrypto)).toThrow(
      'node ID: public key: expected Uint8Array of length 32, got length=33',
    );
    expect(() => NodeId.parse('ab'.repeat(31))).toThrow(
      'node ID: expected 64 lowercase hex characters, got 62',
    );
    expect(() => NodeId.parse(`${'a'.repeat(63)}B`)).toThrow(
      'node ID: invalid character "B" at index 63: expected 0-9 or a-f (uppercase is not canonical)',
    );
    expect(() => NodeId.parse(`x${'a'.repeat(63)}`)).toThrow(
      'node ID: invalid character "x" at index 0: expected 0-9 or a-f',
    );
    expect(() => NodeId.parse(42 as unknown as string)).toThrow(
      'node ID: expected a string, got type=number',
    );
  });
});

describe('NodeId order and XOR distance', () => {
  it('compareNodeIds is the order of the text, and equality agrees', () => {
    fc.assert(
      fc.property(id32, id32, (a, b) => {
        const byText = a.toString() < b.toString() ? -1 : a.toString() > b.toString() ? 1 : 0;
        expect(compareNodeIds(a, b)).toBe(byText);
        expect(nodeIdEquals(a, b)).toBe(byText === 0);
        expect(nodeIdEquals(a, a)).toBe(true);
      }),
    );
  });

  it('xorDistance is a metric of the Kademlia kind: d(a,a)=0, symmetric, unique per target', () => {
    fc.assert(
      fc.property(id32, id32, id32, (a, b, c) => {
        expect(xorDistance(a, a)).toEqual(new Uint8Array(32));
        expect(xorDistance(a, b)).toEqual(xorDistance(b, a));
        // For a fixed target, different nodes are at different distances.
        const same = compareDistances(xorDistance(a, b), xorDistance(a, c)) === 0;
        expect(same).toBe(nodeIdEquals(b, c));
      }),
    );
  });

  it('compareByDistance agrees with comparing xorDistance results', () => {
    fc.assert(
      fc.property(id32, id32, id32, (t, a, b) => {
        expect(compareByDistance(t, a, b)).toBe(compareDistances(xorDistance(t, a), xorDistance(t, b)));
      }),
    );
  });

  it('commonPrefixBits counts the leading zero bits of the distance', () => {
    fc.assert(
      fc.property(id32, id32, (a, b) => {
        const bits = [...xorDistance(a, b)].map((x) => x.toString(2).padStart(8, '0')).join('');
        const expected = bits.indexOf('1') < 0 ? 256 : bits.indexOf('1');
        expect(commonPrefixBits(a, b)).toBe(expected);
      }),
    );
    const zero = NodeId.fromBytes(new Uint8Array(32));
    const last = new Uint8Array(32);
    last[31] = 1;
    expect(commonPrefixBits(zero, NodeId.fromBytes(last))).toBe(255);
    const first = new Uint8Array(32);
    first[0] = 0x80;
    expect(commonPrefixBits(zero, NodeId.fromBytes(first))).toBe(0);
    expect(commonPrefixBits(zero, zero)).toBe(256);
  });
});
