import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addressPrefixMatches,
  addressToNodeIdPrefix,
  formatIpv6,
  nodeIdToAddress,
  nodeIdToAddressBytes,
  parseIpv6,
} from './address.js';
import { NodeAddressError } from './errors.js';
import { NodeId } from './node-id.js';

const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 });
// Addresses with many zero groups exercise the "::" rules; uniform bytes almost never have any.
const sparse16 = fc
  .array(fc.constantFrom(0, 0, 0, 1, 0xff, 0x1234), { minLength: 8, maxLength: 8 })
  .map((groups) => Uint8Array.from(groups.flatMap((g) => [g >> 8, g & 0xff])));
const id32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => NodeId.fromBytes(b));

describe('IPv6 text', () => {
  it('parse(format(bytes)) returns the bytes', () => {
    fc.assert(
      fc.property(fc.oneof(bytes16, sparse16), (b) => {
        expect(parseIpv6(formatIpv6(b))).toEqual(b);
      }),
      { numRuns: 500 },
    );
  });

  it('the text is RFC 5952 canonical (checked against a reference written differently)', () => {
    // Reference: try run lengths from longest to shortest; the first position with that many zero
    // groups is compressed (RFC 5952 §4.2: longest run, first on a tie, never a single group).
    const reference = (b: Uint8Array): string => {
      const groups = Array.from({ length: 8 }, (_, i) => ((b[2 * i] << 8) | b[2 * i + 1]).toString(16));
      for (let len = 8; len >= 2; len--) {
        for (let at = 0; at + len <= 8; at++) {
          if (groups.slice(at, at + len).every((g) => g === '0')) {
            return `${groups.slice(0, at).join(':')}::${groups.slice(at + len).join(':')}`;
          }
        }
      }
      return groups.join(':');
    };
    fc.assert(
      fc.property(fc.oneof(bytes16, sparse16), (b) => {
        expect(formatIpv6(b)).toBe(reference(b));
      }),
      { numRuns: 1000 },
    );
  });

  it('exact messages for malformed text', () => {
    expect(() => parseIpv6('fd00::1::2')).toThrow('IPv6 address "fd00::1::2": "::" appears more than once');
    expect(() => parseIpv6('fd00:1')).toThrow('IPv6 address "fd00:1": expected 8 groups, got 2');
    expect(() => parseIpv6('fd00::1%eth0')).toThrow(
      'IPv6 address "fd00::1%eth0": invalid group "1%eth0": expected 1-4 hex digits',
    );
    expect(() => formatIpv6(new Uint8Array(15))).toThrow(NodeAddressError);
  });
});

describe('node addresses', () => {
  it('byte 0 is 0xfd and bytes 1..15 are NodeID bytes 0..14', () => {
    fc.assert(
      fc.property(id32, (id) => {
        const b = nodeIdToAddressBytes(id);
        expect(b[0]).toBe(0xfd);
        expect(b.subarray(1)).toEqual(id.bytes.subarray(0, 15));
        expect(addressToNodeIdPrefix(nodeIdToAddress(id))).toEqual(id.bytes.subarray(0, 15));
        expect(addressPrefixMatches(nodeIdToAddress(id), id)).toBe(true);
        expect(addressPrefixMatches(b, id)).toBe(true);
      }),
    );
  });

  it('a NodeID differing in the first 15 bytes does not match; one differing later does', () => {
    fc.assert(
      fc.property(id32, fc.nat(31), (id, index) => {
        const other = Uint8Array.from(id.bytes);
        other[index] ^= 1;
        expect(addressPrefixMatches(nodeIdToAddress(id), NodeId.fromBytes(other))).toBe(index >= 15);
      }),
    );
  });

  it('refuses address bytes of the wrong length', () => {
    const id = NodeId.fromBytes(new Uint8Array(32));
    expect(() => addressPrefixMatches(new Uint8Array(15), id)).toThrow(
      'IPv6 address: expected Uint8Array of length 16, got length=15',
    );
    expect(() => addressToNodeIdPrefix('fe80::1')).toThrow('address fe80::1 is not in fd00::/8');
  });
});
