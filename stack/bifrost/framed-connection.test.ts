import { describe, expect, it } from 'vitest';
import type { Connection, ConnectionHandler, Metrics } from '../runtime.js';
import {
  allocFrame,
  BadMagicError,
  BifrostUsageError,
  CloseReason,
  encodeClose,
  encodeFrame,
  FramedConnection,
  type FramedHandler,
  FrameType,
  HEADER_SIZE,
  RemoteCloseError,
  TruncatedStreamError,
  UnexpectedCloseError,
  UnsupportedVersionError,
} from './index.js';
import { type MemoryConnection, memoryPipe, settle } from './memory-pipe.test-util.js';

/** A handler that records everything, for assertions on order and content. */
function recorder(extra: Partial<FramedHandler> = {}) {
  const events: string[] = [];
  let closeErr: Error | undefined;
  const handler: FramedHandler = {
    onFrame: (type, payload) => {
      events.push(`frame ${type} ${[...payload].join(',')}`);
      extra.onFrame?.(type, payload);
    },
    onEnd: () => events.push('end'),
    onClose: (err) => {
      closeErr = err;
      events.push(`close ${err?.name ?? 'ok'}`);
    },
  };
  return { events, handler, closeErr: () => closeErr };
}

function countingMetrics() {
  const counts: Record<string, number> = {};
  const metrics: Metrics = {
    count: (n, v = 1) => {
      counts[n] = (counts[n] ?? 0) + v;
    },
    observe() {},
    gauge() {},
  };
  return { counts, metrics };
}

const written = (conn: MemoryConnection) => Buffer.concat(conn.written).toString('hex');

describe('FramedConnection', () => {
  it('carries frames both ways, including frames laid out in place', async () => {
    const [a, b] = memoryPipe();
    const fa = new FramedConnection({ connection: a });
    const fb = new FramedConnection({ connection: b });
    const rb = recorder();
    fb.setHandler(rb.handler);
    fa.setHandler(recorder().handler);
    fa.writeFrame(FrameType.HANDSHAKE, Uint8Array.of(1, 2));
    const frame = allocFrame(FrameType.TRANSPORT, 3);
    frame.subarray(HEADER_SIZE).set([7, 8, 9]);
    fa.writeEncoded(frame);
    fa.end();
    await settle();
    expect(rb.events).toEqual(['frame 1 1,2', 'frame 2 7,8,9', 'end']);
    fb.end();
    await settle();
    expect(rb.events.at(-1)).toBe('close ok');
  });

  it('frames sent before setHandler wait in the connection, then arrive in order from a later turn', async () => {
    const [a, b] = memoryPipe();
    const fb = new FramedConnection({ connection: b });
    a.write(encodeFrame(FrameType.HANDSHAKE, Uint8Array.of(1)));
    a.write(encodeFrame(FrameType.HANDSHAKE, Uint8Array.of(2)));
    a.end();
    await settle();
    const rb = recorder();
    fb.setHandler(rb.handler);
    expect(rb.events).toEqual([]);
    await settle();
    expect(rb.events).toEqual(['frame 1 1', 'frame 1 2', 'end']);
  });

  it('closes silently on a bad magic: no CLOSE frame goes back (spec 3.1)', async () => {
    const [a, b] = memoryPipe();
    const { counts, metrics } = countingMetrics();
    const fb = new FramedConnection({ connection: b, metrics });
    const rb = recorder();
    fb.setHandler(rb.handler);
    a.write(new TextEncoder().encode('GET / HTTP/1.1\r\n'));
    await settle();
    expect(rb.closeErr()).toBeInstanceOf(BadMagicError);
    expect(b.written).toEqual([]);
    expect(counts['bifrost.frame_errors']).toBe(1);
    expect(rb.events).toEqual(['close BadMagicError']);
  });

  it('answers an unsupported version with CLOSE, which the peer reports as RemoteCloseError', async () => {
    const [a, b] = memoryPipe();
    const fa = new FramedConnection({ connection: a });
    const fb = new FramedConnection({ connection: b });
    const ra = recorder();
    const rb = recorder();
    fa.setHandler(ra.handler);
    fb.setHandler(rb.handler);
    const bad = encodeFrame(FrameType.HANDSHAKE, Uint8Array.of(1));
    bad[2] = 2;
    a.write(bad);
    await settle();
    expect(rb.closeErr()).toBeInstanceOf(UnsupportedVersionError);
    expect(written(b)).toBe(Buffer.from(encodeClose(CloseReason.UNSUPPORTED_VERSION)).toString('hex'));
    expect(ra.closeErr()).toBeInstanceOf(RemoteCloseError);
    expect((ra.closeErr() as RemoteCloseError).reason).toBe(CloseReason.UNSUPPORTED_VERSION);
  });

  it('sends an explicit reason with close(err, reason) and reports err locally', async () => {
    const [a, b] = memoryPipe();
    const fa = new FramedConnection({ connection: a });
    const fb = new FramedConnection({ connection: b });
    const ra = recorder();
    const rb = recorder();
    fa.setHandler(ra.handler);
    fb.setHandler(rb.handler);
    const cause = new Error('signature did not verify');
    fa.close(cause, CloseReason.HANDSHAKE_FAILED);
    await settle();
    expect(ra.closeErr()).toBe(cause);
    expect((rb.closeErr() as RemoteCloseError).reason).toBe(CloseReason.HANDSHAKE_FAILED);
    expect(rb.closeErr()!.message).not.toContain('signature'); // the cause never leaves this host
  });

  it('after disableClearClose: no CLOSE is sent, and a received CLOSE is a violation', async () => {
    const [a, b] = memoryPipe();
    const fb = new FramedConnection({ connection: b });
    const rb = recorder();
    fb.setHandler(rb.handler);
    fb.disableClearClose();
    a.write(encodeClose(CloseReason.HANDSHAKE_FAILED));
    await settle();
    expect(rb.closeErr()).toBeInstanceOf(UnexpectedCloseError);
    expect(b.written).toEqual([]);

    const [c, d] = memoryPipe();
    const fd = new FramedConnection({ connection: d });
    const rd = recorder();
    fd.setHandler(rd.handler);
    fd.disableClearClose();
    const bad = encodeFrame(FrameType.HANDSHAKE, Uint8Array.of(1));
    bad[2] = 9;
    c.write(bad);
    await settle();
    expect(rd.closeErr()).toBeInstanceOf(UnsupportedVersionError);
    expect(d.written).toEqual([]);
  });

  it('reports a stream that ends mid-frame as TruncatedStreamError, after the whole frames', async () => {
    const [a, b] = memoryPipe();
    const fb = new FramedConnection({ connection: b });
    const rb = recorder();
    fb.setHandler(rb.handler);
    a.write(encodeFrame(FrameType.HANDSHAKE, Uint8Array.of(5)));
    a.write(encodeFrame(FrameType.TRANSPORT, new Uint8Array(20)).subarray(0, 10));
    a.end();
    await settle();
    expect(rb.events).toEqual(['frame 1 5', 'close TruncatedStreamError']);
    expect(rb.closeErr()).toBeInstanceOf(TruncatedStreamError);
  });

  it('pause() stops delivery between two frames of one chunk; resume() continues in order', async () => {
    const [a, b] = memoryPipe();
    const fb = new FramedConnection({ connection: b });
    const rb = recorder({ onFrame: () => fb.pause() });
    fb.setHandler(rb.handler);
    a.write(Buffer.concat([1, 2, 3].map((i) => encodeFrame(FrameType.TRANSPORT, Uint8Array.of(i)))));
    a.end();
    await settle();
    expect(rb.events).toEqual(['frame 2 1']);
    fb.resume();
    await settle();
    expect(rb.events).toEqual(['frame 2 1', 'frame 2 2']);
    fb.resume();
    await settle();
    fb.resume();
    await settle();
    expect(rb.events).toEqual(['frame 2 1', 'frame 2 2', 'frame 2 3', 'end']);
  });

  it('a handler that throws closes only this connection, with that error', async () => {
    const [a, b] = memoryPipe();
    const fb = new FramedConnection({ connection: b });
    const boom = new Error('bug above bifrost');
    const rb = recorder({
      onFrame: () => {
        throw boom;
      },
    });
    fb.setHandler(rb.handler);
    a.write(encodeFrame(FrameType.HANDSHAKE, Uint8Array.of(1)));
    a.write(encodeFrame(FrameType.HANDSHAKE, Uint8Array.of(2)));
    await settle();
    expect(rb.events).toEqual(['frame 1 1', 'close Error']);
    expect(rb.closeErr()).toBe(boom);
  });

  it('rejects misuse: CLOSE through writeFrame, an encoded frame whose length lies', () => {
    const [a] = memoryPipe();
    const fa = new FramedConnection({ connection: a });
    expect(() => fa.writeFrame(FrameType.CLOSE, Uint8Array.of(1))).toThrow(BifrostUsageError);
    expect(() => fa.writeEncoded(allocFrame(FrameType.TRANSPORT, 4).subarray(0, 8))).toThrow(
      BifrostUsageError,
    );
    expect(() => fa.writeEncoded(new Uint8Array(3))).toThrow(BifrostUsageError);
  });
});

describe('FramedConnection borrowing the connection chunks', () => {
  /** A connection that hands every chunk out of one reused array, as the live one does for borrowers. */
  function reusingConnection() {
    let handler: ConnectionHandler | undefined;
    const conn = {
      localAddr: 'l',
      remoteAddr: 'r',
      closed: false,
      setHandler: (h: ConnectionHandler) => {
        handler = h;
      },
      write: () => true,
      end() {},
      close() {},
      pause() {},
      resume() {},
    } satisfies Connection;
    const shared = new Uint8Array(1000);
    return {
      conn,
      handler: () => handler!,
      /** Deliver bytes through the shared array, then scribble over it (the next read). */
      deliver(bytes: Uint8Array) {
        shared.set(bytes);
        handler!.onData(shared.subarray(0, bytes.length));
        shared.fill(0xee);
      },
    };
  }

  it('borrows only once its reader borrows payloads, and keeps what it holds across chunk reuse', async () => {
    const r = reusingConnection();
    const framed = new FramedConnection({ connection: r.conn });
    const rec = recorder({
      onFrame: (_type, payload) => {
        if (payload[0] === 2) framed.pause(); // hold back the frames behind this one
      },
    });
    framed.setHandler(rec.handler);
    expect(r.handler().borrowsChunks).toBe(false);
    framed.borrowPayloads();
    expect(r.handler().borrowsChunks).toBe(true);
    const frames = [1, 2, 3, 4].map((v) => encodeFrame(FrameType.TRANSPORT, new Uint8Array(100).fill(v)));
    const stream = Uint8Array.from(Buffer.concat(frames));
    r.deliver(stream.subarray(0, 150)); // frame 1 whole, frame 2 started
    r.deliver(stream.subarray(150, 380)); // frame 2 ends (pause), 3 whole and 4 started stay queued
    expect(rec.events).toEqual([`frame 2 ${Array(100).fill(1)}`, `frame 2 ${Array(100).fill(2)}`]);
    framed.resume();
    await settle();
    r.deliver(stream.subarray(380));
    expect(rec.events.slice(2)).toEqual([`frame 2 ${Array(100).fill(3)}`, `frame 2 ${Array(100).fill(4)}`]);
  });
});
