/**
 * The relay side of a circuit (conformance/spec/tun.md §4): read the request, refuse loops and
 * spent hop limits, and either end the circuit here (we are the destination: a Veil handshake
 * runs over the stream, end to end with the source) or extend it one hop and splice the two
 * streams. A relay learns the destination's address (120 bits of its NodeID), the previous and next hop,
 * nothing else.
 */
import type { NodeId } from '../identity/node-id.js';
import type { Connection } from '../runtime.js';
import { decodeRelayRequest, RELAY_REQUEST_LEN, RelayStatus } from './codec.js';
import { MAX_RELAYED_CIRCUITS, RELAY_HEADER_TIMEOUT_MS } from './constants.js';
import { HeadReader, splice } from './head-reader.js';
import { ownsPrefix, type TunService } from './service.js';

export async function acceptRelay(svc: TunService, stream: Connection, from: NodeId): Promise<void> {
  const { runtime, node } = svc.components;
  const { log } = runtime;
  const h = new HeadReader(stream);
  const refuse = (status: RelayStatus): void => {
    svc.count(`relay.refused.${status}`);
    if (!h.closed) {
      h.write(Uint8Array.of(status));
      h.end();
    }
  };
  let req: ReturnType<typeof decodeRelayRequest>;
  try {
    req = decodeRelayRequest(await h.read(RELAY_REQUEST_LEN, runtime.clock, RELAY_HEADER_TIMEOUT_MS));
  } catch (err) {
    svc.count('relay.bad_request');
    h.close(err as Error);
    return;
  }
  if (!svc.rememberCircuit(req.circuitId)) return refuse(RelayStatus.LOOP);
  const prefix = req.destination;
  if (ownsPrefix(node.nodeId, prefix)) {
    h.write(Uint8Array.of(RelayStatus.OK));
    try {
      const session = await node.secure(h, 'responder');
      session.onStream = (s) => {
        const route = svc.adopt(s, session.remoteNodeId, 'relay', false, session);
        session.onClose = () => route.stream.close();
      };
      svc.count('relay.terminated');
    } catch (err) {
      log.debug('tun: end-to-end handshake on a circuit failed', { error: (err as Error).message });
    }
    return;
  }
  if (!svc.opts.relay) return refuse(RelayStatus.UNREACHABLE);
  if (svc.relaying >= MAX_RELAYED_CIRCUITS) return refuse(RelayStatus.BUSY);
  if (req.hopLimit <= 1) return refuse(RelayStatus.HOP_LIMIT);
  // Straight to the owner when we have or can find it, else one hop closer by XOR.
  const owner = await svc.findOwner(prefix);
  const hops = [
    ...(owner ? [owner] : []),
    ...svc.relayCandidates(prefix, from).filter((p) => !owner?.equals(p)),
  ];
  let next: HeadReader;
  try {
    next = await svc.circuitVia(hops, prefix, req.hopLimit - 1, req.circuitId);
  } catch {
    return refuse(RelayStatus.UNREACHABLE);
  }
  if (h.closed) {
    next.close();
    return;
  }
  h.write(Uint8Array.of(RelayStatus.OK));
  svc.relaying++;
  svc.count('relay.spliced');
  splice(h, next, () => svc.relaying--);
}
