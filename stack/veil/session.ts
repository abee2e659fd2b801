/**
 * An authenticated, encrypted Veil session over one connection (conformance/spec/veil.md §5).
 * Each Bifrost TRANSPORT frame is one Noise transport message carrying one plaintext mux message;
 * application bytes only ever travel inside mux streams.
 *
 * Hot path, per message: one AEAD call and one write. The AEAD encrypts straight into the frame
 * behind its 6-byte header, in an array reused once the connection has let go of it (frame-pool.ts).
 * An AEAD that can only hand out fresh arrays (node:crypto's Cipher objects, sealParts) sends a
 * large message as header, ciphertext and tag in one writev instead. No copy beyond what the
 * AEAD itself makes. Received frames are borrowed from the connection's read buffer and decrypted
 * at once (FramedConnection.borrowPayloads), a large one into an array the session reuses: the
 * mux copies DATA out of it unless the stream's handler borrows chunks too (Mux.receive).
 * Each direction rekeys after a fixed count of messages, the count the sender announced in its
 * handshake payload, so no signalling is needed.
 */

import { encodeHeader } from '../bifrost/codec.js';
import { FrameType, HEADER_SIZE, MAX_FRAME_SIZE } from '../bifrost/constants.js';
import type { FramedConnection, FramedHandler } from '../bifrost/framed-connection.js';
import type { NodeId } from '../identity/node-id.js';
import type { Address, Connection, Logger, Metrics } from '../runtime.js';
import type { AuthenticatedPeer } from './auth.js';
import { VeilProtocolError, VeilStateError } from './errors.js';
import { FramePool } from './frame-pool.js';
import type { HandshakeResult } from './handshake.js';
import { Mux, type MuxInit } from './mux.js';
import { MAX_PLAINTEXT_LEN, TAG_LEN } from './noise/cipher-state.js';
import type { MuxStream } from './stream.js';
import { TransportCipher } from './transport.js';

/**
 * Messages at least this large go out as header + ciphertext + tag in one writev when the
 * connection offers it; smaller ones are cheaper copied into one array than handled as three.
 */
const WRITEV_FROM_BYTES = 4096;
/** Received messages at least this large are decrypted into the session's reused array. */
const RECEIVE_BUFFER_FROM_BYTES = 16 * 1024;

export interface SessionParams {
  /** Messages this side sends per key; announced to the peer in our payload. */
  rekeyAfterMessages: number;
  mux?: MuxInit;
  log: Logger;
  metrics: Metrics;
  /** Told once when the session has closed (the Veil stops tracking it). */
  onGone?: (session: VeilSession) => void;
}

export class VeilSession {
  readonly remoteNodeId: NodeId;
  /** The peer's Ed25519 identity key. */
  readonly remoteIdentityKey: Uint8Array;
  /** The peer's Noise static key, as authenticated by the handshake. */
  readonly remoteStaticKey: Uint8Array;
  /** Addresses the peer said it listens on (unauthenticated claims, signed by nothing but the channel). */
  readonly remoteListenAddrs: readonly Address[];
  /** The Noise handshake hash: identical on both sides, unique to this session (channel binding). */
  readonly handshakeHash: Uint8Array;
  readonly initiator: boolean;
  /** Called once, last, when the session has closed: err is why, undefined for an orderly close. */
  onClose: ((err?: Error) => void) | undefined;

  private readonly framed: FramedConnection;
  /** The connection under framed, for the two-chunk transport writes. */
  private readonly conn: Connection;
  private readonly send: TransportCipher;
  private readonly recv: TransportCipher;
  private readonly frames: FramePool;
  /** Where large messages are decrypted, reused for each (see onFrame). */
  private plaintextBuffer: Uint8Array | undefined;
  private readonly mux: Mux;
  private readonly params: SessionParams;
  private streamHandler: ((stream: MuxStream) => void) | undefined;
  /** Inbound streams that arrived before onStream was set (a dialer sets it after await). */
  private unclaimed: MuxStream[] = [];
  private closing = false;
  private isClosed = false;

  constructor(result: HandshakeResult, params: SessionParams) {
    const peer: AuthenticatedPeer = result.peer;
    this.remoteNodeId = peer.nodeId;
    this.remoteIdentityKey = peer.identityKey;
    this.remoteStaticKey = peer.staticKey;
    this.remoteListenAddrs = peer.listenAddrs;
    this.handshakeHash = result.keys.handshakeHash;
    this.initiator = result.role === 'initiator';
    this.framed = result.framed;
    this.conn = result.conn;
    // Each direction follows the interval its sender announced: ours for send, the peer's for receive.
    this.send = new TransportCipher(result.keys.send, params.rekeyAfterMessages);
    this.recv = new TransportCipher(result.keys.recv, peer.rekeyAfterMessages);
    this.frames = new FramePool(this.conn, MAX_FRAME_SIZE);
    this.params = params;
    // The mux's stream-id parity must follow the Noise roles, whatever the caller's mux options say.
    this.mux = new Mux(
      {
        send: (msg: Uint8Array) => this.sendMessage(msg),
        // sendMessage encrypts the message before it returns and never keeps it.
        sendConsumesMessage: true,
        log: params.log,
        metrics: params.metrics,
      },
      { ...params.mux, initiator: this.initiator },
    );
    this.mux.onStream = (stream: MuxStream) => this.acceptStream(stream);
    const handler: FramedHandler = {
      onFrame: (type, payload) => this.onFrame(type, payload),
      onDrain: () => this.mux.drained(),
      onEnd: () => this.close(),
      onClose: (err) => this.onConnectionClose(err),
    };
    // onFrame decrypts every payload into a new array at once and keeps no reference to it.
    this.framed.borrowPayloads();
    this.framed.setHandler(handler);
  }

  get localAddr(): Address {
    return this.framed.localAddr;
  }

  get remoteAddr(): Address {
    return this.framed.remoteAddr;
  }

  /** How many times each direction has rekeyed so far (spec §5.2). */
  get rekeys(): { send: number; recv: number } {
    return { send: this.send.rekeys, recv: this.recv.rekeys };
  }

  /** True once close() was called or the connection went away. */
  get closed(): boolean {
    return this.closing || this.isClosed;
  }

  /**
   * Streams the peer opens (stream.protocol names the protocol, '' = the DHT; a protocol stream
   * must be accept()ed or refuse()d). Streams that arrived before this was set are delivered on
   * setting it.
   */
  get onStream(): ((stream: MuxStream) => void) | undefined {
    return this.streamHandler;
  }

  set onStream(handler: ((stream: MuxStream) => void) | undefined) {
    this.streamHandler = handler;
    if (handler === undefined) return;
    const waiting = this.unclaimed;
    this.unclaimed = [];
    for (const stream of waiting) handler(stream);
  }

  /**
   * A new outbound stream for protocol ('' or omitted: the DHT). Throws VeilStateError once the
   * session is closed, MuxUsageError for a protocol id that is not 1..255 printable ASCII
   * characters. stream.whenAccepted() settles when the peer takes or refuses it.
   */
  openStream(protocol = ''): MuxStream {
    if (this.closed) throw new VeilStateError(`session with ${this.remoteNodeId.toString()} is closed`);
    return this.mux.openStream(protocol);
  }

  /**
   * Close the session and every stream. Without err, bytes already queued are flushed first;
   * with err the connection is reset. onClose fires later, once. Idempotent.
   */
  close(err?: Error): void {
    if (this.closed) return;
    this.closing = true;
    this.mux.close(err);
    this.framed.close(err);
  }

  /** Encrypt one mux message into one TRANSPORT frame. Returns the connection's backpressure signal. */
  private sendMessage(plaintext: Uint8Array): boolean {
    // The connection can be closed a moment before we hear of it (a framing error closes it from
    // inside FramedConnection; our onClose comes a turn later): drop rather than throw into the mux.
    if (this.closed || this.conn.closed) return false;
    // An AEAD that hands out its ciphertext in an array of its own anyway (sealParts: node:crypto's
    // Cipher objects), on a connection that can writev: header, ciphertext and tag as three chunks
    // in one system call, rather than copying them into a frame. The direct AEAD has no sealParts.
    if (plaintext.length >= WRITEV_FROM_BYTES && this.conn.writev !== undefined) {
      const parts = this.encrypt(() => this.send.encryptParts(plaintext));
      if (parts !== undefined) {
        const header = encodeHeader(FrameType.TRANSPORT, parts.ciphertext.length + parts.tag.length);
        return this.conn.writev([header, parts.ciphertext, parts.tag]);
      }
    }
    // One array per frame: the header, then the ciphertext encrypted in place behind it. One
    // write per frame matters: a separate 6-byte write costs a syscall and, with Nagle off, a
    // tiny segment the peer must wake up for (measured: twice the sender's kernel time). Large
    // frames reuse arrays the connection has let go of (frame-pool.ts).
    const frame = this.frames.take(HEADER_SIZE + plaintext.length + TAG_LEN);
    this.encrypt(() => this.send.encryptInto(plaintext, frame, HEADER_SIZE));
    encodeHeader(FrameType.TRANSPORT, frame.length - HEADER_SIZE, frame);
    return this.conn.write(frame);
  }

  /** Runs one encryption; a failure (nonce exhaustion, a message over the Noise limit) ends the session. */
  private encrypt<T>(seal: () => T): T {
    try {
      return seal();
    } catch (err) {
      this.close(err as Error);
      throw err;
    }
  }

  private onFrame(type: FrameType, payload: Uint8Array): void {
    if (this.closed) return;
    if (type !== FrameType.TRANSPORT) {
      this.close(new VeilProtocolError('a HANDSHAKE frame after the handshake completed'));
      return;
    }
    let plaintext: Uint8Array;
    try {
      // Large messages are decrypted into one reused array (the mux copies what a stream must
      // keep): warm memory costs less to fill than a fresh 64 KiB array (measured: ~15 us less
      // per message, plus the allocation). Small ones get their own, as a reused 64 KiB array for
      // every session that only exchanges DHT requests would be memory for nothing.
      plaintext =
        payload.length >= RECEIVE_BUFFER_FROM_BYTES
          ? this.recv.decryptInto(payload, this.receiveBuffer())
          : this.recv.decrypt(payload);
    } catch (err) {
      // Forged, corrupted, replayed or reordered: the peer or the path cannot be trusted any more.
      this.params.metrics.count('veil.decrypt_failures');
      this.close(err as Error);
      return;
    }
    try {
      this.mux.receive(plaintext, plaintext.buffer === this.plaintextBuffer?.buffer);
    } catch (err) {
      this.close(err as Error);
    }
  }

  private receiveBuffer(): Uint8Array {
    this.plaintextBuffer ??= new Uint8Array(MAX_PLAINTEXT_LEN);
    return this.plaintextBuffer;
  }

  private acceptStream(stream: MuxStream): void {
    const handler = this.streamHandler;
    if (handler === undefined) this.unclaimed.push(stream);
    else handler(stream);
  }

  private onConnectionClose(err?: Error): void {
    if (this.isClosed) return;
    this.isClosed = true;
    if (!this.closing) this.mux.close(err);
    for (const stream of this.unclaimed) stream.close(err);
    this.unclaimed = [];
    if (err)
      this.params.log.debug('veil: session closed', { peer: this.remoteNodeId.toString(), error: err.name });
    this.params.onGone?.(this);
    this.onClose?.(err);
  }
}
