/**
 * Messages between nodes, addressed by number rather than by object.
 *
 * Everything one node does to another goes through an event the sender schedules and the receiver
 * handles on its own state: segments and acknowledgements for a connection end (an Arrival, or the
 * end itself once the sender has found it on the same thread), and the rarer control messages
 * below (SYN, SYN-ACK, refusal, a reset from the network). Addressing by (host index, end key or
 * connection id) is what lets a partitioned simulation carry the same message to another worker:
 * there the receiver's objects exist and the sender's do not. The receiving side behaves the same
 * whether the message was scheduled locally or imported, because it only ever reads these fields.
 */
import { ConnectionResetError } from '../stack/runtime.js';
import { answerSyn, dialAnswered } from './dial.js';
import type { Fireable } from './event-queue.js';
import type { Fabric } from './fabric.js';
import type { HostState } from './host.js';

/** Control message types (on the wire between workers too). */
export const MSG_SYN = 1; // a: connection id, b: dialing host, c: its port, d: the port dialed
export const MSG_SYN_ACK = 2; // a: connection id, b: the accepting host
export const MSG_REFUSED = 3; // a: connection id, b: the refusing host
export const MSG_RESET = 4; // a: end key, b: reason (RESET_REASONS index)

/** Why the network reset a connection end; the index travels in MSG_RESET. */
export const RESET_REASONS = [
  'connection reset by peer',
  'connection reset by peer (peer crashed)',
  'connection timed out: retransmissions failed',
  'connection timed out: path cut by a partition',
] as const;
export const REASON_RESET = 0;
export const REASON_PEER_CRASHED = 1;
export const REASON_RETRANSMISSIONS = 2;
export const REASON_PARTITION = 3;

/** A connection end's key in its host's table: client side 0, server side 1. */
export function endKey(connectionId: number, side: 0 | 1): number {
  return connectionId * 2 + side;
}

/** A connection-setup or reset message for host `to`. */
export class NetMessage implements Fireable {
  constructor(
    readonly fabric: Fabric,
    readonly type: number,
    readonly to: number,
    readonly a: number,
    readonly b = 0,
    readonly c = 0,
    readonly d = 0,
  ) {}

  fire(): number {
    const host = this.fabric.hosts[this.to]!;
    switch (this.type) {
      case MSG_SYN:
        answerSyn(this.fabric, host, this.a, this.fabric.hosts[this.b]!, this.c, this.d);
        break;
      case MSG_SYN_ACK:
      case MSG_REFUSED:
        dialAnswered(this.fabric, host, this.a, this.fabric.hosts[this.b]!, this.type === MSG_SYN_ACK);
        break;
      case MSG_RESET:
        host.conns.get(this.a)?.resetByNetwork(new ConnectionResetError(RESET_REASONS[this.b]!));
        break;
    }
    return 0;
  }
}

/**
 * A segment or acknowledgement for an end the sender could not hold a reference to (it lives in
 * another worker, or it is not registered yet: the server's first bytes leave before the dialer
 * has its end). The end is looked up when the event fires; if it is gone, the arrival is dropped,
 * exactly as a finished end would ignore it, and hashed with the same size.
 */
export class Arrival implements Fireable {
  constructor(
    private readonly host: HostState,
    private readonly key: number,
  ) {}

  fire(arg: unknown): number {
    const end = this.host.conns.get(this.key);
    if (end !== undefined) return end.fire(arg);
    return typeof arg === 'number' ? 0 : (arg as Uint8Array).length;
  }
}
