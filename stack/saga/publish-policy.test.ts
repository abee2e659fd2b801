/**
 * The publishing boundary: a Saga configured with trusted issuers publishes only with a Rune token
 * granting saga/publish on the content to this node; without one, or with an expired, foreign,
 * too narrow or untrusted one, it refuses with PublishRefusedError (Rune's code) and stores nothing.
 */
import { describe, expect, it } from 'vitest';
import { defaultCrypto } from '../crypto/select.js';
import { identityFromSeed } from '../identity/identity.js';
import { delegateToken, issueToken } from '../rune/index.js';
import { PublishRefusedError } from './errors.js';
import { chunkContent } from './manifest.js';
import { CONTENT_RESOURCE_PREFIX, PUBLISH_ABILITY, publishAuthorizer } from './publish-policy.js';
import { Saga } from './saga.js';
import { buildDoubleSagas, testBytes } from './testing.test-util.js';

const authority = identityFromSeed(new Uint8Array(32).fill(7));
const stranger = identityFromSeed(new Uint8Array(32).fill(8));
const NOW = 1_800_000_000_000;

describe('publishing under a capability', () => {
  it('publishes with a valid token, refuses without one or with a bad one, storing nothing', async () => {
    const { nodes, run } = await buildDoubleSagas('saga-policy', 2);
    const node = nodes[0]!;
    const other = nodes[1]!;
    const authorize = publishAuthorizer({ trust: [authority.nodeId] }, node.identity.nodeId, () => NOW);
    const saga = new Saga(
      {
        runtime: node.sim.runtime,
        streams: { handle() {}, unhandle() {}, openStream: () => Promise.reject(new Error('unused')) },
        routing: { addProvider: async () => ({ stored: 0, attempted: 0 }), findProviders: async () => [] },
        selfId: node.id,
      },
      { authorizePublish: authorize },
    );
    saga.start();
    const data = testBytes(5000, 1);
    const grant = (
      audience = node.identity.nodeId,
      over = { notBeforeMs: NOW - 1000, expiresMs: NOW + 60_000 },
    ) =>
      issueToken(authority, {
        audience,
        resources: [`${CONTENT_RESOURCE_PREFIX}*`],
        abilities: [PUBLISH_ABILITY],
        ...over,
      });
    const refused = async (token: string | undefined, code: string) => {
      const err = await run(saga.publish(data, token === undefined ? {} : { token })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, code).toBeInstanceOf(PublishRefusedError);
      expect((err as PublishRefusedError).code).toBe(code);
      expect(saga.store.usedBytes).toBe(0);
    };
    await refused(undefined, 'missing');
    await refused(grant(other.identity.nodeId).toText(), 'wrong-audience');
    await refused(
      grant(undefined, { notBeforeMs: NOW - 120_000, expiresMs: NOW - 60_000 }).toText(),
      'expired',
    );
    await refused(
      issueToken(stranger, {
        audience: node.identity.nodeId,
        resources: ['saga:content/*'],
        abilities: [PUBLISH_ABILITY],
        notBeforeMs: 0,
        expiresMs: NOW + 1,
      }).toText(),
      'untrusted-issuer',
    );
    const otherCid = chunkContent(defaultCrypto(), testBytes(10, 2)).root;
    const narrow = delegateToken(grant(), node.identity, {
      audience: node.identity.nodeId,
      resources: [`${CONTENT_RESOURCE_PREFIX}${otherCid}`],
    });
    await refused(narrow.toText(), 'not-granted');
    await refused('rune-token-1:garbage', 'malformed');
    const ok = await run(saga.publish(data, { token: grant().toText() }));
    expect(ok.cid.equals(chunkContent(defaultCrypto(), data).root)).toBe(true);
    expect(saga.store.usedBytes).toBeGreaterThan(0);
  });
});
