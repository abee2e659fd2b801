/**
 * Node lookup: the iterative FIND_NODE search for a target id. A lookup "finds" a node only if
 * that node itself answered during the lookup (so a found peer is alive and reachable now, not
 * merely listed by someone); its record is the one it sent us in its HELLO.
 */
import type { DhtCore } from '../core.js';
import type { PeerRecord } from '../records/peer-record.js';
import { toHex } from '../rpc/bytes.js';
import type { LookupOutcome } from './lookup.js';

export interface NodeLookupResult extends LookupOutcome {
  found: boolean;
  peer?: PeerRecord;
}

export async function findNode(core: DhtCore, target: Uint8Array): Promise<NodeLookupResult> {
  const outcome = await core.runLookup(
    target,
    async (peer) => {
      const res = await core.query(peer, { type: 'find-node', target });
      core.offerContacts(res.contacts);
      return { contacts: res.contacts };
    },
    core.opts.beta,
    true,
  );
  const targetHex = toHex(target);
  const hit = outcome.closest.find((r) => r.idHex === targetHex);
  const peer = hit ? (core.pool.get(targetHex)?.record ?? hit) : undefined;
  return { ...outcome, found: hit !== undefined, peer };
}
