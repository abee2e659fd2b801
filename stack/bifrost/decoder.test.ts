import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BadMagicError,
  BifrostUsageError,
  encodeFrame,
  FrameDecoder,
  FrameError,
  FrameType,
  HEADER_SIZE,
  TruncatedStreamError,
  UnsupportedVersionError,
} from './index.js';

const concat = (...parts: Uint8Array[]) => Uint8Array.from(Buffer.concat(parts));

describe('FrameDecoder copies', () => {
  it('returns views into the chunk for frames that lie inside one chunk', () => {
    const chunk = concat(
      encodeFrame(FrameType.HANDSHAKE, Uint8Array.of(1, 2)),
      encodeFrame(FrameType.TRANSPORT, Uint8Array.of(3)),
    );
    const d = new FrameDecoder();
    d.push(chunk);
    const [a, b] = d.drain();
    expect(a.payload.buffer).toBe(chunk.buffer);
    expect(a.payload.byteOffset).toBe(HEADER_SIZE);
    expect(b.payload.buffer).toBe(chunk.buffer);
    expect([...b.payload]).toEqual([3]);
  });

  it('assembles a frame split across chunks once, and holds only its bytes', () => {
    const payload = new Uint8Array(1000).map((_, i) => i);
    const frame = encodeFrame(FrameType.TRANSPORT, payload);
    const d = new FrameDecoder();
    d.push(frame.subarray(0, 3));
    expect(d.next()).toBeUndefined();
    d.push(frame.subarray(3, 500));
    expect(d.next()).toBeUndefined();
    expect(d.bufferedBytes).toBe(500);
    d.push(frame.subarray(500));
    const f = d.next()!;
    expect(f.payload).toEqual(payload);
    expect(d.bufferedBytes).toBe(0);
  });

  it('with borrowPayloads, split frames of any size share one assembly buffer', () => {
    const d = new FrameDecoder();
    d.borrowPayloads();
    const buffers = new Set<ArrayBufferLike>();
    for (const size of [700, 300, 1000, 5]) {
      const payload = new Uint8Array(size).map((_, i) => (i * 7 + size) & 0xff);
      const frame = encodeFrame(FrameType.TRANSPORT, payload);
      d.push(frame.subarray(0, 9));
      expect(d.next()).toBeUndefined();
      d.push(frame.subarray(9));
      const f = d.next()!;
      expect(f.payload).toEqual(payload);
      buffers.add(f.payload.buffer);
    }
    // 700 allocates, 300 reuses it, 1000 grows it once, 5 reuses the grown one.
    expect(buffers.size).toBe(2);
  });

  it('retainQueued: once it returns, the pushed chunks may be overwritten (any chunking, any pause)', () => {
    const frameArb = fc.uint8Array({ minLength: 0, maxLength: 300 });
    fc.assert(
      fc.property(
        fc.array(frameArb, { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(3), { minLength: 1, maxLength: 20 }),
        (payloads, cuts, pulls) => {
          const stream = concat(...payloads.map((p) => encodeFrame(FrameType.TRANSPORT, p)));
          const d = new FrameDecoder();
          d.borrowPayloads();
          const got: number[][] = [];
          let at = 0;
          for (let i = 0; at < stream.length; i++) {
            const n = Math.min(cuts[i % cuts.length], stream.length - at);
            // The owner's reused read buffer: the same memory for every chunk.
            const chunk = new Uint8Array(n);
            chunk.set(stream.subarray(at, at + n));
            at += n;
            d.push(chunk);
            // Pull a few frames only (a paused reader), consuming each payload at once.
            for (let k = 0; k < pulls[i % pulls.length]; k++) {
              const f = d.next();
              if (f === undefined) break;
              got.push([...f.payload]);
            }
            d.retainQueued();
            chunk.fill(0xee);
          }
          for (let f = d.next(); f !== undefined; f = d.next()) got.push([...f.payload]);
          expect(got).toEqual(payloads.map((p) => [...p]));
          expect(d.bufferedBytes).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('does not parse beyond what the reader pulls (pause between frames)', () => {
    const two = concat(
      encodeFrame(FrameType.HANDSHAKE, Uint8Array.of(1)),
      encodeFrame(FrameType.HANDSHAKE, Uint8Array.of(2)),
    );
    const d = new FrameDecoder();
    d.push(two);
    expect([...d.next()!.payload]).toEqual([1]);
    expect(d.bufferedBytes).toBe(7);
    expect([...d.next()!.payload]).toEqual([2]);
  });
});

describe('FrameDecoder errors', () => {
  it('is poisoned after an error: every later push and next throws the same error', () => {
    const d = new FrameDecoder();
    d.push(Uint8Array.of(0x56, 0x48, 9));
    let first: unknown;
    try {
      d.next();
    } catch (err) {
      first = err;
    }
    expect(first).toBeInstanceOf(UnsupportedVersionError);
    expect(d.error).toBe(first);
    expect(() => d.push(encodeFrame(FrameType.HANDSHAKE, new Uint8Array(1)))).toThrow(first as Error);
    expect(() => d.next()).toThrow(first as Error);
  });

  it('gives exact messages that locate the frame', () => {
    const d = new FrameDecoder();
    d.push(concat(encodeFrame(FrameType.HANDSHAKE, new Uint8Array(4)), Uint8Array.of(0x56, 0x47)));
    d.next();
    expect(() => d.next()).toThrow(
      new BadMagicError('bad magic in frame at stream offset 10: byte 1 is 0x47, expected 0x48'),
    );
  });

  it('reports truncation only after the complete frames, with a count of what arrived', () => {
    const d = new FrameDecoder();
    d.push(
      concat(
        encodeFrame(FrameType.HANDSHAKE, Uint8Array.of(7)),
        encodeFrame(FrameType.TRANSPORT, new Uint8Array(9)).subarray(0, 8),
      ),
    );
    d.end();
    expect([...d.next()!.payload]).toEqual([7]);
    expect(() => d.next()).toThrow(
      new TruncatedStreamError('stream ended inside the frame at stream offset 7: got 2 of 9 payload bytes'),
    );
  });

  it('end() at a frame boundary is not an error; push() after end() is a usage error', () => {
    const d = new FrameDecoder();
    d.push(encodeFrame(FrameType.HANDSHAKE, new Uint8Array(2)));
    d.end();
    d.end();
    expect(d.drain()).toHaveLength(1);
    expect(d.next()).toBeUndefined();
    expect(() => d.push(new Uint8Array(1))).toThrow(BifrostUsageError);
  });

  it('validates its limit', () => {
    expect(() => new FrameDecoder({ maxPayloadBytes: 0 })).toThrow(BifrostUsageError);
    expect(() => new FrameDecoder({ maxPayloadBytes: 65536 })).toThrow(BifrostUsageError);
  });

  it('ignores empty chunks', () => {
    const d = new FrameDecoder();
    d.push(new Uint8Array(0));
    d.end();
    expect(d.drain()).toEqual([]);
  });
});

describe('FrameDecoder properties', () => {
  const frameArb = fc
    .record({
      type: fc.constantFrom(FrameType.HANDSHAKE, FrameType.TRANSPORT, FrameType.CLOSE),
      payload: fc.uint8Array({ maxLength: 300 }),
    })
    .map((f) =>
      f.type === FrameType.CLOSE
        ? {
            type: f.type,
            payload: f.payload.subarray(0, 1).length === 1 ? f.payload.subarray(0, 1) : Uint8Array.of(6),
          }
        : f,
    );

  /** Split bytes at the given cut points into chunks. */
  const chunked = (bytes: Uint8Array, cuts: number[]) => {
    const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
    const out: Uint8Array[] = [];
    let start = 0;
    for (const p of [...points, bytes.length]) {
      out.push(bytes.subarray(start, p));
      start = p;
    }
    return out;
  };

  it('encode then decode is the identity under any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(frameArb, { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (frames, cuts) => {
          const stream = concat(...frames.map((f) => encodeFrame(f.type, f.payload)));
          const d = new FrameDecoder();
          const got = [];
          for (const chunk of chunked(stream, cuts)) {
            d.push(chunk);
            got.push(...d.drain());
          }
          d.end();
          got.push(...d.drain());
          expect(got.map((f) => [f.type, [...f.payload]])).toEqual(
            frames.map((f) => [f.type, [...f.payload]]),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('garbage yields only frames or a FrameError, the same for every chunking', () => {
    const outcome = (bytes: Uint8Array, cuts: number[], max: number) => {
      const d = new FrameDecoder({ maxPayloadBytes: max });
      const frames: string[] = [];
      try {
        for (const chunk of chunked(bytes, cuts)) {
          d.push(chunk);
          for (let f = d.next(); f; f = d.next())
            frames.push(`${f.type}:${Buffer.from(f.payload).toString('hex')}`);
        }
        d.end();
        for (let f = d.next(); f; f = d.next())
          frames.push(`${f.type}:${Buffer.from(f.payload).toString('hex')}`);
        return { frames, error: 'none' };
      } catch (err) {
        if (!(err instanceof FrameError)) throw err; // anything else (a RangeError) fails the property
        return { frames, error: err.name };
      }
    };
    // Garbage that often starts like a frame, so the deeper checks are reached too.
    const prefixArb = fc.constantFrom(
      new Uint8Array(0),
      Uint8Array.of(0x56),
      Uint8Array.of(0x56, 0x48),
      Uint8Array.of(0x56, 0x48, 1),
    );
    fc.assert(
      fc.property(
        prefixArb,
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.integer({ min: 1, max: 65535 }),
        (prefix, body, cuts, max) => {
          const bytes = concat(prefix, body);
          expect(outcome(bytes, cuts, max)).toEqual(outcome(bytes, [], max));
        },
      ),
      { numRuns: 1000 },
    );
  });
});
