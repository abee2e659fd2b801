/**
 * The identity file: what a node stores to keep its NodeID across restarts. Pure text in, text
 * out; reading and writing the file (mode 0600) is the CLI's job, never stack/'s.
 *
 *   {
 *     "version": 1,
 *     "type": "valhalla-identity",
 *     "seed": "<64 lowercase hex: the Ed25519 seed, the only secret>",
 *     "publicKey": "<64 lowercase hex: Ed25519 public key of the seed>",
 *     "nodeId": "<64 lowercase hex: SHA-256 of publicKey>"
 *   }
 *
 * JSON rather than PEM PKCS#8 (conformance/spec/identity.md has the full argument): an operator
 * reads the NodeID with `cat` or `jq -r .nodeId`, the redundant publicKey and nodeId turn a
 * corrupted or hand-edited seed into a clear error instead of a silently different node, and
 * decoding needs no ASN.1. Decoding is strict: exactly these five fields, or IdentityFileError.
 */

import { defaultCrypto } from '../crypto/select.js';
import type { CryptoBackend } from '../crypto/types.js';
import { IdentityFileError } from './errors.js';
import { bytesToHex, hexProblem, hexToBytes } from './hex.js';
import { Identity, SEED_LEN } from './identity.js';

export const IDENTITY_FILE_VERSION = 1;
export const IDENTITY_FILE_TYPE = 'valhalla-identity';
/** Far above a real file (~300 characters); refuses to JSON.parse whatever else was pointed at. */
export const IDENTITY_FILE_MAX_CHARS = 4096;

const FIELDS = ['version', 'type', 'seed', 'publicKey', 'nodeId'] as const;
type IdentityFileFields = { version: number; type: string; seed: string; publicKey: string; nodeId: string };

/** The canonical file text: the fields in the order above, 2-space indented, a final newline. */
export function encodeIdentityFile(identity: Identity): string {
  const fields: IdentityFileFields = {
    version: IDENTITY_FILE_VERSION,
    type: IDENTITY_FILE_TYPE,
    seed: bytesToHex(identity.seed),
    publicKey: bytesToHex(identity.publicKey),
    nodeId: identity.nodeId.toString(),
  };
  return `${JSON.stringify(fields, null, 2)}\n`;
}

/**
 * Parse and check an identity file. Any JSON layout is accepted (whitespace, field order), but the
 * content must be exact: all five fields, no others, version 1, lowercase hex, and publicKey and
 * nodeId must be those of the seed. Throws IdentityFileError; messages never contain the seed.
 */
export function decodeIdentityFile(text: string, backend: CryptoBackend = defaultCrypto()): Identity {
  const fields = parseFields(text);
  const identity = new Identity(hexToBytes(fields.seed), backend);
  if (bytesToHex(identity.publicKey) !== fields.publicKey) {
    throw new IdentityFileError('identity file: "publicKey" does not match the seed');
  }
  if (identity.nodeId.toString() !== fields.nodeId) {
    throw new IdentityFileError('identity file: "nodeId" does not match the public key');
  }
  return identity;
}

function parseFields(text: string): IdentityFileFields {
  const fail = (why: string): never => {
    throw new IdentityFileError(`identity file: ${why}`);
  };
  if (typeof text !== 'string') fail(`expected a string, got type=${typeof text}`);
  if (text.length > IDENTITY_FILE_MAX_CHARS) {
    fail(`${text.length} characters is more than the ${IDENTITY_FILE_MAX_CHARS} a valid file has`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    fail(`not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('expected a JSON object');
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(FIELDS as readonly string[]).includes(key)) fail(`unknown field ${JSON.stringify(key)}`);
  }
  for (const key of FIELDS) if (!(key in record)) fail(`missing field "${key}"`);
  if (record.version !== IDENTITY_FILE_VERSION) {
    fail(`unsupported version ${JSON.stringify(record.version)}: expected ${IDENTITY_FILE_VERSION}`);
  }
  if (record.type !== IDENTITY_FILE_TYPE) {
    fail(`"type" must be "${IDENTITY_FILE_TYPE}", got ${JSON.stringify(record.type)}`);
  }
  for (const key of ['seed', 'publicKey', 'nodeId'] as const) {
    const problem = hexProblem(record[key], SEED_LEN); // all three are 32 bytes
    if (problem !== undefined) fail(`"${key}": ${problem}`);
  }
  return record as IdentityFileFields;
}
