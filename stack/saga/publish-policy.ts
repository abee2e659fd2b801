/**
 * The publishing boundary: a node may be configured to publish only under a Rune capability.
 * With trusted issuers set, every publish must come with a token granting ability `saga/publish`
 * on resource `saga:content/<cid>` (a grant of `saga:content/*` covers any CID) to this node, from
 * a chain rooted at one of those issuers, valid now. Anything else is refused with
 * PublishRefusedError, whose `code` is Rune's refusal code ('missing' when no token came).
 */
import type { CID } from 'multiformats/cid';
import type { NodeId } from '../identity/node-id.js';
import { authorize, type RevocationSet, TokenRefusedError } from '../rune/index.js';
import { PublishRefusedError } from './errors.js';

export const PUBLISH_ABILITY = 'saga/publish';
export const CONTENT_RESOURCE_PREFIX = 'saga:content/';

export interface PublishPolicy {
  /** Root issuers whose publish grants this node accepts. */
  trust: readonly NodeId[];
  revocations?: RevocationSet;
}

export type PublishAuthorizer = (req: { cid: CID; token?: string | Uint8Array }) => void;

/** The check a Saga with this policy runs before it stores or announces anything. */
export function publishAuthorizer(
  policy: PublishPolicy,
  self: NodeId,
  wallNow: () => number,
): PublishAuthorizer {
  return ({ cid, token }) => {
    if (token === undefined) {
      throw new PublishRefusedError(
        `publishing here needs a capability token (ability ${PUBLISH_ABILITY} on ${CONTENT_RESOURCE_PREFIX}*) granted to ${self} by a trusted issuer`,
        'missing',
      );
    }
    try {
      authorize({
        token,
        invoker: self,
        resource: `${CONTENT_RESOURCE_PREFIX}${cid}`,
        ability: PUBLISH_ABILITY,
        nowMs: wallNow(),
        trust: policy.trust,
        ...(policy.revocations ? { revocations: policy.revocations } : {}),
      });
    } catch (err) {
      if (err instanceof TokenRefusedError) {
        throw new PublishRefusedError(`publish refused (${err.code}): ${err.message}`, err.code);
      }
      throw err;
    }
  };
}
