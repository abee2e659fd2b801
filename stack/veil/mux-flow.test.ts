import { describe, expect, it } from 'vitest';
import type { Mux, MuxStream } from './mux.js';
import { decodeMessage } from './mux-codec.js';
import { INITIAL_WINDOW, MIN_DATA_WINDOW, MuxFrameType, STREAM_HIGH_WATER_BYTES } from './mux-constants.js';
import { MuxPair, pattern, StreamRecorder, tick } from './mux-pair.test-util.js';

const KiB = 1024;
const MiB = 1024 * KiB;

function acceptOne(mux: Mux): { rec: StreamRecorder; stream?: MuxStream } {
  const box: { rec: StreamRecorder; stream?: MuxStream } = { rec: new StreamRecorder() };
  mux.onStream = (s) => {
    box.stream = s;
    s.setHandler(box.rec);
  };
  return box;
}

/** Write `total` bytes of pattern(salt) in `chunk`-sized writes, honouring write() === false. */
async function writeAll(
  p: MuxPair,
  s: MuxStream,
  r: StreamRecorder,
  salt: number,
  total: number,
  chunk = 64 * KiB,
) {
  let offset = 0;
  let fulls = 0;
  while (offset < total) {
    const n = Math.min(chunk, total - offset);
    const ok = s.write(pattern(salt, offset, n));
    offset += n;
    if (!ok) {
      fulls++;
      const drains = r.drains;
      await p.pump(() => r.drains > drains);
    }
  }
  return fulls;
}

describe('Mux flow control', () => {
  it('a paused reader stops the sender after one window; resume delivers everything and drains the writer', async () => {
    const p = new MuxPair();
    const inbound = acceptOne(p.b);
    const s = p.a.openStream();
    const ra = new StreamRecorder(s);
    await p.pump(() => inbound.stream !== undefined);
    inbound.stream!.pause();
    // Write far past the high-water mark (write() === false only advises waiting).
    const written = 1 * MiB;
    for (let offset = 0; offset < written; offset += 64 * KiB) s.write(pattern(1, offset, 64 * KiB));
    await p.pump();
    // One window crossed the wire (less a sliver under MIN_DATA_WINDOW); the rest waits in the queue.
    expect(p.a.stats.dataBytesSent).toBeGreaterThan(INITIAL_WINDOW - MIN_DATA_WINDOW);
    expect(p.a.stats.dataBytesSent).toBeLessThanOrEqual(INITIAL_WINDOW);
    expect(inbound.rec.bytes).toBe(0);
    expect(s.sendWindow).toBeLessThan(MIN_DATA_WINDOW);
    expect(written - INITIAL_WINDOW).toBeGreaterThan(STREAM_HIGH_WATER_BYTES);
    expect(ra.drains).toBe(0);
    inbound.stream!.resume();
    await p.pump(() => inbound.rec.bytes === written);
    expect(ra.drains).toBe(1);
    expect(Buffer.compare(inbound.rec.received(), pattern(1, 0, written))).toBe(0);
  });

  it('the receive window never goes negative: in-flight data stays within what was granted', async () => {
    const p = new MuxPair();
    const inbound = acceptOne(p.b);
    const s = p.a.openStream();
    const ra = new StreamRecorder(s);
    let maxBuffered = 0;
    inbound.rec.onDataHook = () => {
      maxBuffered = Math.max(maxBuffered, p.a.stats.dataBytesSent - inbound.rec.bytes);
    };
    await writeAll(p, s, ra, 2, 8 * MiB);
    s.end();
    await p.pump(() => inbound.rec.ends === 1);
    expect(maxBuffered).toBeLessThanOrEqual(INITIAL_WINDOW);
    expect(Buffer.compare(inbound.rec.received(), pattern(2, 0, 8 * MiB))).toBe(0);
    // One WINDOW_UPDATE per half window, not per message.
    const updates = p.ba.sizes.length;
    expect(updates).toBeLessThanOrEqual((8 * MiB) / (INITIAL_WINDOW / 2) + 2);
  });

  it('a larger initialWindowBytes is opened with one WINDOW_UPDATE right after OPEN', async () => {
    const p = new MuxPair({ a: { initialWindowBytes: 4 * MiB }, b: { initialWindowBytes: 1 * MiB } });
    const inbound = acceptOne(p.b);
    const s = p.a.openStream();
    await tick();
    const first = decodeMessage(p.ab.queue[0]);
    expect(first.map((f) => f.type)).toEqual([MuxFrameType.OPEN, MuxFrameType.WINDOW_UPDATE]);
    await p.pump(() => inbound.stream !== undefined);
    inbound.stream!.pause();
    for (let i = 0; i < 40; i++) s.write(new Uint8Array(64 * KiB));
    await p.pump();
    // b's window, not the 256 KiB default (less a sliver under MIN_DATA_WINDOW)
    expect(p.a.stats.dataBytesSent).toBeGreaterThan(1 * MiB - MIN_DATA_WINDOW);
    expect(p.a.stats.dataBytesSent).toBeLessThanOrEqual(1 * MiB);
  });

  it('stops at send() === false and resumes on drained(), losing nothing', async () => {
    const p = new MuxPair({ limit: 2 });
    const inbound = acceptOne(p.b);
    const s = p.a.openStream();
    const ra = new StreamRecorder(s);
    s.write(new Uint8Array(1)); // OPEN + 1 byte
    await tick();
    s.write(pattern(3, 1, 1 * MiB - 1));
    await tick();
    expect(p.ab.queue.length).toBe(2); // the mux stopped when the lane said it was full
    await p.pump(() => inbound.rec.bytes === 1 * MiB);
    expect(Buffer.compare(inbound.rec.received().subarray(1), pattern(3, 1, 1 * MiB - 1))).toBe(0);
    expect(ra.closes).toBe(0);
  });

  it('never builds a message over maxMessageBytes, even a tiny one', async () => {
    const p = new MuxPair({ a: { maxMessageBytes: 64 }, b: { maxMessageBytes: 64 } });
    const inbound = acceptOne(p.b);
    const s = p.a.openStream();
    const ra = new StreamRecorder(s);
    await writeAll(p, s, ra, 4, 100 * KiB, 999);
    s.end();
    await p.pump(() => inbound.rec.ends === 1);
    expect(Math.max(...p.ab.sizes, ...p.ba.sizes)).toBeLessThanOrEqual(64);
    expect(Buffer.compare(inbound.rec.received(), pattern(4, 0, 100 * KiB))).toBe(0);
    expect(p.errors).toEqual([]);
  });

  it('bulk data travels in full-size messages when the writer refills on onDrain', async () => {
    for (const limit of [undefined, 1, 4]) {
      const p = new MuxPair({ limit });
      const inbound = acceptOne(p.b);
      const s = p.a.openStream();
      const ra = new StreamRecorder(s);
      let wake = () => {};
      ra.onDrain = () => wake();
      const TOTAL = 8 * MiB;
      const writer = (async () => {
        for (let offset = 0; offset < TOTAL; offset += 64 * KiB) {
          if (s.write(pattern(5, offset, 64 * KiB))) continue;
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
        }
      })();
      await p.pump(() => inbound.rec.bytes === TOTAL);
      await writer;
      // 65512 DATA bytes per full message: at most a couple of partial messages in the whole run.
      expect(p.ab.sizes.length).toBeLessThanOrEqual(Math.ceil(TOTAL / 65512) + 2);
      expect(Buffer.compare(inbound.rec.received(), pattern(5, 0, TOTAL))).toBe(0);
    }
  });
});

describe('Mux fairness', () => {
  it('a small request/response completes while a 50 MiB bulk transfer is far from done', async () => {
    const p = new MuxPair({ limit: 4 });
    const BULK = 50 * MiB;
    let bulkReceived = 0;
    let bulkAtResponse = -1;
    p.b.onStream = (s) => {
      const r = new StreamRecorder(s);
      r.onDataHook = (chunk) => {
        if (s.id === 1) bulkReceived += chunk.length;
        else s.write(Uint8Array.from(chunk).reverse()); // echo server
      };
    };
    const bulk = p.a.openStream();
    const bulkRec = new StreamRecorder(bulk);
    const bulkDone = writeAll(p, bulk, bulkRec, 6, BULK);
    // Let the bulk transfer get going before the request is made.
    await p.pump(() => bulkReceived >= 2 * MiB);
    const req = p.a.openStream();
    const reqRec = new StreamRecorder(req);
    reqRec.onDataHook = () => {
      if (reqRec.bytes === 5) bulkAtResponse = bulkReceived;
    };
    req.write(new TextEncoder().encode('ping!'));
    await bulkDone;
    await p.pump(() => bulkReceived === BULK);
    expect(reqRec.text()).toBe('!gnip');
    // Measured in bytes, not time: the response came back within a few windows of bulk progress.
    expect(bulkAtResponse).toBeGreaterThan(0);
    expect(bulkAtResponse - 2 * MiB).toBeLessThan(2 * MiB);
    expect(bulkAtResponse).toBeLessThan(BULK / 10);
  });
});

/** Borrows chunks, as promised copies each one, and counts which were views of a whole message. */
class BorrowingRecorder extends StreamRecorder {
  readonly borrowsChunks = true;
  views = 0;
  override onData(chunk: Uint8Array): void {
    if (chunk.buffer.byteLength > chunk.length) this.views++; // a DATA body inside its message
    super.onData(chunk.slice());
  }
}

describe('Mux with borrowed messages (the session decrypts large ones into one reused array)', () => {
  it('a borrowing handler gets views; paused and plain streams get copies that survive the reuse', async () => {
    const p = new MuxPair({ borrowed: true });
    const accepted: MuxStream[] = [];
    p.b.onStream = (s) => accepted.push(s);
    const [s1, s2] = [p.a.openStream(), p.a.openStream()];
    new StreamRecorder(s1);
    new StreamRecorder(s2);
    await p.pump(() => accepted.length === 2);
    const borrowing = new BorrowingRecorder(accepted[0]);
    const plain = new StreamRecorder(accepted[1]);
    accepted[0].pause();
    const total = 768 * KiB;
    for (let offset = 0; offset < total; offset += 64 * KiB) {
      s1.write(pattern(1, offset, 64 * KiB));
      s2.write(pattern(2, offset, 64 * KiB));
    }
    await p.pump(() => plain.bytes === total); // s1's first window waits, queued, while paused
    expect(borrowing.bytes).toBe(0);
    accepted[0].resume();
    await p.pump(() => borrowing.bytes === total);
    expect(Buffer.compare(borrowing.received(), pattern(1, 0, total))).toBe(0);
    expect(Buffer.compare(plain.received(), pattern(2, 0, total))).toBe(0);
    expect(borrowing.views).toBeGreaterThan(0); // after the resume, DATA went straight through
    expect(plain.chunks.every((c) => c.buffer.byteLength === c.length)).toBe(true);
  });
});
