/** The TUN port of a ValhallaNode: its application-stream API, its DHT's lookup, its Veil's secure. */
import type { ValhallaNode } from '../node/index.js';
import type { TunNodePort } from './port.js';

export function tunPortOf(node: ValhallaNode): TunNodePort {
  return {
    nodeId: node.identity.nodeId,
    handle: (protocol, handler) => node.handle(protocol, handler),
    unhandle: (protocol) => node.unhandle(protocol),
    openStream: (peer, protocol, opts) => node.openStream(peer, protocol, opts),
    connectedPeers: () => node.connectedPeers(),
    lookup: (target) => node.dht.lookup(target),
    secure: (conn, role, opts) => node.veil.secure(conn, role, opts),
  };
}
