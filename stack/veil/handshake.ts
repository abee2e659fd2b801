/**
 * One Veil handshake over one connection (conformance/spec/veil.md §3): three Noise XX messages
 * in Bifrost HANDSHAKE frames, identity binding in the payloads of messages 2 and 3, then the
 * connection is handed to a VeilSession. Every failure closes the connection (with a clear CLOSE
 * HANDSHAKE_FAILED, the only reason the spec allows for it) and is reported once through onDone.
 */

import { CloseReason, FrameType } from '../bifrost/constants.js';
import { FrameError, RemoteCloseError } from '../bifrost/errors.js';
import type { FramedConnection, FramedHandler } from '../bifrost/framed-connection.js';
import type { CryptoBackend, DhKey } from '../crypto/types.js';
import type { NodeId } from '../identity/node-id.js';
import type { Connection, Runtime, Timer } from '../runtime.js';
import { type AuthenticatedPeer, authenticatePeer } from './auth.js';
import { DH_PRIVATE_KEY_LEN, VEIL_PROLOGUE } from './constants.js';
import {
  HandshakeAbortedError,
  HandshakePayloadError,
  HandshakeTimeoutError,
  PeerIdMismatchError,
  VeilProtocolError,
} from './errors.js';
import { HandshakeState, type TransportKeys } from './noise/handshake-state.js';

export type Role = 'initiator' | 'responder';

/** What every handshake of one Veil instance shares. */
export interface HandshakeContext {
  readonly runtime: Runtime;
  readonly crypto: CryptoBackend;
  /** The Veil's Noise static key. */
  readonly staticKey: DhKey;
  /** This side's encoded, signed payload (auth.ts), sent in message 2 or 3. */
  readonly localPayload: Uint8Array;
  readonly handshakeTimeoutMs: number;
}

export interface HandshakeOptions {
  /** Initiator only: fail with PeerIdMismatchError unless the responder proves this NodeID. */
  expectedNodeId?: NodeId;
}

/** The outcome of a successful handshake, for building the session. */
export interface HandshakeResult {
  framed: FramedConnection;
  /** The connection under framed (the session writes transport frames to it directly). */
  conn: Connection;
  role: Role;
  keys: TransportKeys;
  peer: AuthenticatedPeer;
}

export interface HandshakeObserver {
  onComplete(result: HandshakeResult): void;
  onFailed(err: Error): void;
}

const PROLOGUE = new TextEncoder().encode(VEIL_PROLOGUE);
const EMPTY = new Uint8Array(0);

export class VeilHandshake implements FramedHandler {
  private readonly noise: HandshakeState;
  private readonly startedMs: number;
  private timer: Timer | undefined;
  private finished = false;

  constructor(
    private readonly ctx: HandshakeContext,
    private readonly conn: Connection,
    private readonly framed: FramedConnection,
    private readonly role: Role,
    private readonly opts: HandshakeOptions,
    private readonly observer: HandshakeObserver,
  ) {
    this.noise = new HandshakeState({
      crypto: ctx.crypto,
      initiator: role === 'initiator',
      prologue: PROLOGUE,
      staticKey: ctx.staticKey,
      ephemeralKey: ctx.runtime.rng.bytes(DH_PRIVATE_KEY_LEN),
    });
    this.startedMs = ctx.runtime.clock.now();
  }

  /** Take over the connection's frames, arm the timeout and, as initiator, send message 1. */
  start(): void {
    this.framed.setHandler(this);
    this.timer = this.ctx.runtime.clock.setTimer(this.ctx.handshakeTimeoutMs, () => this.onTimeout());
    if (this.role === 'initiator') this.guard(() => this.send(this.noise.writeMessage(EMPTY)));
  }

  /** Give up (the Veil is stopping): the connection closes and onFailed reports err. */
  abort(err: Error): void {
    this.fail(err);
  }

  onFrame(type: FrameType, payload: Uint8Array): void {
    if (this.finished) return;
    if (type !== FrameType.HANDSHAKE || this.noise.isMyTurn) {
      const what = type === FrameType.HANDSHAKE ? 'a HANDSHAKE frame out of turn' : 'a TRANSPORT frame';
      this.fail(new VeilProtocolError(`${what} during the handshake`), CloseReason.UNEXPECTED_FRAME);
      return;
    }
    this.guard(() => this.receive(payload));
  }

  onEnd(): void {
    this.fail(new HandshakeAbortedError('the peer ended the connection during the handshake'));
  }

  onClose(err?: Error): void {
    // After our own fail() this is a no-op. Otherwise the connection went away under us: the
    // peer's bad bytes (FrameError) and its CLOSE (RemoteCloseError) are named already and pass
    // through; a reset or an orderly close becomes HandshakeAbortedError.
    if (err instanceof FrameError || err instanceof RemoteCloseError) {
      this.fail(err);
      return;
    }
    const why = err ? `: ${err.message}` : '';
    this.fail(new HandshakeAbortedError(`the connection closed during the handshake${why}`, { cause: err }));
  }

  /** Handle the peer's next handshake message; the Noise state says which one it is. */
  private receive(message: Uint8Array): void {
    const index = this.noise.messageIndex;
    const payload = this.noise.readMessage(message);
    if (index === 0) {
      // Message 1 is cleartext and unauthenticated: version 1 carries nothing in it (spec §3).
      if (payload.length !== 0)
        throw new HandshakePayloadError(`message 1 payload must be empty, got ${payload.length} bytes`);
      this.send(this.noise.writeMessage(this.ctx.localPayload));
      return;
    }
    const peer = authenticatePeer(this.ctx.crypto, payload, this.noise.remoteStaticKey!);
    if (this.role === 'initiator') {
      // Checked before message 3, so an unexpected responder never learns who we are.
      const expected = this.opts.expectedNodeId;
      if (expected !== undefined && !expected.equals(peer.nodeId)) {
        throw new PeerIdMismatchError(`expected peer ${expected.toString()}, got ${peer.nodeId.toString()}`);
      }
      this.send(this.noise.writeMessage(this.ctx.localPayload));
    }
    this.complete(peer);
  }

  private send(message: Uint8Array): void {
    this.framed.writeFrame(FrameType.HANDSHAKE, message);
  }

  private complete(peer: AuthenticatedPeer): void {
    this.finished = true;
    this.timer?.cancel();
    this.framed.disableClearClose(); // transport keys exist: no clear CLOSE from here on (bifrost §3.1)
    const { metrics } = this.ctx.runtime;
    metrics.count('veil.handshakes');
    // One side counts each session once: the dialer. veil.handshakes counts completions per side.
    if (this.role === 'initiator') metrics.count('veil.sessions_dialed');
    metrics.observe('veil.handshake_ms', this.ctx.runtime.clock.now() - this.startedMs);
    this.observer.onComplete({
      framed: this.framed,
      conn: this.conn,
      role: this.role,
      keys: this.noise.transportKeys(),
      peer,
    });
  }

  /** Run a step; any error it throws fails the handshake. */
  private guard(step: () => void): void {
    try {
      step();
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private onTimeout(): void {
    this.fail(new HandshakeTimeoutError(`handshake not complete after ${this.ctx.handshakeTimeoutMs} ms`));
  }

  /**
   * End the handshake with err: one clear CLOSE (HANDSHAKE_FAILED whatever the cause, so the code
   * is no oracle, bifrost §3.1), then a graceful close so that frame is flushed.
   */
  private fail(err: Error, reason: CloseReason = CloseReason.HANDSHAKE_FAILED): void {
    if (this.finished) return;
    this.finished = true;
    this.timer?.cancel();
    this.ctx.runtime.metrics.count('veil.handshake_failures');
    this.ctx.runtime.log.debug('veil: handshake failed', {
      role: this.role,
      error: err.name,
      message: err.message,
    });
    this.framed.close(err, reason);
    this.observer.onFailed(err);
  }
}
