/** FIND_NODE(target) -> NODES: the k closest peers we know to target (never the asker itself). */
import type { PeerSession } from '../../sessions.js';
import type { FindNodeMessage, NodesMessage } from '../messages.js';
import type { HandlerContext } from './context.js';

export function handleFindNode(ctx: HandlerContext, ps: PeerSession, req: FindNodeMessage): NodesMessage {
  return { type: 'nodes', id: req.id, contacts: ctx.closestContacts(req.target, ps) };
}
