/**
 * The Veil component: turns Runtime connections into authenticated, encrypted sessions between
 * node identities (conformance/spec/veil.md). It owns one Noise static key per instance, drawn
 * from the Runtime's rng at start() and bound to the node's Ed25519 identity by one signature.
 */

import { FramedConnection } from '../bifrost/framed-connection.js';
import { defaultCrypto } from '../crypto/select.js';
import type { CryptoBackend, DhKey } from '../crypto/types.js';
import type { Identity } from '../identity/identity.js';
import type { NodeId } from '../identity/node-id.js';
import type { Address, Connection, Listener, Runtime } from '../runtime.js';
import { buildLocalPayload } from './auth.js';
import {
  DEFAULT_HANDSHAKE_TIMEOUT_MS,
  DEFAULT_MAX_PENDING_HANDSHAKES,
  DEFAULT_REKEY_AFTER_MESSAGES,
  DEFAULT_STREAM_WINDOW_BYTES,
  DH_PRIVATE_KEY_LEN,
} from './constants.js';
import { HandshakeAbortedError, TooManyHandshakesError, VeilStateError } from './errors.js';
import { type HandshakeContext, type HandshakeOptions, type Role, VeilHandshake } from './handshake.js';
import type { MuxInit } from './mux.js';
import { VeilSession } from './session.js';

export interface VeilComponents {
  runtime: Runtime;
  identity: Identity;
  /** Defaults to the process default backend (node:crypto when available). */
  crypto?: CryptoBackend;
}

export interface VeilInit {
  /** Default 10 000. */
  handshakeTimeoutMs?: number;
  /** Transport messages this side sends per key before rekeying (1..2^32-1; default 2^20). */
  rekeyAfterMessages?: number;
  /** Inbound handshakes in flight at once; more connections are refused (default 1024). */
  maxPendingHandshakes?: number;
  /** Addresses announced to peers in the handshake payload (at most 16). */
  announceAddrs?: Address[];
  /** Options for each session's stream multiplexer (initialWindowBytes defaults to 1 MiB here). */
  mux?: MuxInit;
}

export interface VeilDialOptions extends HandshakeOptions {
  /** Passed to the Runtime's dial (the TCP connect); the handshake has its own timeout. */
  dialTimeoutMs?: number;
}

type Settle = (err: Error | undefined, session: VeilSession | undefined) => void;

export class Veil {
  readonly nodeId: NodeId;
  private readonly runtime: Runtime;
  private readonly identity: Identity;
  private readonly crypto: CryptoBackend;
  private readonly handshakeTimeoutMs: number;
  private readonly rekeyAfterMessages: number;
  private readonly maxPendingHandshakes: number;
  private readonly announceAddrs: Address[];
  private readonly muxInit: MuxInit;
  private context: HandshakeContext | undefined;
  private readonly listeners = new Set<Listener>();
  private readonly handshakes = new Set<VeilHandshake>();
  private readonly sessions = new Set<VeilSession>();
  private inboundPending = 0;

  constructor(components: VeilComponents, init: VeilInit = {}) {
    this.runtime = components.runtime;
    this.identity = components.identity;
    this.crypto = components.crypto ?? defaultCrypto();
    this.nodeId = components.identity.nodeId;
    this.handshakeTimeoutMs = init.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
    this.rekeyAfterMessages = init.rekeyAfterMessages ?? DEFAULT_REKEY_AFTER_MESSAGES;
    this.maxPendingHandshakes = init.maxPendingHandshakes ?? DEFAULT_MAX_PENDING_HANDSHAKES;
    this.announceAddrs = init.announceAddrs ?? [];
    this.muxInit = { initialWindowBytes: DEFAULT_STREAM_WINDOW_BYTES, ...init.mux };
  }

  /** The Noise static public key of this instance (after start()). */
  get staticPublicKey(): Uint8Array {
    return this.requireStarted().staticKey.publicKey;
  }

  /** Sessions currently open. */
  get sessionCount(): number {
    return this.sessions.size;
  }

  /**
   * Draw the static key and sign its binding once: every handshake reuses both, which is what
   * keeps a handshake to ~4 X25519 operations and one verification per side.
   */
  async start(): Promise<void> {
    if (this.context) return;
    const staticKey: DhKey = this.crypto.x25519(this.runtime.rng.bytes(DH_PRIVATE_KEY_LEN));
    const localPayload = buildLocalPayload(this.identity, staticKey.publicKey, {
      listenAddrs: this.announceAddrs,
      rekeyAfterMessages: this.rekeyAfterMessages,
    });
    this.context = {
      runtime: this.runtime,
      crypto: this.crypto,
      staticKey,
      localPayload,
      handshakeTimeoutMs: this.handshakeTimeoutMs,
    };
  }

  /** Stop listening, abort handshakes in flight and close every session. */
  async stop(): Promise<void> {
    if (!this.context) return;
    this.context = undefined;
    const listeners = [...this.listeners];
    this.listeners.clear();
    for (const h of [...this.handshakes]) h.abort(new HandshakeAbortedError('the Veil is stopping'));
    for (const s of [...this.sessions]) s.close();
    await Promise.all(listeners.map((l) => l.close()));
  }

  /** Accept connections at addr; onSession gets each authenticated session, synchronously on completion. */
  async listen(addr: Address, onSession: (session: VeilSession) => void): Promise<Listener> {
    this.requireStarted();
    const listener = await this.runtime.net.listen(addr, (conn) => this.accept(conn, onSession));
    this.listeners.add(listener);
    return {
      addr: listener.addr,
      close: async () => {
        this.listeners.delete(listener);
        await listener.close();
      },
    };
  }

  /** Connect to addr and run the handshake as initiator. */
  async dial(addr: Address, opts: VeilDialOptions = {}): Promise<VeilSession> {
    this.requireStarted();
    const conn = await this.runtime.net.dial(addr, { timeoutMs: opts.dialTimeoutMs });
    return this.secure(conn, 'initiator', opts);
  }

  /** Run the handshake over an existing connection. Rejects (and closes conn) on any failure. */
  secure(conn: Connection, role: Role, opts: HandshakeOptions = {}): Promise<VeilSession> {
    return new Promise((resolve, reject) => {
      this.run(conn, role, opts, (err, session) => (err ? reject(err) : resolve(session!)));
    });
  }

  private accept(conn: Connection, onSession: (session: VeilSession) => void): void {
    this.run(conn, 'responder', {}, (err, session) => {
      if (err || !session) return; // already counted and logged by the handshake
      try {
        onSession(session);
      } catch (e) {
        this.runtime.log.error('veil: onSession threw; closing the session', { error: String(e) });
        session.close(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  private run(conn: Connection, role: Role, opts: HandshakeOptions, settle: Settle): void {
    const ctx = this.context;
    if (!ctx) {
      conn.close();
      settle(new VeilStateError('the Veil is not started'), undefined);
      return;
    }
    const inbound = role === 'responder';
    if (inbound && this.inboundPending >= this.maxPendingHandshakes) {
      this.runtime.metrics.count('veil.handshakes_refused');
      const err = new TooManyHandshakesError(`${this.inboundPending} inbound handshakes already in flight`);
      conn.close(err);
      settle(err, undefined);
      return;
    }
    if (inbound) this.inboundPending++;
    const framed = new FramedConnection({
      connection: conn,
      log: this.runtime.log,
      metrics: this.runtime.metrics,
    });
    const handshake: VeilHandshake = new VeilHandshake(ctx, conn, framed, role, opts, {
      onComplete: (result) => {
        this.settled(handshake, inbound);
        const session = new VeilSession(result, {
          rekeyAfterMessages: this.rekeyAfterMessages,
          mux: this.muxInit,
          log: this.runtime.log,
          metrics: this.runtime.metrics,
          onGone: this.sessionGone,
        });
        this.sessions.add(session);
        settle(undefined, session);
      },
      onFailed: (err) => {
        this.settled(handshake, inbound);
        settle(err, undefined);
      },
    });
    this.handshakes.add(handshake);
    handshake.start();
  }

  /**
   * One callback for every session, not a closure made in run(): that one would keep run()'s scope
   * alive, and with it the finished handshake (Noise state, ephemeral key) for the session's life.
   */
  private readonly sessionGone = (s: VeilSession): void => {
    this.sessions.delete(s);
  };

  private settled(handshake: VeilHandshake, inbound: boolean): void {
    this.handshakes.delete(handshake);
    if (inbound) this.inboundPending--;
  }

  private requireStarted(): HandshakeContext {
    if (!this.context) throw new VeilStateError('the Veil is not started: call start() first');
    return this.context;
  }
}
