import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeFrame, type Frame, FrameDecoder, FrameError, type FrameType } from '../stack/bifrost/index.js';

interface VectorFrame {
  type: number;
  typeName: string;
  payload: string;
}
interface ValidVector {
  name: string;
  stream: string;
  frames: VectorFrame[];
  closeReason?: number;
}
interface InvalidVector {
  name: string;
  stream: string;
  maxPayloadBytes?: number;
  framesBefore: VectorFrame[];
  error: string;
}

const vectors = JSON.parse(readFileSync(new URL('./vectors/bifrost.json', import.meta.url), 'utf8')) as {
  valid: ValidVector[];
  invalid: InvalidVector[];
};

const fromHex = (hex: string) => Uint8Array.from(Buffer.from(hex, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const simplify = (frames: Frame[]) => frames.map((f) => ({ type: f.type, payload: toHex(f.payload) }));
const expected = (frames: VectorFrame[]) => frames.map((f) => ({ type: f.type, payload: f.payload }));

/** Feed `stream` cut at `cuts`, pulling frames after every push; returns frames and the error, if any. */
function run(stream: Uint8Array, cuts: number[], maxPayloadBytes?: number) {
  const decoder = new FrameDecoder({ maxPayloadBytes });
  const frames: Frame[] = [];
  const points = [...new Set(cuts.filter((c) => c > 0 && c < stream.length))].sort((a, b) => a - b);
  let start = 0;
  const pull = () => {
    for (let f = decoder.next(); f !== undefined; f = decoder.next()) frames.push(f);
  };
  try {
    for (const end of [...points, stream.length]) {
      decoder.push(stream.subarray(start, end));
      pull();
      start = end;
    }
    decoder.end();
    pull();
    return { frames, error: undefined };
  } catch (err) {
    return { frames, error: err };
  }
}

const everyByte = (n: number) => Array.from({ length: n }, (_, i) => i);
const cutsArb = (n: number) => fc.array(fc.integer({ min: 0, max: Math.max(0, n) }), { maxLength: 12 });

describe('bifrost conformance vectors: valid', () => {
  for (const v of vectors.valid) {
    const stream = fromHex(v.stream);
    it(v.name, () => {
      const whole = run(stream, []);
      expect(whole.error).toBeUndefined();
      expect(simplify(whole.frames)).toEqual(expected(v.frames));
      if (stream.length <= 4096) {
        expect(simplify(run(stream, everyByte(stream.length)).frames)).toEqual(expected(v.frames));
      }
      fc.assert(
        fc.property(cutsArb(stream.length), (cuts) => {
          const r = run(stream, cuts);
          return (
            r.error === undefined &&
            toHex(Buffer.concat(r.frames.map((f) => encodeFrame(f.type, f.payload)))) === v.stream
          );
        }),
        { numRuns: 50, seed: 1 },
      );
      // The encoder produces exactly the vector's bytes.
      const encoded = v.frames.map((f) => encodeFrame(f.type as FrameType, fromHex(f.payload)));
      expect(toHex(Buffer.concat(encoded))).toBe(v.stream);
    });
  }
});

describe('bifrost conformance vectors: invalid', () => {
  for (const v of vectors.invalid) {
    const stream = fromHex(v.stream);
    it(`${v.name} -> ${v.error}`, () => {
      const check = (cuts: number[]) => {
        const r = run(stream, cuts, v.maxPayloadBytes);
        expect(r.error).toBeInstanceOf(FrameError);
        expect((r.error as Error).name).toBe(v.error);
        expect(simplify(r.frames)).toEqual(expected(v.framesBefore));
      };
      check([]);
      check(everyByte(stream.length));
      fc.assert(
        fc.property(cutsArb(stream.length), (cuts) => {
          check(cuts);
        }),
        { numRuns: 50, seed: 2 },
      );
    });
  }
});
