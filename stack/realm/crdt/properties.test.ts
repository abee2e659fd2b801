/**
 * Property tests: for every type, merge is commutative, associative and idempotent, and applying
 * a replica's deltas (in any order, duplicated) gives the same state as merging its full state.
 * States come from random histories of three replicas that mutate and merge each other, so they
 * are the states real replicas can reach (dots unique per replica).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Json } from './canonical.js';
import { type CrdtState, crdtEquals, crdtMerge, decodeState, emptyOf, encodeState } from './crdt.js';
import { mapRemove, mapUpdate } from './crdt-map.js';
import { gcounterInc } from './g-counter.js';
import { lwwSet } from './lww-register.js';
import { orSetAdd, orSetRemove } from './or-set.js';
import { pncounterAdd } from './pn-counter.js';

const REPLICAS = ['r0', 'r1', 'r2'];
type Mutate = (s: CrdtState, replica: string, arg: number, nowMs: number) => CrdtState;

const elem = (arg: number): Json => (arg % 3 === 0 ? arg % 5 : { k: `e${arg % 5}` });

const mutators: Record<string, Mutate> = {
  gcounter: (s, r, a) => gcounterInc(s as never, r, a % 4),
  pncounter: (s, r, a) => pncounterAdd(s as never, r, (a % 7) - 3),
  // Few distinct timestamps, so ties on ts (broken by replica, then value) are common.
  lww: (s, r, a, now) => lwwSet(s as never, r, elem(a), now % 3),
  orset: (s, r, a) =>
    a % 3 === 2 ? orSetRemove(s as never, elem(a >> 2)) : orSetAdd(s as never, r, elem(a >> 2)),
  map: (s, r, a, now) => {
    const key = `k${a % 3}`;
    if (a % 11 === 10) return mapRemove(s as never, key);
    if (key === 'k0')
      return mapUpdate(s as never, r, key, 'pncounter', (c) => pncounterAdd(c, r, (a % 5) - 2));
    if (key === 'k1') return mapUpdate(s as never, r, key, 'orset', (c) => orSetAdd(c, r, a % 4));
    return mapUpdate(s as never, r, key, 'lww', (c) => lwwSet(c, r, a, now % 2));
  },
};

/** One step of a history: replica `who` mutates (arg) or merges the full state of `from`. */
const step = fc.record({
  who: fc.nat(2),
  from: fc.nat(2),
  merge: fc.boolean(),
  arg: fc.nat(1000),
});

interface History {
  states: CrdtState[];
  /** What each replica applied, in order: its own deltas and the states it merged in. */
  applied: CrdtState[][];
}

function play(
  type: string,
  steps: fc.Arbitrary<{ who: number; from: number; merge: boolean; arg: number }[]>,
) {
  return steps.map((ss): History => {
    const states = REPLICAS.map(() => emptyOf(type as CrdtState['t']));
    const applied: CrdtState[][] = REPLICAS.map(() => []);
    ss.forEach((s, t) => {
      const d = s.merge ? states[s.from]! : mutators[type]!(states[s.who]!, REPLICAS[s.who]!, s.arg, t);
      states[s.who] = crdtMerge(states[s.who]!, d);
      applied[s.who]!.push(d);
    });
    return { states, applied };
  });
}

const eq = (a: CrdtState, b: CrdtState): void => expect(encodeState(a)).toBe(encodeState(b));

describe.each(Object.keys(mutators))('%s', (type) => {
  const histories = play(type, fc.array(step, { maxLength: 40 }));

  it('merge is commutative, associative and idempotent', () => {
    fc.assert(
      fc.property(histories, ({ states: [a, b, c] }) => {
        eq(crdtMerge(a!, b!), crdtMerge(b!, a!));
        eq(crdtMerge(crdtMerge(a!, b!), c!), crdtMerge(a!, crdtMerge(b!, c!)));
        eq(crdtMerge(a!, a!), a!);
      }),
      { numRuns: 300 },
    );
  });

  it('deltas applied in any order, duplicated, equal the full state merge', () => {
    fc.assert(
      fc.property(histories, fc.array(fc.nat(), { maxLength: 80 }), ({ states, applied }, shuffle) => {
        // Replica 1's state merged into replica 0 as a whole ...
        const full = crdtMerge(states[0]!, states[1]!);
        // ... and as replica 1's deltas, reordered and some repeated.
        const ds = [...applied[1]!];
        for (const [i, n] of shuffle.entries()) {
          if (ds.length === 0) break;
          const j = n % ds.length;
          if (i % 4 === 0) ds.push(ds[j]!);
          else [ds[0], ds[j]] = [ds[j]!, ds[0]!];
        }
        let viaDeltas = states[0]!;
        for (const d of ds) viaDeltas = crdtMerge(viaDeltas, d);
        eq(viaDeltas, full);
      }),
      { numRuns: 300 },
    );
  });

  it('decodeState accepts every reachable state and delta unchanged', () => {
    fc.assert(
      fc.property(histories, ({ states, applied }) => {
        for (const s of [...states, ...applied.flat()]) {
          expect(crdtEquals(decodeState(JSON.parse(encodeState(s))), s)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });
});
