/**
 * One pub/sub peer: the stream we write on (opened by us on demand, at most one), the streams it
 * opened to us (we only read those), the topics it announced, and the limits we keep for it: a
 * token bucket for messages, a count of invalid input, IWANT replies per id, and a bound on bytes
 * queued while its stream is congested or still opening.
 */
import type { NodeId } from '../../identity/node-id.js';
import type { Connection, Runtime } from '../../runtime.js';
import { frame } from '../frames.js';
import type { RealmNode } from '../node-port.js';
import { PUBSUB_PROTOCOL } from './constants.js';

export interface PeerLimits {
  maxQueuedBytes: number;
  openTimeoutMs: number;
  peerMsgsPerSecond: number;
  peerMsgsBurst: number;
}

export class Peer {
  readonly id: string;
  out: Connection | undefined;
  private opening = false;
  private congested = false;
  private queue: Uint8Array[] = [];
  private queuedBytes = 0;
  readonly inbound = new Set<Connection>();
  readonly topics = new Set<string>();
  invalid = 0;
  readonly iwantServed = new Map<string, number>();
  private tokens: number;
  private refilledAtMs: number;
  closed = false;

  constructor(
    readonly nodeId: NodeId,
    private readonly runtime: Runtime,
    private readonly limits: PeerLimits,
    /** Frames to send first on a new stream (our subscriptions). */
    private readonly hello: () => Uint8Array | undefined,
    private readonly onGone: (peer: Peer, why: string) => void,
  ) {
    this.id = nodeId.toString();
    this.tokens = limits.peerMsgsBurst;
    this.refilledAtMs = runtime.clock.now();
  }

  /** Take one message token; false when the peer exceeds its rate. */
  takeToken(): boolean {
    const now = this.runtime.clock.now();
    const { peerMsgsPerSecond: rate, peerMsgsBurst: burst } = this.limits;
    this.tokens = Math.min(burst, this.tokens + ((now - this.refilledAtMs) * rate) / 1000);
    this.refilledAtMs = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** Queue one frame body; opens our stream if there is none. False when dropped (over the bound). */
  send(body: Uint8Array, node: RealmNode): boolean {
    if (this.closed) return false;
    const bytes = frame(body);
    if (this.out && !this.congested) {
      if (!this.out.write(bytes)) this.congested = true;
      this.runtime.metrics.count('pubsub.bytes_out', bytes.length);
      return true;
    }
    if (this.queuedBytes + bytes.length > this.limits.maxQueuedBytes) {
      this.runtime.metrics.count('pubsub.dropped_queue_full');
      return false;
    }
    this.queue.push(bytes);
    this.queuedBytes += bytes.length;
    if (!this.out) this.open(node);
    return true;
  }

  /** Open our stream now if there is none (announces our subscriptions). */
  open(node: RealmNode): void {
    if (this.out || this.opening || this.closed) return;
    this.opening = true;
    node.openStream(this.nodeId, PUBSUB_PROTOCOL, { timeoutMs: this.limits.openTimeoutMs }).then(
      (conn) => {
        this.opening = false;
        if (this.closed) {
          conn.close();
          return;
        }
        this.out = conn;
        conn.setHandler({
          onData: () => undefined, // the peer writes on its own stream, never on ours
          onDrain: () => this.flush(),
          onEnd: () => conn.end(),
          onClose: () => {
            if (this.out !== conn) return;
            this.out = undefined;
            this.congested = false;
            if (this.inbound.size === 0) this.onGone(this, 'stream closed');
          },
        });
        const hello = this.hello();
        if (hello) {
          const bytes = frame(hello);
          this.queue.unshift(bytes);
          this.queuedBytes += bytes.length;
        }
        this.flush();
      },
      (err: Error) => {
        this.opening = false;
        this.queue = [];
        this.queuedBytes = 0;
        this.runtime.metrics.count('pubsub.open_failed');
        if (this.inbound.size === 0) this.onGone(this, `open failed: ${err.name}`);
      },
    );
  }

  private flush(): void {
    this.congested = false;
    const out = this.out;
    if (!out || out.closed) return;
    while (this.queue.length > 0) {
      const bytes = this.queue.shift()!;
      this.queuedBytes -= bytes.length;
      this.runtime.metrics.count('pubsub.bytes_out', bytes.length);
      if (!out.write(bytes)) {
        this.congested = true;
        return;
      }
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.queuedBytes = 0;
    this.out?.close();
    for (const s of this.inbound) s.close();
  }
}
