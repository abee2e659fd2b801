/**
 * stack/identity: who a node is. An Ed25519 key pair from a 32-byte seed, the NodeID
 * (SHA-256 of the public key) with its canonical text and XOR-distance helpers, the node's IPv6
 * address in fd00::/8, and the identity file format. The normative description is
 * conformance/spec/identity.md.
 *
 * Everything here is pure. It must never draw randomness itself (generateIdentity takes the
 * Runtime's rng) and never touch files: reading and writing identity files is the CLI's job.
 */

export * from './address.js';
export * from './errors.js';
export { bytesToHex } from './hex.js';
export * from './identity.js';
export * from './identity-file.js';
export * from './node-id.js';
