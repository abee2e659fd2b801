/**
 * The seen-cache (message ids we have handled, so a copy is a duplicate, not a new message) and
 * the message cache (messages of the last few heartbeats, advertised in IHAVE and served on
 * IWANT). Both are Maps in insertion order, which is time order, so expiry walks from the front.
 */
import type { PubsubMessage } from './message.js';

export class SeenCache {
  private readonly expiry = new Map<string, number>();
  /** Ids that failed verification or validation: a copy of one is invalid input again. */
  private readonly bad = new Set<string>();

  constructor(private readonly ttlMs: number) {}

  has(id: string): boolean {
    return this.expiry.has(id);
  }

  add(id: string, nowMs: number): void {
    this.expiry.set(id, nowMs + this.ttlMs);
  }

  markBad(id: string): void {
    if (this.expiry.has(id)) this.bad.add(id);
  }

  isBad(id: string): boolean {
    return this.bad.has(id);
  }

  sweep(nowMs: number): void {
    for (const [id, at] of this.expiry) {
      if (at > nowMs) break;
      this.expiry.delete(id);
      this.bad.delete(id);
    }
  }

  get size(): number {
    return this.expiry.size;
  }
}

export class MessageCache {
  private readonly msgs = new Map<string, PubsubMessage>();
  /** Ids per heartbeat window, newest first. */
  private windows: string[][] = [[]];

  constructor(
    private readonly gossipWindows: number,
    private readonly historyWindows: number,
  ) {}

  put(m: PubsubMessage): void {
    if (this.msgs.has(m.id)) return;
    this.msgs.set(m.id, m);
    this.windows[0]!.push(m.id);
  }

  get(id: string): PubsubMessage | undefined {
    return this.msgs.get(id);
  }

  /** Ids of the recent windows for a topic, oldest first. */
  gossipIds(topic: string): string[] {
    const out: string[] = [];
    for (let w = Math.min(this.gossipWindows, this.windows.length) - 1; w >= 0; w--) {
      for (const id of this.windows[w]!) if (this.msgs.get(id)?.topic === topic) out.push(id);
    }
    return out;
  }

  /** Start a new window; forget the messages of the oldest beyond historyWindows. */
  shift(): void {
    this.windows.unshift([]);
    while (this.windows.length > this.historyWindows) {
      for (const id of this.windows.pop()!) this.msgs.delete(id);
    }
  }
}

/**
 * Digests (full SHA-256 of the encoding) of messages whose signature has been checked, for
 * PubSub instances that share one process and one trust domain: the simulator's nodes. A node
 * still checks every new message before it forwards it; when another node of the same process
 * already verified exactly these bytes, the check is this lookup instead of a second Ed25519
 * verification. Only good signatures are kept. A real node needs none (it has one PubSub).
 */
export class VerifiedMessages {
  private readonly digests = new Set<string>();

  constructor(private readonly max = 65_536) {}

  has(digest: string): boolean {
    return this.digests.has(digest);
  }

  add(digest: string): void {
    if (this.digests.size >= this.max) this.digests.delete(this.digests.values().next().value as string);
    this.digests.add(digest);
  }
}
