/**
 * RPC over Veil streams (spec section 3.1). Each side opens at most one stream per session for
 * its own requests; answers come back on the stream the request arrived on. Messages are
 * length-prefixed (rpc/framing.ts). The first message a side writes on a session is HELLO with its
 * signed peer record, so the other side learns our listen addresses before our first request.
 *
 * What a remote peer sends is never trusted (spec section 6.3): an oversized frame closes the
 * session; a message that does not decode is dropped and counted, and too many close the
 * session; a response nobody asked for is dropped and counted; requests past the peer's rate are
 * answered with ERROR(BUSY). Nothing a peer sends can throw out of this file.
 */
import type { Connection, Runtime, Timer } from '../runtime.js';
import {
  DhtDecodeError,
  LimitError,
  type MessageTooLargeError,
  RemoteError,
  RequestTimeoutError,
  SessionClosedError,
} from './errors.js';
import type { PeerRecord } from './records/peer-record.js';
import { decodeMessage, encodeFramed } from './rpc/codec.js';
import { FrameDecoder } from './rpc/framing.js';
import {
  ErrorCode,
  isRequest,
  type Message,
  RESPONSE_FOR,
  type RequestBody,
  type RequestMessage,
  type ResponseFor,
  type ResponseMessage,
} from './rpc/messages.js';
import type { PeerSession } from './sessions.js';

export interface NetworkInit {
  maxMessageSize: number;
  requestHardTimeoutMs: number;
  maxOutboundPerPeer: number;
  maxStreamsPerSession: number;
  maxMalformedPerSession: number;
  rateBurst: number;
  ratePerSecond: number;
}

/** What the network needs from the Dht. */
export interface RpcHost {
  selfRecord(): PeerRecord;
  /** Answer a request (synchronously: handlers never wait, so nothing piles up per peer). */
  handle(ps: PeerSession, req: RequestMessage): ResponseMessage;
  hello(ps: PeerSession, record: PeerRecord): void;
  /** The peer answered one of our requests. */
  answered(ps: PeerSession): void;
  /** Close a session (through the pool, so it is forgotten at once). */
  closeSession(ps: PeerSession, err: Error): void;
}

interface Pending {
  ps: PeerSession;
  expect: ResponseMessage['type'];
  resolve(m: ResponseMessage): void;
  reject(e: Error): void;
  timer: Timer;
}

export class DhtNetwork {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly runtime: Runtime,
    private readonly init: NetworkInit,
    private readonly host: RpcHost,
  ) {}

  /** An inbound stream from the peer: it carries the peer's requests (and HELLO). */
  acceptStream(ps: PeerSession, stream: Connection): void {
    if (ps.streams >= this.init.maxStreamsPerSession) {
      this.runtime.metrics.count('dht.rx.stream_refused');
      stream.close();
      return;
    }
    ps.streams++;
    this.bind(ps, stream, () => ps.streams--);
  }

  private bind(ps: PeerSession, stream: Connection, onGone: () => void): void {
    const decoder = new FrameDecoder(this.init.maxMessageSize);
    stream.setHandler({
      onData: (chunk) => {
        let messages: Uint8Array[];
        try {
          messages = decoder.push(chunk);
        } catch (err) {
          this.runtime.metrics.count('dht.rx.oversized');
          this.host.closeSession(ps, err as MessageTooLargeError);
          return;
        }
        for (const m of messages) this.receive(ps, stream, m);
      },
      onEnd: () => stream.end(),
      onClose: () => onGone(),
    });
  }

  private receive(ps: PeerSession, stream: Connection, bytes: Uint8Array): void {
    const { metrics } = this.runtime;
    metrics.count('dht.rx.messages');
    metrics.count('dht.rx.bytes', bytes.length);
    let msg: Message;
    try {
      msg = decodeMessage(bytes, this.init.maxMessageSize);
    } catch (err) {
      // Only DhtDecodeError is expected; anything else is a decoder bug, still not the peer's win.
      if (!(err instanceof DhtDecodeError))
        this.runtime.log.error('dht: decoder threw', { error: String(err) });
      metrics.count('dht.rx.malformed');
      if (++ps.malformed > this.init.maxMalformedPerSession) this.host.closeSession(ps, err as Error);
      return;
    }
    ps.lastActiveMs = this.runtime.clock.now();
    if (msg.type === 'hello') this.host.hello(ps, msg.record);
    else if (isRequest(msg)) this.serve(ps, stream, msg);
    else this.settle(ps, msg);
  }

  private serve(ps: PeerSession, stream: Connection, req: RequestMessage): void {
    const now = this.runtime.clock.now();
    ps.tokens = Math.min(
      this.init.rateBurst,
      ps.tokens + ((now - ps.refilledAtMs) / 1000) * this.init.ratePerSecond,
    );
    ps.refilledAtMs = now;
    let res: ResponseMessage;
    if (ps.tokens < 1) {
      this.runtime.metrics.count('dht.rx.ratelimited');
      res = { type: 'error', id: req.id, code: ErrorCode.BUSY };
    } else {
      ps.tokens -= 1;
      try {
        res = this.host.handle(ps, req);
      } catch (err) {
        this.runtime.log.error('dht: handler threw', { type: req.type, error: String(err) });
        res = { type: 'error', id: req.id, code: ErrorCode.MALFORMED };
      }
    }
    this.send(ps, stream, res);
  }

  private settle(ps: PeerSession, res: ResponseMessage): void {
    const p = this.pending.get(res.id);
    if (!p || p.ps !== ps) {
      this.runtime.metrics.count('dht.rx.unsolicited');
      return;
    }
    this.pending.delete(res.id);
    p.timer.cancel();
    ps.inflight--;
    if (res.type === p.expect) {
      this.host.answered(ps);
      p.resolve(res);
    } else if (res.type === 'error') {
      this.host.answered(ps);
      p.reject(new RemoteError(`peer answered ERROR ${res.code}`, res.code));
    } else {
      this.runtime.metrics.count('dht.rx.malformed');
      p.reject(new RemoteError(`peer answered ${res.type} to a request expecting ${p.expect}`, 0));
    }
  }

  /** Write one message; HELLO goes first on a session. A closed stream drops it silently. */
  private send(ps: PeerSession, stream: Connection, msg: Message): void {
    try {
      if (!ps.helloSent) {
        ps.helloSent = true;
        stream.write(encodeFramed({ type: 'hello', id: 0, record: this.host.selfRecord() }));
      }
      const bytes = encodeFramed(msg);
      this.runtime.metrics.count('dht.tx.messages');
      this.runtime.metrics.count('dht.tx.bytes', bytes.length);
      stream.write(bytes);
    } catch (err) {
      // The stream or session closed under us: the peer will not get this message, and a request
      // among them fails through its session's close or its own timeout.
      this.runtime.log.debug('dht: write failed', { peer: ps.idHex.slice(0, 16), error: String(err) });
    }
  }

  /** Our request stream on this session, opened on first use. */
  private channel(ps: PeerSession): Connection {
    if (ps.channel) return ps.channel as Connection;
    const stream = ps.veil.openStream();
    ps.channel = stream;
    this.bind(ps, stream, () => {
      if (ps.channel !== stream) return;
      ps.channel = undefined;
      this.failAll(ps, () => new SessionClosedError('our request stream closed'));
    });
    return stream;
  }

  /** Send a request and wait for its answer (or RequestTimeoutError / SessionClosedError / RemoteError). */
  request<B extends RequestBody>(ps: PeerSession, body: B): Promise<ResponseFor<B>> {
    if (ps.inflight >= this.init.maxOutboundPerPeer) {
      this.runtime.metrics.count('dht.tx.request_refused');
      return Promise.reject(new LimitError(`${ps.inflight} requests already waiting on this peer`));
    }
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    const req = { ...body, id } as RequestMessage;
    return new Promise<ResponseFor<B>>((resolve, reject) => {
      let stream: Connection;
      try {
        stream = this.channel(ps);
      } catch (err) {
        reject(new SessionClosedError(`cannot open a stream: ${(err as Error).name}`));
        return;
      }
      const timer = this.runtime.clock.setTimer(this.init.requestHardTimeoutMs, () => {
        if (!this.pending.delete(id)) return;
        ps.inflight--;
        this.runtime.metrics.count('dht.request.timeout');
        reject(new RequestTimeoutError(`no answer to ${req.type} in ${this.init.requestHardTimeoutMs} ms`));
      });
      this.pending.set(id, {
        ps,
        expect: RESPONSE_FOR[req.type],
        resolve: resolve as (m: ResponseMessage) => void,
        reject,
        timer,
      });
      ps.inflight++;
      ps.lastActiveMs = this.runtime.clock.now();
      this.runtime.metrics.count('dht.request.sent');
      this.send(ps, stream, req);
    });
  }

  /**
   * Reject every request waiting on ps (its session or stream is gone). The error is made only if
   * something waits: most sessions close idle, and an Error's stack trace is not free.
   */
  failAll(ps: PeerSession, makeError: () => Error): void {
    if (ps.inflight === 0) return;
    const err = makeError();
    for (const [id, p] of this.pending) {
      if (p.ps !== ps) continue;
      this.pending.delete(id);
      p.timer.cancel();
      ps.inflight--;
      p.reject(err);
    }
  }

  /** Stop: reject everything still waiting. */
  stop(): void {
    for (const p of this.pending.values()) {
      p.timer.cancel();
      p.reject(new SessionClosedError('the DHT is stopping'));
    }
    this.pending.clear();
  }
}
