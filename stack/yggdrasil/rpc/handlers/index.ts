/** Dispatch of a decoded request to its handler (one file per message type). */
import type { PeerSession } from '../../sessions.js';
import type { RequestMessage, ResponseMessage } from '../messages.js';
import { handleAddProvider } from './add-provider.js';
import type { HandlerContext } from './context.js';
import { handleFindNode } from './find-node.js';
import { handleGetProviders } from './get-providers.js';
import { handleGetValue } from './get-value.js';
import { handlePing } from './ping.js';
import { handlePutValue } from './put-value.js';

export type { HandlerContext } from './context.js';

export function handleRequest(ctx: HandlerContext, ps: PeerSession, req: RequestMessage): ResponseMessage {
  switch (req.type) {
    case 'ping':
      return handlePing(req);
    case 'find-node':
      return handleFindNode(ctx, ps, req);
    case 'get-value':
      return handleGetValue(ctx, ps, req);
    case 'put-value':
      return handlePutValue(ctx, req);
    case 'add-provider':
      return handleAddProvider(ctx, req);
    case 'get-providers':
      return handleGetProviders(ctx, ps, req);
  }
}
