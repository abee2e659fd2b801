/**
 * Random operation sequences on two honest Muxes wired back to back. Whatever the applications do
 * (open, write, end, close, close(err), pause, resume) and however the two directions interleave
 * and back up, the peers never accuse each other of a violation, bytes arrive in order and intact
 * (exactly, unless a reset or an early close() cut the stream short), every stream sees onClose
 * exactly once and last, and once everyone has finished no stream is left in either table.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MuxStream } from './mux.js';
import { MuxPair, pattern, StreamRecorder, tick } from './mux-pair.test-util.js';

type Side = 'a' | 'b';

/** One end of one stream, with what its application wrote and did. */
interface End {
  side: Side;
  stream: MuxStream;
  rec: StreamRecorder;
  written: number;
  ended: boolean;
  closed: boolean;
  /** close(err) here, or close() before the peer finished: the peer's bytes may be cut short. */
  cut: boolean;
  paused: boolean;
}

const opArb = fc.oneof(
  // Few streams, big writes and frequent pauses, so windows fill up and credit matters.
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('open' as const), side: fc.constantFrom<Side>('a', 'b') }),
  },
  {
    weight: 8,
    arbitrary: fc.record({
      op: fc.constant('write' as const),
      pick: fc.nat(),
      size: fc.oneof(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 20_000, max: 300_000 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('end' as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('close' as const), pick: fc.nat(), withError: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('pause' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('resume' as const), pick: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('step' as const),
      lane: fc.constantFrom('ab', 'ba'),
      n: fc.integer({ min: 1, max: 8 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('tick' as const) }) },
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;

class World {
  readonly ends: End[] = [];
  constructor(readonly p: MuxPair) {
    p.a.onStream = (s) => this.track('a', s);
    p.b.onStream = (s) => this.track('b', s);
  }

  track(side: Side, stream: MuxStream): End {
    const end: End = {
      side,
      stream,
      rec: new StreamRecorder(stream),
      written: 0,
      ended: false,
      closed: false,
      cut: false,
      paused: false,
    };
    this.ends.push(end);
    return end;
  }

  peer(end: End): End | undefined {
    return this.ends.find((e) => e.side !== end.side && e.stream.id === end.stream.id);
  }

  salt(end: End): number {
    return end.stream.id * 2 + (end.side === 'a' ? 0 : 1);
  }

  async apply(op: Op): Promise<void> {
    if (op.op === 'open') {
      this.track(op.side, (op.side === 'a' ? this.p.a : this.p.b).openStream());
      return;
    }
    if (op.op === 'step') {
      const lane = op.lane === 'ab' ? this.p.ab : this.p.ba;
      for (let i = 0; i < op.n; i++) this.p.step(lane);
      return;
    }
    if (op.op === 'tick') return tick();
    if (this.ends.length === 0) return;
    const end = this.ends[op.pick % this.ends.length];
    if (end.closed || end.rec.closes > 0) return;
    switch (op.op) {
      case 'write':
        if (end.ended) return;
        end.stream.write(pattern(this.salt(end), end.written, op.size));
        end.written += op.size;
        return;
      case 'end':
        end.ended = true;
        end.stream.end();
        return;
      case 'close': {
        end.closed = true;
        const peerDone = this.peer(end)?.ended ?? false;
        end.cut = op.withError || !peerDone || end.paused;
        end.stream.close(op.withError ? new Error('random abort') : undefined);
        return;
      }
      case 'pause':
        end.paused = true;
        end.stream.pause();
        return;
      case 'resume':
        end.paused = false;
        end.stream.resume();
    }
  }

  /** Everyone finishes politely: resume, end, and let all traffic settle. */
  async finish(): Promise<void> {
    await this.p.pump();
    for (const end of this.ends) {
      if (end.paused) end.stream.resume();
      end.paused = false;
    }
    await this.p.pump();
    for (const end of this.ends) {
      if (!end.closed && !end.ended && end.rec.closes === 0) {
        end.ended = true;
        end.stream.end();
      }
    }
    await this.p.pump();
  }

  check(): void {
    expect(this.p.errors).toEqual([]);
    for (const end of this.ends) {
      const peer = this.peer(end);
      const got = end.rec.received();
      expect(end.rec.closes).toBe(1);
      expect(end.rec.afterClose).toBe(0);
      if (peer === undefined) {
        // Refused (or never announced): nothing may have arrived.
        expect(got.length).toBe(0);
        continue;
      }
      // In order and intact: a prefix of what the peer wrote, and all of it unless cut short.
      expect(got.length).toBeLessThanOrEqual(peer.written);
      expect(Buffer.compare(got, pattern(this.salt(peer), 0, got.length))).toBe(0);
      const resetSomewhere = end.rec.closeErr !== undefined || peer.rec.closeErr !== undefined;
      if (!resetSomewhere && !end.cut && !peer.cut) expect(got.length).toBe(peer.written);
      const events = end.rec.events.filter((e) => e !== 'drain');
      expect(events.at(-1)).toBe('close');
      if (events.includes('end')) expect(events.indexOf('end')).toBe(events.length - 2);
    }
    expect(this.p.a.streamCount).toBe(0);
    expect(this.p.b.streamCount).toBe(0);
  }
}

describe('Mux property: random operation sequences', () => {
  it('honest peers never violate, never lose or reorder bytes, always close every stream once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(opArb, { minLength: 1, maxLength: 80 }),
        fc.constantFrom(undefined, 1, 3),
        fc.constantFrom(undefined, 64, 1000),
        async (ops, limit, maxMessageBytes) => {
          const p = new MuxPair({ limit, a: { maxMessageBytes }, b: { maxMessageBytes, maxStreams: 6 } });
          const world = new World(p);
          for (const op of ops) await world.apply(op);
          await world.finish();
          world.check();
        },
      ),
      { numRuns: 300 },
    );
  });
});
