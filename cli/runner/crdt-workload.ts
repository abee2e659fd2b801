/**
 * Random CRDT operations on replicated stores, and the check that no acknowledged operation is
 * lost. An operation is acknowledged when store.update() returns (the replica applied it). The
 * operations are chosen so that each one leaves a trace the final state must show:
 *   inc  hits (G-Counter)          final count of the replica = sum of its acknowledged increments
 *   pn   balance (PN-Counter)      its P and N entries = sums of its positive and negative steps
 *   add  set/K (OR-Set)            a unique element "replica:seq": present unless the replica removed it
 *   rm   set/K                     removes one of the replica's own elements: absent at the end
 *   lww  reg/replica (LWW)         final value = the replica's last acknowledged write
 *   map  map/K (map of G-Counters) field "replica" = number of its acknowledged map increments
 */

import {
  type CrdtMapState,
  type CrdtState,
  type GCounterState,
  gcounterInc,
  lwwSet,
  mapUpdate,
  type OrSetState,
  orSetAdd,
  orSetHas,
  orSetRemove,
  type PNCounterState,
  pncounterAdd,
} from '../../stack/realm/crdt/index.js';
import type { ReplicatedStore } from '../../stack/realm/replica/index.js';
import type { Rng } from '../../stack/runtime.js';

export interface AckedOp {
  replica: string;
  kind: 'inc' | 'pn' | 'add' | 'rm' | 'lww' | 'map';
  key: string;
  /** inc/pn/map: the step; add/rm: the element's seq; lww: the value written. */
  arg: number;
  tMs: number;
}

export const SET_SHARDS = 4;

/** Per replica: the elements it added and has not removed (so rm picks one of its own). */
export class CrdtOpGenerator {
  private seq = 0;
  private readonly live: number[] = [];

  constructor(
    private readonly store: ReplicatedStore,
    private readonly rng: Rng,
  ) {}

  /** Perform one random operation; returns it once acknowledged. */
  step(nowMs: number, wallMs: number): AckedOp {
    const s = this.store;
    const r = s.replicaId;
    const roll = this.rng.int(100);
    const shard = this.rng.int(SET_SHARDS);
    const op = (kind: AckedOp['kind'], key: string, arg: number): AckedOp => ({
      replica: r,
      kind,
      key,
      arg,
      tMs: nowMs,
    });
    if (roll < 25) {
      const n = 1 + this.rng.int(3);
      s.update('hits', 'gcounter', (c, rep) => gcounterInc(c, rep, n));
      return op('inc', 'hits', n);
    }
    if (roll < 40) {
      const n = this.rng.int(11) - 5 || 1;
      s.update('balance', 'pncounter', (c, rep) => pncounterAdd(c, rep, n));
      return op('pn', 'balance', n);
    }
    if (roll < 55 && this.live.length > 0) {
      const seq = this.live.splice(this.rng.int(this.live.length), 1)[0]!;
      const key = `set/${seq % SET_SHARDS}`;
      s.update(key, 'orset', (c) => orSetRemove(c, `${r}:${seq}`));
      return op('rm', key, seq);
    }
    if (roll < 75) {
      const seq = ++this.seq * SET_SHARDS + shard; // seq % SET_SHARDS names the shard
      const key = `set/${shard}`;
      s.update(key, 'orset', (c, rep) => orSetAdd(c, rep, `${r}:${seq}`));
      this.live.push(seq);
      return op('add', key, seq);
    }
    if (roll < 90) {
      const v = ++this.seq;
      s.update(`reg/${r}`, 'lww', (c, rep) => lwwSet(c, rep, v, wallMs));
      return op('lww', `reg/${r}`, v);
    }
    const key = `map/${shard}`;
    s.update(key, 'map', (m, rep) => mapUpdate(m, rep, rep, 'gcounter', (c) => gcounterInc(c, rep, 1)));
    return op('map', key, 1);
  }
}

/** Every acknowledged op checked against a final state; returns the ones the state does not show. */
export function checkOps(get: (key: string) => CrdtState | undefined, ops: readonly AckedOp[]): string[] {
  const lost: string[] = [];
  const sums = new Map<string, number>();
  const add = (k: string, n: number): void => {
    sums.set(k, (sums.get(k) ?? 0) + n);
  };
  const removed = new Set<string>();
  const lastLww = new Map<string, number>();
  for (const o of ops) {
    if (o.kind === 'inc') add(`inc ${o.replica}`, o.arg);
    else if (o.kind === 'pn') add(`pn${o.arg >= 0 ? '+' : '-'} ${o.replica}`, Math.abs(o.arg));
    else if (o.kind === 'map') add(`map ${o.key} ${o.replica}`, o.arg);
    else if (o.kind === 'rm') removed.add(`${o.replica}:${o.arg}`);
    else if (o.kind === 'lww') lastLww.set(o.key, o.arg);
  }
  for (const o of ops) {
    if (o.kind !== 'add') continue;
    const el = `${o.replica}:${o.arg}`;
    const set = get(o.key) as OrSetState | undefined;
    const present = set ? orSetHas(set, el) : false;
    if (present === removed.has(el)) lost.push(`${removed.has(el) ? 'rm' : 'add'} ${el} in ${o.key}`);
  }
  for (const [k, want] of sums) {
    const [kind, a, b] = k.split(' ') as [string, string, string | undefined];
    let have = 0;
    if (kind === 'inc') have = (get('hits') as GCounterState | undefined)?.c[a] ?? 0;
    else if (kind === 'pn+' || kind === 'pn-') {
      const pn = get('balance') as PNCounterState | undefined;
      have = (kind === 'pn+' ? pn?.p[a] : pn?.n[a]) ?? 0;
    } else if (kind === 'map') {
      const m = get(a) as CrdtMapState | undefined;
      have = (m?.v[b!] as GCounterState | undefined)?.c[b!] ?? 0;
    }
    if (have !== want) lost.push(`${k}: ${have} of ${want}`);
  }
  for (const [key, v] of lastLww) {
    const reg = get(key);
    if (reg?.t !== 'lww' || reg.v !== v)
      lost.push(`${key}: ${reg?.t === 'lww' ? reg.v : 'missing'} instead of ${v}`);
  }
  return lost;
}
