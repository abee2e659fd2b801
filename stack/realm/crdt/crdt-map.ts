/**
 * A map of CRDTs: string keys, each holding any CRDT of this layer (including another map).
 * Which keys are present is an add-wins OR-Set of the keys; the values merge key by key and
 * survive a remove (a key removed and written again shows the merged value: "remove hides").
 * When two replicas put different types under one key, the type whose name sorts last wins on
 * every replica (a deterministic join, never an exception from a peer's data).
 */
import { canonicalJson, type Json, record } from './canonical.js';
import { type CrdtState, type CrdtType, crdtMerge, crdtValue, emptyOf, type StateOf } from './crdt.js';
import { CrdtArgumentError } from './errors.js';
import { type OrSetState, orSet, orSetAdd, orSetHas, orSetMerge, orSetRemove, orSetValue } from './or-set.js';

export interface CrdtMapState {
  t: 'map';
  keys: OrSetState;
  v: Record<string, CrdtState>;
}

export function crdtMap(): CrdtMapState {
  return { t: 'map', keys: orSet(), v: record() };
}

export function mapGet(s: CrdtMapState, key: string): CrdtState | undefined {
  return orSetHas(s.keys, key) ? s.v[key] : undefined;
}

export function mapValue(s: CrdtMapState): Record<string, Json> {
  const out = record<Json>();
  for (const k of orSetValue(s.keys) as string[]) {
    const v = s.v[k];
    if (v) out[k] = crdtValue(v);
  }
  return out;
}

/**
 * The delta that updates key: `update` gets the current value (or an empty one of `type`) and
 * returns a delta of it; the key is (re-)added.
 */
export function mapUpdate<T extends CrdtType>(
  s: CrdtMapState,
  replica: string,
  key: string,
  type: T,
  update: (current: StateOf<T>) => StateOf<T>,
): CrdtMapState {
  if (typeof key !== 'string') throw new CrdtArgumentError('map keys are strings');
  const existing = s.v[key];
  if (existing && existing.t !== type) {
    throw new CrdtArgumentError(`key ${JSON.stringify(key)} holds a ${existing.t}, not a ${type}`);
  }
  const current = (existing ?? emptyOf(type)) as StateOf<T>;
  const delta = crdtMap();
  delta.keys = orSetAdd(s.keys, replica, key);
  delta.v[key] = update(current);
  return delta;
}

export function mapRemove(s: CrdtMapState, key: string): CrdtMapState {
  const delta = crdtMap();
  delta.keys = orSetRemove(s.keys, key);
  return delta;
}

export function mapMerge(a: CrdtMapState, b: CrdtMapState): CrdtMapState {
  const v = record<CrdtState>();
  for (const k of Object.keys(a.v)) v[k] = a.v[k]!;
  for (const k of Object.keys(b.v)) {
    const x = v[k];
    const y = b.v[k]!;
    if (!x) v[k] = y;
    else if (x.t === y.t) v[k] = crdtMerge(x, y);
    else v[k] = x.t > y.t ? x : y;
  }
  return { t: 'map', keys: orSetMerge(a.keys, b.keys), v };
}

export function mapKeyCanonical(key: string): string {
  return canonicalJson(key);
}
