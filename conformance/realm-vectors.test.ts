/**
 * Runs every case of conformance/vectors/realm.json through our decoders on both crypto backends,
 * and checks the file is what the generator (stack/realm/testing/vectors.ts) makes today.
 * REALM_WRITE_VECTORS=1 rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nobleCrypto } from '../stack/crypto/noble-backend.js';
import { nodeCrypto } from '../stack/crypto/node-backend.js';
import { defaultCrypto } from '../stack/crypto/select.js';
import { buildVectors, type RealmVectorFile } from '../stack/realm/testing/vectors.js';
import { checkRealmVector, runRealmVectorFile } from './realm-vectors.js';

const FILE = fileURLToPath(new URL('./vectors/realm.json', import.meta.url));

if (process.env.REALM_WRITE_VECTORS === '1') {
  writeFileSync(FILE, `${JSON.stringify(buildVectors(defaultCrypto()), null, 2)}\n`);
}
const file = JSON.parse(readFileSync(FILE, 'utf8')) as RealmVectorFile;

describe('conformance/vectors/realm.json', () => {
  it('is what the generator produces, on either crypto backend', () => {
    expect(file).toEqual(JSON.parse(JSON.stringify(buildVectors(nodeCrypto))));
    expect(file).toEqual(JSON.parse(JSON.stringify(buildVectors(nobleCrypto))));
  });

  it('covers every wire format of the spec, valid and invalid, and every named refusal', () => {
    const kinds = ['stream', 'pubsub-frame', 'pubsub-message', 'rpc-frame', 'crdt-state', 'crdt-delta'];
    for (const kind of kinds) {
      const of = file.vectors.filter((v) => v.kind === kind);
      expect(
        of.some((v) => v.expect === 'valid'),
        `${kind} valid`,
      ).toBe(true);
      expect(
        of.some((v) => v.expect !== 'valid'),
        `${kind} invalid`,
      ).toBe(true);
    }
    expect(file.vectors.some((v) => v.kind === 'crdt-merge')).toBe(true);
    const expects = new Set(file.vectors.map((v) => v.expect));
    for (const e of ['RealmFrameError', 'RealmFrameTooLargeError', 'CrdtDecodeError', 'bad-signature'])
      expect(expects).toContain(e);
    const frames = file.vectors.filter((v) => v.expect === 'valid' && v.kind.endsWith('-frame'));
    const types = new Set(frames.map((v) => (v.decoded as { type: string }).type));
    for (const t of ['sub', 'msg', 'graft', 'prune', 'ihave', 'iwant', 'request', 'cancel', 'response'])
      expect(types).toContain(t);
    const statuses = new Set(
      frames.filter((v) => v.kind === 'rpc-frame').map((v) => (v.decoded as { status?: number }).status),
    );
    for (let s = 0; s <= 7; s++) expect(statuses).toContain(s);
    expect(new Set(file.vectors.map((v) => v.name)).size).toBe(file.vectors.length);
  });

  it.each(file.vectors.map((v) => [`${v.kind} ${v.name} (${v.expect})`, v] as const))('%s', (_, v) => {
    for (const crypto of [nodeCrypto, nobleCrypto])
      expect(checkRealmVector(v, crypto)).toEqual({ name: v.name, ok: true });
  });

  it('a vector with the wrong expectation fails, naming both outcomes', () => {
    const valid = file.vectors.find((v) => v.name === 'pubsub-graft')!;
    expect(checkRealmVector({ ...valid, expect: 'RealmFrameError' }, nodeCrypto)).toEqual({
      name: valid.name,
      ok: false,
      error: 'expected RealmFrameError, got valid',
    });
    const forged = file.vectors.find((v) => v.name === 'message-bad-signature')!;
    expect(checkRealmVector({ ...forged, expect: 'RealmFrameError' }, nodeCrypto).ok).toBe(false);
    const wrongFields = { ...valid, decoded: { type: 'graft', topic: 'other' } };
    expect(checkRealmVector(wrongFields, nodeCrypto).ok).toBe(false);
  });

  it('the file runner passes the whole file', () => {
    const report = runRealmVectorFile(FILE);
    expect(report.failed).toBe(0);
    expect(report.passed).toBe(file.vectors.length);
  });
});
