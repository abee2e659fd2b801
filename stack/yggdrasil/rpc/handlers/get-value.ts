/**
 * GET_VALUE(key) -> VALUE: the record we hold for key (unexpired), or none, plus the k closest
 * peers we know to key so the asker can go on looking.
 */
import type { PeerSession } from '../../sessions.js';
import { toHex } from '../bytes.js';
import type { GetValueMessage, ValueMessage } from '../messages.js';
import type { HandlerContext } from './context.js';

export function handleGetValue(ctx: HandlerContext, ps: PeerSession, req: GetValueMessage): ValueMessage {
  const keyHex = toHex(req.key);
  const held = ctx.store.getValue(keyHex, ctx.runtime.clock.wallNow());
  const own = ctx.ownValue(keyHex);
  const record = own && (!held || own.seq >= held.seq) ? own : held;
  return { type: 'value', id: req.id, record, contacts: ctx.closestContacts(req.key, ps) };
}
