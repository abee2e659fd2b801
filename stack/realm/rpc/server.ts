/**
 * The serving side of RPC: one inbound stream per call. The first frame must be a REQUEST; the
 * server checks, in this order, its in-flight limits (OVERLOADED), the method (NOT_FOUND), the
 * capability token when the method asks for one (REFUSED, with Rune's refusal code), then runs the
 * handler under the caller's deadline (TIMED_OUT) and answers with one RESPONSE. A CANCEL frame or
 * the stream closing aborts the handler's signal.
 */
import type { NodeId } from '../../identity/node-id.js';
import type { Connection, Runtime, Timer } from '../../runtime.js';
import type { Json } from '../crdt/canonical.js';
import { FrameReader, frame } from '../frames.js';
import type { RealmPeerInfo } from '../node-port.js';
import { decodeRpcFrame, encodeRpcFrame, type RpcFrame } from './codec.js';
import { MAX_RPC_FRAME_BYTES, RpcStatus, type RpcStatusCode } from './constants.js';
import { RpcError, RpcRefusedError, statusForError } from './errors.js';

/** What a handler gets besides the parameters. */
export interface CallContext {
  /** The caller, authenticated by the session. */
  peer: NodeId;
  /** Aborted when the caller cancels, the deadline passes or the stream breaks. */
  signal: AbortSignal;
  /** runtime.clock.now() at which the caller stops waiting (Infinity without a deadline). */
  deadlineAtMs: number;
  /** What authorize() returned for the call's token, when the method asked for one. */
  capability?: unknown;
}

export type RpcHandler = (params: Json, ctx: CallContext) => Json | Promise<Json>;

/** A method's token requirement: which resource and ability the token must grant. */
export interface MethodAuth {
  resource: string;
  ability: string;
}

export interface Method {
  handler: RpcHandler;
  auth: MethodAuth | undefined;
}

/** Checks a token for a call; returns the capability or throws (Rune's TokenRefusedError family). */
export type RpcAuthorizer = (req: { token: Uint8Array; invoker: NodeId } & MethodAuth) => unknown;

export interface ServerLimits {
  maxInflightPerPeer: number;
  maxInflight: number;
  timeoutMs: number;
}

export class RpcServer {
  readonly methods = new Map<string, Method>();
  private readonly inflightByPeer = new Map<string, number>();
  private inflight = 0;

  constructor(
    private readonly runtime: Runtime,
    private readonly limits: ServerLimits,
    private readonly authorizer: RpcAuthorizer,
  ) {}

  accept(stream: Connection, info: RealmPeerInfo): void {
    const reader = new FrameReader(MAX_RPC_FRAME_BYTES);
    const abort = new AbortController();
    let state: 'waiting' | 'running' | 'done' = 'waiting';
    let timer: Timer | undefined;
    const respond = (f: RpcFrame & { type: 'response' }): void => {
      if (state === 'done') return;
      state = 'done';
      timer?.cancel();
      if (!stream.closed) {
        stream.write(frame(encodeRpcFrame(f)));
        stream.end();
      }
    };
    const fail = (status: RpcStatusCode, message: string, refusal?: string): void =>
      respond({ type: 'response', status, message, ...(refusal ? { refusal } : {}) });
    // A stream that never sends its request is not kept open.
    timer = this.runtime.clock.setTimer(this.limits.timeoutMs, () => {
      if (state === 'waiting') stream.close();
    });
    stream.setHandler({
      onData: (chunk) => {
        let frames: Uint8Array[];
        try {
          frames = reader.push(chunk);
        } catch (err) {
          fail(RpcStatus.BAD_REQUEST, (err as Error).message);
          return;
        }
        for (const body of frames) {
          let f: RpcFrame;
          try {
            f = decodeRpcFrame(body);
          } catch (err) {
            fail(RpcStatus.BAD_REQUEST, (err as Error).message);
            return;
          }
          if (f.type === 'cancel') {
            abort.abort(new Error('cancelled by the caller'));
            fail(RpcStatus.CANCELLED, 'cancelled by the caller');
          } else if (f.type === 'request' && state === 'waiting') {
            state = 'running';
            timer?.cancel();
            timer = undefined;
            this.dispatch(f, info, abort, respond, fail, (t) => {
              timer = t;
            });
          } else fail(RpcStatus.BAD_REQUEST, `unexpected ${f.type} frame`);
        }
      },
      onEnd: () => undefined,
      onClose: () => {
        if (state !== 'done') abort.abort(new Error('stream closed'));
        state = 'done';
        timer?.cancel();
      },
    });
  }

  private dispatch(
    req: RpcFrame & { type: 'request' },
    info: RealmPeerInfo,
    abort: AbortController,
    respond: (f: RpcFrame & { type: 'response' }) => void,
    fail: (status: RpcStatusCode, message: string, refusal?: string) => void,
    setTimer: (t: Timer) => void,
  ): void {
    const { metrics, clock } = this.runtime;
    const peerKey = info.nodeId.toString();
    const mine = this.inflightByPeer.get(peerKey) ?? 0;
    if (mine >= this.limits.maxInflightPerPeer || this.inflight >= this.limits.maxInflight) {
      metrics.count('rpc.overloaded');
      fail(
        RpcStatus.OVERLOADED,
        `${mine} calls from you in flight (limit ${this.limits.maxInflightPerPeer})`,
      );
      return;
    }
    const method = this.methods.get(req.method);
    if (!method) {
      metrics.count('rpc.not_found');
      fail(RpcStatus.NOT_FOUND, `no method "${req.method}"`);
      return;
    }
    let capability: unknown;
    if (method.auth) {
      try {
        if (!req.token)
          throw new RpcRefusedError(`"${req.method}" requires a capability token`, 'missing-token');
        capability = this.authorizer({ token: req.token, invoker: info.nodeId, ...method.auth });
      } catch (err) {
        const refusal =
          err instanceof RpcRefusedError
            ? err.refusal
            : String((err as { code?: unknown }).code ?? 'malformed');
        metrics.count('rpc.refused');
        fail(RpcStatus.REFUSED, (err as Error).message, refusal);
        return;
      }
    }
    const deadlineAtMs = req.deadlineMs > 0 ? clock.now() + req.deadlineMs : Number.POSITIVE_INFINITY;
    if (req.deadlineMs > 0) {
      setTimer(
        clock.setTimer(req.deadlineMs, () => {
          abort.abort(new Error('deadline passed'));
          metrics.count('rpc.timed_out');
          fail(RpcStatus.TIMED_OUT, `deadline of ${req.deadlineMs} ms passed`);
        }),
      );
    }
    this.inflightByPeer.set(peerKey, mine + 1);
    this.inflight++;
    const done = (): void => {
      this.inflight--;
      const n = (this.inflightByPeer.get(peerKey) ?? 1) - 1;
      if (n <= 0) this.inflightByPeer.delete(peerKey);
      else this.inflightByPeer.set(peerKey, n);
    };
    const ctx: CallContext = { peer: info.nodeId, signal: abort.signal, deadlineAtMs, capability };
    new Promise<Json>((resolve) => resolve(method.handler(req.params, ctx))).then(
      (result) => {
        done();
        metrics.count('rpc.served');
        respond({ type: 'response', status: RpcStatus.OK, result: result ?? null });
      },
      (err: unknown) => {
        done();
        if (err instanceof RpcError) {
          fail(statusForError(err), err.message, err instanceof RpcRefusedError ? err.refusal : undefined);
          return;
        }
        metrics.count('rpc.handler_failed');
        fail(RpcStatus.INTERNAL, err instanceof Error ? `${err.name}: ${err.message}` : String(err));
      },
    );
  }
}
