/**
 * Rpc: `new Rpc({ runtime, identity, node }, init)`, start(), register(method, handler, { auth }),
 * call(peer, method, params, { timeoutMs, token, signal }). One Veil stream per call (protocol
 * /valhalla/rpc/1): the stream carries the request, an optional CANCEL and the response, and
 * closing it is the end of the call. See conformance/spec/realm.md, section 3.
 */
import { defaultCrypto } from '../../crypto/select.js';
import type { CryptoBackend } from '../../crypto/types.js';
import type { Identity } from '../../identity/identity.js';
import { NodeId } from '../../identity/node-id.js';
import { authorize, type RevocationSet, type Token } from '../../rune/index.js';
import type { Runtime } from '../../runtime.js';
import type { Json } from '../crdt/canonical.js';
import { RealmArgumentError, RealmStateError } from '../errors.js';
import { FrameReader, frame } from '../frames.js';
import type { RealmNode } from '../node-port.js';
import { decodeRpcFrame, encodeRpcFrame } from './codec.js';
import { MAX_METHOD_BYTES, MAX_RPC_FRAME_BYTES, RPC_DEFAULTS, RPC_PROTOCOL } from './constants.js';
import {
  errorForStatus,
  RpcBadRequestError,
  RpcCancelledError,
  type RpcError,
  RpcTimeoutError,
  RpcUnreachableError,
} from './errors.js';
import { type MethodAuth, type RpcAuthorizer, type RpcHandler, RpcServer } from './server.js';

export interface RpcComponents {
  runtime: Runtime;
  identity: Pick<Identity, 'nodeId'>;
  node: RealmNode;
  crypto?: CryptoBackend;
}

export interface RpcInit {
  timeoutMs?: number;
  maxInflightPerPeer?: number;
  maxInflight?: number;
  /** Root issuers whose tokens this node accepts besides itself. */
  trust?: NodeId[];
  revocations?: RevocationSet;
  /** Replace the token check (default: Rune's authorize() against trust and revocations). */
  authorizer?: RpcAuthorizer;
}

export interface CallOptions {
  /** The deadline, from now (default 10 s); the peer is told how long it has. */
  timeoutMs?: number;
  /** A capability token (Rune) for methods that require one. */
  token?: Token | Uint8Array;
  signal?: AbortSignal;
}

export interface RegisterOptions {
  /**
   * Require a capability token granting `ability` (default "rpc/call") on `resource` (default
   * "rpc:" + method), checked before the handler runs.
   */
  auth?: boolean | Partial<MethodAuth>;
}

export class Rpc {
  private readonly server: RpcServer;
  private readonly timeoutMs: number;
  private running = false;

  constructor(
    private readonly components: RpcComponents,
    init: RpcInit = {},
  ) {
    this.timeoutMs = init.timeoutMs ?? RPC_DEFAULTS.timeoutMs;
    const crypto = components.crypto ?? defaultCrypto();
    const trust = [components.identity.nodeId, ...(init.trust ?? [])];
    const authorizer: RpcAuthorizer =
      init.authorizer ??
      ((req) =>
        authorize({
          token: req.token,
          invoker: req.invoker,
          resource: req.resource,
          ability: req.ability,
          nowMs: components.runtime.clock.wallNow(),
          trust,
          ...(init.revocations ? { revocations: init.revocations } : {}),
          crypto,
        }));
    this.server = new RpcServer(
      components.runtime,
      {
        timeoutMs: this.timeoutMs,
        maxInflightPerPeer: init.maxInflightPerPeer ?? RPC_DEFAULTS.maxInflightPerPeer,
        maxInflight: init.maxInflight ?? RPC_DEFAULTS.maxInflight,
      },
      authorizer,
    );
  }

  start(): void {
    if (this.running) throw new RealmStateError('rpc already started');
    this.running = true;
    this.components.node.handle(RPC_PROTOCOL, (stream, peer) => this.server.accept(stream, peer));
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.components.node.unhandle(RPC_PROTOCOL);
  }

  register(method: string, handler: RpcHandler, opts: RegisterOptions = {}): void {
    const n = new TextEncoder().encode(method).length;
    if (n === 0 || n > MAX_METHOD_BYTES) {
      throw new RealmArgumentError(`method name must be 1..${MAX_METHOD_BYTES} bytes, got ${n}`);
    }
    const auth =
      opts.auth === true || typeof opts.auth === 'object'
        ? {
            resource: (typeof opts.auth === 'object' && opts.auth.resource) || `rpc:${method}`,
            ability: (typeof opts.auth === 'object' && opts.auth.ability) || RPC_DEFAULTS.ability,
          }
        : undefined;
    this.server.methods.set(method, { handler, auth });
  }

  unregister(method: string): void {
    this.server.methods.delete(method);
  }

  methods(): { method: string; auth?: MethodAuth }[] {
    return [...this.server.methods].map(([method, m]) => ({ method, ...(m.auth ? { auth: m.auth } : {}) }));
  }

  /** Call a method on a node; rejects with an RpcError subclass saying why it failed. */
  call(peer: NodeId | string, method: string, params: Json = null, opts: CallOptions = {}): Promise<Json> {
    if (!this.running) return Promise.reject(new RealmStateError('rpc is not started'));
    const { clock, metrics } = this.components.runtime;
    const target = typeof peer === 'string' ? NodeId.parse(peer) : peer;
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const token = opts.token instanceof Uint8Array ? opts.token : opts.token?.bytes;
    const startMs = clock.now();
    return new Promise<Json>((resolve, reject) => {
      let settled = false;
      let stream: import('../../runtime.js').Connection | undefined;
      const finish = (err: RpcError | undefined, result?: Json): void => {
        if (settled) return;
        settled = true;
        timer.cancel();
        opts.signal?.removeEventListener('abort', onAbort);
        metrics.observe('rpc.call_ms', clock.now() - startMs);
        if (err) {
          metrics.count(`rpc.failed.${err.code}`);
          stream?.close();
          reject(err);
        } else {
          metrics.count('rpc.ok');
          resolve(result ?? null);
        }
      };
      const timer = clock.setTimer(timeoutMs, () => {
        if (stream && !stream.closed) stream.write(frame(encodeRpcFrame({ type: 'cancel' })));
        finish(
          new RpcTimeoutError(
            `${method} on ${target.toString().slice(0, 16)}: no answer within ${timeoutMs} ms`,
          ),
        );
      });
      const onAbort = (): void => {
        if (stream && !stream.closed) stream.write(frame(encodeRpcFrame({ type: 'cancel' })));
        finish(new RpcCancelledError(`${method}: cancelled`));
      };
      if (opts.signal?.aborted) {
        onAbort();
        return;
      }
      opts.signal?.addEventListener('abort', onAbort);
      let request: Uint8Array;
      try {
        request = frame(
          encodeRpcFrame({ type: 'request', method, deadlineMs: Math.ceil(timeoutMs), token, params }),
        );
      } catch (err) {
        finish(new RpcBadRequestError(`${method}: ${(err as Error).message}`));
        return;
      }
      this.components.node.openStream(target, RPC_PROTOCOL, { timeoutMs }).then(
        (s) => {
          if (settled) {
            s.close();
            return;
          }
          stream = s;
          const reader = new FrameReader(MAX_RPC_FRAME_BYTES);
          s.setHandler({
            onData: (chunk) => {
              try {
                for (const body of reader.push(chunk)) {
                  const f = decodeRpcFrame(body);
                  if (f.type !== 'response') throw new Error(`unexpected ${f.type} frame`);
                  if (f.status === 0) finish(undefined, f.result);
                  else finish(errorForStatus(f.status, f.message ?? '', f.refusal));
                  s.end();
                }
              } catch (err) {
                finish(new RpcUnreachableError(`${method}: malformed response: ${(err as Error).message}`));
              }
            },
            onClose: (err) =>
              finish(
                new RpcUnreachableError(
                  `${method}: stream closed before the response${err ? ` (${err.name})` : ''}`,
                ),
              ),
          });
          s.write(request);
        },
        (err: Error) =>
          finish(
            new RpcUnreachableError(
              `${method}: cannot reach ${target.toString().slice(0, 16)}: ${err.name}: ${err.message}`,
            ),
          ),
      );
    });
  }
}
