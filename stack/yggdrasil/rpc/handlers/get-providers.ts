/** GET_PROVIDERS(key) -> PROVIDERS: unexpired provider records for key, and closer peers. */
import type { PeerSession } from '../../sessions.js';
import { toHex } from '../bytes.js';
import type { GetProvidersMessage, ProvidersMessage } from '../messages.js';
import type { HandlerContext } from './context.js';

export function handleGetProviders(
  ctx: HandlerContext,
  ps: PeerSession,
  req: GetProvidersMessage,
): ProvidersMessage {
  const keyHex = toHex(req.key);
  const providers = ctx.store.getProviders(keyHex, ctx.runtime.clock.wallNow(), ctx.maxProviders);
  const own = ctx.ownProvider(keyHex);
  if (
    own &&
    providers.length < ctx.maxProviders &&
    !providers.some((p) => p.providerIdHex === own.providerIdHex)
  ) {
    providers.push(own);
  }
  return { type: 'providers', id: req.id, providers, contacts: ctx.closestContacts(req.key, ps) };
}
