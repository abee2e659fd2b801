import { LiveRng } from '../../live/rng.js';
import { delegateToken, verifyToken } from '../../stack/rune/index.js';
import { requireString } from '../args.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { readIdentityFile } from '../identity-file.js';
import {
  keyValueFlag,
  listFlag,
  mapRefusals,
  optionalTime,
  parseNodeId,
  readTokenFile,
  wallNowMs,
} from '../token-common.js';
import { emitToken, expiryFlag, GRANT_FLAGS, NONCE_BYTES, TIME_DETAILS } from './token-issue.js';

export const command: Command = {
  spec: {
    name: 'token delegate',
    summary: 'extend a token you hold by one link to another node, granting the same or less',
    usage:
      'valhalla token delegate --identity FILE --parent TOKENFILE --audience NODEID [--resource R ...] [--ability A ...] [--caveat K=V ...] [--not-before T] [--expires T | --ttl D] [-o FILE]',
    flags: {
      identity: { type: 'string', arg: 'FILE', help: "the delegator: must be the parent token's holder" },
      parent: { type: 'string', arg: 'TOKENFILE', help: 'the token to delegate from ("-" for stdin)' },
      ...GRANT_FLAGS,
    },
    details: `Whatever is not given is inherited from the parent: resources, abilities, caveats (new ones are
added to the parent's, which cannot be changed or dropped), not-before and expiry. A delegation may
only narrow: a resource or ability outside the parent's, a changed or dropped caveat, or a longer
window is refused (exit 1) with what widened. The parent is checked first (it must not have expired).
${TIME_DETAILS}`,
  },
  async run(parsed, io) {
    const identity = readIdentityFile(requireString(parsed, 'identity', this.spec));
    const parent = readTokenFile(requireString(parsed, 'parent', this.spec));
    const audience = parseNodeId(requireString(parsed, 'audience', this.spec), 'audience');
    const nowMs = wallNowMs();
    // A parent that is not valid yet may still be delegated (grants made ahead of time); one that
    // has expired, is broken or was tampered with may not.
    mapRefusals(() => verifyToken(parent, { nowMs: Math.max(nowMs, parent.leaf.notBeforeMs) }), {
      expired: 'The parent token has expired: ask its issuer for a new one.',
    });
    const resources = listFlag(parsed, 'resource');
    const abilities = listFlag(parsed, 'ability');
    const notBeforeMs = optionalTime(parsed, 'not-before', nowMs);
    const expiresMs = expiryFlag(parsed, notBeforeMs ?? Math.max(nowMs, parent.leaf.notBeforeMs), nowMs);
    if (!identity.nodeId.equals(parent.holder)) {
      throw new UsageError(
        `the parent token is held by ${parent.holder}, not by ${identity.nodeId} (the identity in --identity): only its holder can delegate it`,
      );
    }
    const token = mapRefusals(
      () =>
        delegateToken(parent, identity, {
          audience,
          ...(resources.length > 0 ? { resources } : {}),
          ...(abilities.length > 0 ? { abilities } : {}),
          caveats: keyValueFlag(parsed, 'caveat'),
          ...(notBeforeMs !== undefined ? { notBeforeMs } : {}),
          ...(expiresMs !== undefined ? { expiresMs } : {}),
          nonce: new LiveRng().bytes(NONCE_BYTES),
        }),
      {
        widened:
          "A delegation can only narrow: pick resources and abilities within the parent's (see valhalla token inspect), keep its caveats, and stay inside its window.",
      },
    );
    emitToken(parsed, io, token);
    return 0;
  },
};
