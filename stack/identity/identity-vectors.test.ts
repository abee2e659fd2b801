/** Runs conformance/vectors/identity.json (generated independently, in Python) on both backends. */
import { describe, expect, it } from 'vitest';
import vectors from '../../conformance/vectors/identity.json' with { type: 'json' };
import { nobleCrypto } from '../crypto/noble-backend.js';
import { nodeCrypto } from '../crypto/node-backend.js';
import {
  addressPrefixMatches,
  addressToNodeIdPrefix,
  formatIpv6,
  isNodeAddress,
  nodeIdToAddress,
  parseIpv6,
} from './address.js';
import { IdentityFileError, NodeAddressError, NodeIdError } from './errors.js';
import { bytesToHex } from './hex.js';
import { identityFromSeed } from './identity.js';
import { decodeIdentityFile, encodeIdentityFile } from './identity-file.js';
import { NodeId } from './node-id.js';

const hex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

describe.each([nodeCrypto, nobleCrypto])('identity vectors on $name', (backend) => {
  it.each(vectors.identities)('$name: seed -> key -> NodeID -> text -> address -> file', (v) => {
    const id = identityFromSeed(hex(v.seed), backend);
    expect(bytesToHex(id.publicKey)).toBe(v.publicKey);
    expect(id.nodeId.toString()).toBe(v.nodeId);
    expect(NodeId.parse(v.nodeId).equals(id.nodeId)).toBe(true);
    expect(nodeIdToAddress(id.nodeId)).toBe(v.address);
    expect(addressPrefixMatches(v.address, id.nodeId)).toBe(true);
    expect(addressToNodeIdPrefix(v.address)).toEqual(id.nodeId.bytes.subarray(0, 15));
    expect(encodeIdentityFile(id)).toBe(v.file);
    expect(decodeIdentityFile(v.file, backend).nodeId.toString()).toBe(v.nodeId);
  });

  it.each(vectors.invalidIdentityFiles)('refuses identity file: $reason', (v) => {
    expect(() => decodeIdentityFile(v.file, backend)).toThrow(IdentityFileError);
  });

  it.each(vectors.validIdentityFileLayouts)('accepts identity file: $reason', (v) => {
    expect(decodeIdentityFile(v.file, backend).nodeId.toString()).toBe(v.nodeId);
  });
});

describe('address vectors', () => {
  it.each(vectors.addresses)('$name', (v) => {
    const id = NodeId.parse(v.nodeId);
    expect(nodeIdToAddress(id)).toBe(v.address);
    expect(addressPrefixMatches(v.address, id)).toBe(true);
    expect(bytesToHex(addressToNodeIdPrefix(v.address))).toBe(v.nodeId.slice(0, 30));
  });

  it.each(vectors.nonCanonicalAddresses)('parses other spellings: $name', (v) => {
    expect(formatIpv6(parseIpv6(v.text))).toBe(v.canonical);
  });

  it.each(vectors.notNodeAddresses)('%s is well formed but not a node address', (text) => {
    expect(isNodeAddress(text)).toBe(false);
    expect(addressPrefixMatches(text, NodeId.parse(vectors.identities[0].nodeId))).toBe(false);
    expect(() => addressToNodeIdPrefix(text)).toThrow(NodeAddressError);
  });

  it.each(vectors.invalidAddresses)('refuses address $text ($reason)', (v) => {
    expect(() => parseIpv6(v.text)).toThrow(NodeAddressError);
    expect(() => addressToNodeIdPrefix(v.text)).toThrow(NodeAddressError);
  });

  it.each(vectors.invalidNodeIdTexts)('refuses node ID text: $reason', (v) => {
    expect(() => NodeId.parse(v.text)).toThrow(NodeIdError);
  });
});
