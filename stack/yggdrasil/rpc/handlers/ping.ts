/** PING -> PONG: liveness and round-trip time. Nothing else happens. */
import type { PingMessage, PongMessage } from '../messages.js';

export function handlePing(req: PingMessage): PongMessage {
  return { type: 'pong', id: req.id };
}
