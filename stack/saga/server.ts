/**
 * The serving side of a Saga stream (spec section 4.2): one WANT, one answer per CID in order
 * (BLOCK from the store, or MISSING), then end. Backpressure is honoured (a provider never
 * queues more than one block beyond what the stream accepts). Whatever a peer sends, the node
 * keeps running: bad frames get an ERROR frame and the stream is closed.
 */
import type { Clock, Connection, Logger, Metrics, Timer } from '../runtime.js';
import { MAX_CID_SIZE, MAX_WANT } from './constants.js';
import { SagaProtocolError } from './errors.js';
import type { SagaPeerInfo } from './ports.js';
import type { BlockStore } from './store.js';
import { decodeFrame, ErrorCode, encodeBlock, encodeError, encodeMissing, FrameReader } from './wire.js';

export interface ServeContext {
  store: BlockStore;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  /** A stream whose WANT does not arrive within this long is closed. */
  requestTimeoutMs: number;
  /** Streams being answered at once; more get ERROR BUSY. */
  maxServing: number;
  serving: { count: number };
}

// The largest WANT frame: type, count, and MAX_WANT CIDs each with a length byte.
const MAX_WANT_FRAME = 2 + MAX_WANT * (1 + MAX_CID_SIZE);

export function serveStream(stream: Connection, peer: SagaPeerInfo, ctx: ServeContext): void {
  const reader = new FrameReader(MAX_WANT_FRAME);
  let got = false;
  let timer: Timer | undefined = ctx.clock.setTimer(ctx.requestTimeoutMs, () => {
    timer = undefined;
    if (!got) stream.close();
  });
  const refuse = (code: number, reason: string): void => {
    timer?.cancel();
    ctx.metrics.count('saga.serve.refused');
    try {
      stream.write(encodeError(code, reason));
      stream.end();
    } catch {
      stream.close();
    }
  };
  stream.setHandler({
    onData(chunk) {
      if (got) return; // one request per stream; anything after it is ignored
      let bodies: Uint8Array[];
      try {
        bodies = reader.push(chunk);
        if (bodies.length === 0) return;
        got = true;
        timer?.cancel();
        const f = decodeFrame(bodies[0]!);
        if (f.type !== 'want') throw new SagaProtocolError(`expected WANT, got ${f.type.toUpperCase()}`);
        if (ctx.serving.count >= ctx.maxServing) {
          refuse(ErrorCode.BUSY, 'busy: too many requests, try another provider');
          return;
        }
        ctx.serving.count++;
        void answer(stream, f.cids, ctx).finally(() => ctx.serving.count--);
      } catch (err) {
        got = true;
        ctx.log.debug('saga: bad request', { peer: peer.nodeId.toString(), error: (err as Error).message });
        refuse(ErrorCode.BAD_REQUEST, (err as Error).message);
      }
    },
    onClose() {
      timer?.cancel();
    },
  });
}

async function answer(
  stream: Connection,
  cids: readonly import('multiformats/cid').CID[],
  ctx: ServeContext,
): Promise<void> {
  let drained: (() => void) | undefined;
  let closed = false;
  stream.setHandler({
    onData() {},
    onDrain() {
      drained?.();
    },
    onClose() {
      closed = true;
      drained?.();
    },
  });
  try {
    for (const cid of cids) {
      if (closed) return;
      const bytes = await ctx.store.get(cid);
      if (closed) return;
      if (bytes === undefined) {
        ctx.metrics.count('saga.serve.missing');
        stream.write(encodeMissing(cid));
        continue;
      }
      ctx.metrics.count('saga.serve.blocks');
      ctx.metrics.count('saga.serve.bytes', bytes.length);
      if (!stream.write(encodeBlock(cid, bytes))) {
        await new Promise<void>((r) => {
          drained = r;
        });
        drained = undefined;
      }
    }
    if (!closed) stream.end();
  } catch (err) {
    ctx.log.warn('saga: serving failed', { error: (err as Error).message });
    if (!closed) {
      try {
        stream.write(encodeError(ErrorCode.INTERNAL, 'the provider failed to read its store'));
        stream.end();
      } catch {
        stream.close();
      }
    }
  }
}
