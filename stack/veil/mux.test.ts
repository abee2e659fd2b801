import { describe, expect, it } from 'vitest';
import { ConnectionClosedError, ConnectionResetError } from '../runtime.js';
import { Mux, MuxClosedError, MuxError, type MuxStream, ResetCode, StreamResetError } from './mux.js';
import { decodeMessage } from './mux-codec.js';
import { MuxFrameType } from './mux-constants.js';
import { bytes, MuxPair, pattern, StreamRecorder, tick } from './mux-pair.test-util.js';

/** Accept inbound streams on `mux` with a recorder each; returns the list. */
function accept(mux: Mux, setup?: (s: MuxStream, r: StreamRecorder) => void): StreamRecorder[] {
  const recs: StreamRecorder[] = [];
  mux.onStream = (s) => {
    const r = new StreamRecorder(s);
    recs.push(r);
    setup?.(s, r);
  };
  return recs;
}

describe('Mux streams: lifecycle', () => {
  it('opens a stream, carries bytes both ways, and closes cleanly when both ends end', async () => {
    const p = new MuxPair();
    const inbound = accept(p.b, (s, r) => {
      r.onDataHook = (chunk) => s.write(Uint8Array.from(chunk).reverse());
    });
    const s = p.a.openStream();
    const ra = new StreamRecorder(s);
    s.write(bytes('hello'));
    s.end();
    await p.pump(() => inbound[0]?.ends === 1);
    inbound[0].stream!.end();
    await p.pump();
    expect(inbound[0].text()).toBe('hello');
    expect(ra.text()).toBe('olleh');
    expect(ra.events).toEqual(['data', 'end', 'close']);
    expect(inbound[0].events).toEqual(['data', 'end', 'close']);
    expect(ra.closeErr).toBeUndefined();
    expect(inbound[0].closeErr).toBeUndefined();
    expect(p.a.streamCount).toBe(0);
    expect(p.b.streamCount).toBe(0);
    expect(s.id % 2).toBe(1);
  });

  it('uses odd ids on the dialer and even ids on the listener, strictly increasing', async () => {
    const p = new MuxPair();
    const fromA = accept(p.b);
    const fromB = accept(p.a);
    const ids = [p.a.openStream().id, p.a.openStream().id, p.b.openStream().id, p.b.openStream().id];
    expect(ids).toEqual([1, 3, 2, 4]);
    await p.pump();
    expect(fromA.map((r) => r.stream!.id)).toEqual([1, 3]);
    expect(fromB.map((r) => r.stream!.id)).toEqual([2, 4]);
  });

  it('announces a stream with OPEN even before any data is written', async () => {
    const p = new MuxPair();
    const inbound = accept(p.b);
    p.a.openStream();
    await p.pump();
    expect(inbound).toHaveLength(1);
  });

  it('keeps many streams apart and in order, in both directions at once', async () => {
    const p = new MuxPair();
    const N = 64;
    const sizes = (i: number) => [1, 100, 5000, 70_000].map((n) => n + i);
    const inbound = accept(p.b, (s, r) => {
      r.onDataHook = (chunk) => s.write(chunk.slice());
    });
    const outbound: StreamRecorder[] = [];
    for (let i = 0; i < N; i++) {
      const s = p.a.openStream();
      outbound.push(new StreamRecorder(s));
      let offset = 0;
      for (const n of sizes(i)) {
        s.write(pattern(i, offset, n));
        offset += n;
      }
      s.end();
    }
    await p.pump(() => inbound.length === N && inbound.every((r) => r.ends === 1));
    for (const r of inbound) r.stream!.end();
    await p.pump();
    for (let i = 0; i < N; i++) {
      const total = sizes(i).reduce((x, y) => x + y, 0);
      expect(Buffer.compare(outbound[i].received(), pattern(i, 0, total))).toBe(0);
      expect(outbound[i].closes).toBe(1);
    }
    expect(p.a.streamCount + p.b.streamCount).toBe(0);
  });

  it('packs small writes made in one turn into one message', async () => {
    const p = new MuxPair();
    const inbound = accept(p.b);
    const streams = [p.a.openStream(), p.a.openStream(), p.a.openStream()];
    for (let i = 0; i < 100; i++) streams[i % 3].write(bytes(`w${i};`));
    await tick();
    expect(p.ab.queue).toHaveLength(1);
    const frames = decodeMessage(p.ab.queue[0]);
    expect(frames.filter((f) => f.type === MuxFrameType.OPEN)).toHaveLength(3);
    expect(frames.filter((f) => f.type === MuxFrameType.DATA)).toHaveLength(3);
    await p.pump();
    expect(inbound[0].text()).toBe(Array.from({ length: 34 }, (_, k) => `w${k * 3};`).join(''));
  });

  it('reports written bytes as pending until they are copied into a message', async () => {
    const p = new MuxPair();
    accept(p.b);
    const s = p.a.openStream();
    s.write(new Uint8Array(1000));
    s.write(new Uint8Array(500));
    expect(s.pendingWriteBytes).toBe(1500);
    await tick();
    expect(p.ab.queue).toHaveLength(1);
    expect(s.pendingWriteBytes).toBe(0);
  });

  it('delivers received DATA as views of the decrypted message (no copy)', async () => {
    const p = new MuxPair();
    const inbound = accept(p.b);
    p.a.openStream().write(new Uint8Array(1000).fill(7));
    await tick();
    const message = p.ab.queue[0];
    await p.pump();
    expect(inbound[0].chunks[0].buffer).toBe(message.buffer);
  });

  it('half-close: after end() the peer sees onEnd and can still write back', async () => {
    const p = new MuxPair();
    const inbound = accept(p.b);
    const s = p.a.openStream();
    const ra = new StreamRecorder(s);
    s.end();
    await p.pump(() => inbound[0]?.ends === 1);
    inbound[0].stream!.write(bytes('still here'));
    await p.pump(() => ra.bytes === 10);
    expect(ra.closes).toBe(0);
    expect(() => s.write(bytes('x'))).toThrow(ConnectionClosedError);
    inbound[0].stream!.end();
    await p.pump();
    expect(ra.events).toEqual(['data', 'end', 'close']);
    expect(inbound[0].events).toEqual(['end', 'close']);
  });

  it('data and end that arrive before setHandler are delivered after it, from a later turn', async () => {
    const p = new MuxPair();
    let inbound: MuxStream | undefined;
    p.b.onStream = (s) => {
      inbound = s;
    };
    const s = p.a.openStream();
    s.write(bytes('early'));
    s.end();
    await p.pump();
    const r = new StreamRecorder();
    inbound!.setHandler(r);
    expect(r.events).toEqual([]);
    await tick();
    expect(r.text()).toBe('early');
    expect(r.ends).toBe(1);
  });
});

describe('Mux streams: close and reset', () => {
  it('close(err) resets only that stream: the peer sees StreamResetError(CANCEL)', async () => {
    const p = new MuxPair();
    const inbound = accept(p.b);
    const doomed = p.a.openStream();
    const other = p.a.openStream();
    const rDoomed = new StreamRecorder(doomed);
    doomed.write(bytes('before'));
    other.write(bytes('fine'));
    await p.pump(() => inbound.length === 2 && inbound[0].bytes === 6);
    doomed.write(new Uint8Array(100_000)); // queued, then discarded by the reset
    const cause = new Error('application gave up');
    doomed.close(cause);
    expect(doomed.closed).toBe(true);
    expect(rDoomed.closes).toBe(0); // from a later turn
    await p.pump();
    expect(rDoomed.closeErr).toBeInstanceOf(ConnectionResetError);
    expect(rDoomed.closeErr!.cause).toBe(cause);
    const peerErr = inbound[0].closeErr as StreamResetError;
    expect(peerErr).toBeInstanceOf(StreamResetError);
    expect(peerErr.code).toBe(ResetCode.CANCEL);
    expect(peerErr.remote).toBe(true);
    expect(inbound[0].bytes).toBe(6);
    expect(inbound[1].text()).toBe('fine');
    expect(inbound[1].closes).toBe(0);
    expect(() => inbound[0].stream!.write(bytes('after onClose'))).toThrow(ConnectionClosedError);
    expect(p.a.streamCount).toBe(1);
    expect(p.b.streamCount).toBe(1);
  });

  it('a stream reset before its OPEN went out sends nothing at all', async () => {
    const p = new MuxPair();
    const inbound = accept(p.b);
    const s = p.a.openStream();
    s.write(bytes('never sent'));
    s.close(new Error('changed my mind'));
    await p.pump();
    expect(p.ab.delivered).toBe(0);
    expect(inbound).toHaveLength(0);
  });

  it('close() flushes, ends, and reports onClose once the FIN is out; late input is credited and dropped', async () => {
    const p = new MuxPair();
    const inbound = accept(p.b);
    const s = p.a.openStream();
    const ra = new StreamRecorder(s);
    s.write(bytes('last words'));
    s.close();
    await p.pump(() => ra.closes === 1);
    expect(ra.closeErr).toBeUndefined();
    await p.pump(() => inbound[0]?.ends === 1);
    expect(inbound[0].text()).toBe('last words');
    // The peer keeps writing more than a window: it must never stall on credit.
    const peer = inbound[0].stream!;
    for (let i = 0; i < 10; i++) peer.write(new Uint8Array(64 * 1024));
    peer.end();
    await p.pump();
    expect(ra.bytes).toBe(0);
    expect(inbound[0].closes).toBe(1);
    expect(inbound[0].closeErr).toBeUndefined();
    expect(p.a.streamCount + p.b.streamCount).toBe(0);
  });

  it('close() by a paused reader with a full window credits what it drops, so the writer can finish', async () => {
    const p = new MuxPair();
    const inbound = accept(p.b);
    const s = p.a.openStream();
    const ra = new StreamRecorder(s);
    await p.pump(() => inbound.length === 1);
    const reader = inbound[0].stream!;
    reader.pause();
    for (let i = 0; i < 8; i++) s.write(new Uint8Array(64 * 1024)); // twice the window
    await p.pump();
    expect(s.sendWindow).toBeLessThan(4096); // the writer is stuck on credit
    reader.close();
    s.end();
    await p.pump();
    expect(ra.events).toEqual(['end', 'close']);
    expect(ra.closeErr).toBeUndefined();
    expect(inbound[0].closes).toBe(1);
    expect(inbound[0].bytes).toBe(0);
    expect(p.a.streamCount + p.b.streamCount).toBe(0);
  });

  it('onClose fires exactly once and last, however often close() and end() are called', async () => {
    const p = new MuxPair();
    const inbound = accept(p.b);
    const s = p.a.openStream();
    const r = new StreamRecorder(s);
    s.end();
    s.close();
    s.close(new Error('ignored'));
    s.close();
    expect(() => s.end()).toThrow(ConnectionClosedError);
    await p.pump();
    inbound[0].stream!.end();
    inbound[0].stream!.close();
    await p.pump();
    expect(r.closes).toBe(1);
    expect(r.afterClose).toBe(0);
    expect(inbound[0].closes).toBe(1);
    expect(inbound[0].afterClose).toBe(0);
  });

  it('mux.close(err) fails every stream with MuxClosedError and refuses new streams', async () => {
    const p = new MuxPair();
    accept(p.b);
    const recs = [p.a.openStream(), p.a.openStream()].map((s) => new StreamRecorder(s));
    await p.pump();
    const cause = new Error('session lost');
    p.a.close(cause);
    p.a.close();
    await tick();
    for (const r of recs) {
      expect(r.closeErr).toBeInstanceOf(MuxClosedError);
      expect(r.closeErr!.cause).toBe(cause);
      expect(r.closes).toBe(1);
    }
    expect(() => p.a.openStream()).toThrow(ConnectionClosedError);
    expect(p.a.closed).toBe(true);
  });

  it('a handler that throws resets its own stream only', async () => {
    const p = new MuxPair();
    const inbound = accept(p.b, (s, r) => {
      if (s.id === 1)
        r.onDataHook = () => {
          throw new Error('handler bug');
        };
    });
    const [s1, s3] = [p.a.openStream(), p.a.openStream()];
    const r1 = new StreamRecorder(s1);
    s1.write(bytes('boom'));
    s3.write(bytes('ok'));
    await p.pump();
    expect((r1.closeErr as StreamResetError).code).toBe(ResetCode.CANCEL);
    expect(inbound[0].closeErr!.cause).toBeInstanceOf(Error);
    expect(inbound[1].text()).toBe('ok');
    expect(p.a.closed || p.b.closed).toBe(false);
    expect(p.errors).toEqual([]);
  });
});

describe('Mux: stream limit', () => {
  it('refuses OPENs beyond maxStreams with RST REFUSED, counts them, and ignores their data', async () => {
    const p = new MuxPair({ b: { maxStreams: 2 } });
    const inbound = accept(p.b);
    const recs = [1, 2, 3, 4].map(() => {
      const s = p.a.openStream();
      s.write(bytes('payload'));
      return new StreamRecorder(s);
    });
    await p.pump();
    expect(inbound).toHaveLength(2);
    expect(p.b.stats.streamsRefused).toBe(2);
    for (const r of recs.slice(2)) expect((r.closeErr as StreamResetError).code).toBe(ResetCode.REFUSED);
    expect(recs[0].closes + recs[1].closes).toBe(0);
    expect(p.errors).toEqual([]);
    // Closing one accepted stream frees a slot.
    inbound[0].stream!.close(new Error('done'));
    await p.pump();
    p.a.openStream();
    await p.pump();
    expect(inbound).toHaveLength(3);
  });

  it('refuses every inbound stream when nobody listens (no onStream)', async () => {
    const p = new MuxPair();
    const r = new StreamRecorder(p.a.openStream());
    await p.pump();
    expect((r.closeErr as StreamResetError).code).toBe(ResetCode.REFUSED);
  });
});

describe('Mux: errors are named', () => {
  it('MuxError is not a NetError, stream errors are', () => {
    expect(new StreamResetError(1, true)).toBeInstanceOf(ConnectionResetError);
    expect(new MuxClosedError('x')).toBeInstanceOf(ConnectionResetError);
    expect(Object.getPrototypeOf(MuxError.prototype)).toBe(Error.prototype);
    expect(new Mux({ send: () => true }).initiator).toBe(true);
  });
});
