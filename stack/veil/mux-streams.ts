/**
 * The Mux's table of open streams and the stream id rules (conformance/spec/veil-mux.md §2):
 * odd ids for the dialer, even for the listener, strictly increasing per side, never reused. It
 * decides for every id the peer mentions whether it is open, closed (frames for it are ignored:
 * they can cross an RST in flight), or one the peer could not know yet (a violation).
 */

import { MAX_STREAM_ID, type MuxFrameType, muxFrameTypeName } from './mux-constants.js';
import { MuxStreamIdError, MuxUsageError } from './mux-errors.js';
import type { MuxStream } from './stream.js';

export class StreamTable {
  /** Open streams by id, in opening order (deterministic iteration for close()). */
  private readonly streams = new Map<number, MuxStream>();
  private nextLocalId: number;
  private lastPeerId = 0;
  /** Open streams the peer opened: what maxStreams limits. */
  inbound = 0;

  constructor(readonly initiator: boolean) {
    this.nextLocalId = initiator ? 1 : 2;
  }

  get size(): number {
    return this.streams.size;
  }

  values(): IterableIterator<MuxStream> {
    return this.streams.values();
  }

  clear(): void {
    this.streams.clear();
    this.inbound = 0;
  }

  /** The id for a stream this side opens. */
  allocateLocalId(): number {
    if (this.nextLocalId > MAX_STREAM_ID) {
      throw new MuxUsageError('no stream ids left on this session: open a new session');
    }
    const id = this.nextLocalId;
    this.nextLocalId += 2;
    return id;
  }

  add(stream: MuxStream): void {
    this.streams.set(stream.id, stream);
    if (!stream.local) this.inbound++;
  }

  remove(stream: MuxStream): void {
    if (this.streams.delete(stream.id) && !stream.local) this.inbound--;
  }

  /** Check an OPEN from the peer and record its id (refused or not, the id is used up). */
  acceptOpen(id: number): void {
    if (this.isLocalId(id)) {
      const ours = this.initiator ? 'odd: we dialed' : 'even: we accepted';
      throw new MuxStreamIdError(
        `OPEN for stream ${id}, which has our parity (${ours}); do both sides pass the same MuxInit.initiator?`,
      );
    }
    if (id <= this.lastPeerId) {
      throw new MuxStreamIdError(
        `OPEN for stream ${id}, not above the peer's last stream ${this.lastPeerId}`,
      );
    }
    this.lastPeerId = id;
  }

  /**
   * The open stream `id` refers to, or undefined for a closed id. Throws for ids the peer cannot
   * know: not yet opened by the peer, or ours but not yet announced with OPEN.
   */
  lookup(id: number, type: MuxFrameType): MuxStream | undefined {
    const stream = this.streams.get(id);
    if (stream !== undefined && !stream.openPending) return stream;
    const neverOpened =
      stream !== undefined || (this.isLocalId(id) ? id >= this.nextLocalId : id > this.lastPeerId);
    if (neverOpened) {
      throw new MuxStreamIdError(`${muxFrameTypeName(type)} for stream ${id}, which was never opened`);
    }
    return undefined;
  }

  private isLocalId(id: number): boolean {
    return (id % 2 === 1) === this.initiator;
  }
}
