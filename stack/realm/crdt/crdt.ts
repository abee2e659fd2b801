/**
 * The CRDT states of this layer as one tagged union, with the generic operations a replica needs
 * whatever the type: merge, value, canonical encoding, digest, and a strict decoder for states
 * and deltas that arrive from peers.
 */
import type { CryptoBackend } from '../../crypto/types.js';
import { canonicalJson, type Json, record } from './canonical.js';
import { type CrdtMapState, crdtMap, mapMerge, mapValue } from './crdt-map.js';
import { CrdtDecodeError } from './errors.js';
import { type GCounterState, gcounter, gcounterMerge, gcounterValue } from './g-counter.js';
import { type LwwRegisterState, lwwMerge, lwwRegister, lwwValue } from './lww-register.js';
import { compact, type OrSetState, orSet, orSetMerge, orSetValue, parseDot } from './or-set.js';
import { type PNCounterState, pncounter, pncounterMerge, pncounterValue } from './pn-counter.js';
import { isReplicaId } from './replica-id.js';

export type CrdtState = GCounterState | PNCounterState | LwwRegisterState | OrSetState | CrdtMapState;
export type CrdtType = CrdtState['t'];
/** The state type whose tag is T. */
export type StateOf<T extends CrdtType> = Extract<CrdtState, { t: T }>;
export const CRDT_TYPES: readonly CrdtType[] = ['gcounter', 'pncounter', 'lww', 'orset', 'map'];

export function emptyOf(type: CrdtType): CrdtState {
  switch (type) {
    case 'gcounter':
      return gcounter();
    case 'pncounter':
      return pncounter();
    case 'lww':
      return lwwRegister();
    case 'orset':
      return orSet();
    case 'map':
      return crdtMap();
  }
}

/** Join of two states of the same type (a delta is a state: applying it is a merge). */
export function crdtMerge<S extends CrdtState>(a: S, b: S): S {
  if (a.t !== b.t) throw new CrdtDecodeError(`cannot merge a ${a.t} with a ${b.t}`);
  switch (a.t) {
    case 'gcounter':
      return gcounterMerge(a, b as GCounterState) as S;
    case 'pncounter':
      return pncounterMerge(a, b as PNCounterState) as S;
    case 'lww':
      return lwwMerge(a, b as LwwRegisterState) as S;
    case 'orset':
      return orSetMerge(a, b as OrSetState) as S;
    case 'map':
      return mapMerge(a, b as CrdtMapState) as S;
  }
}

/**
 * merge(target, delta) that may reuse target: counters are updated in place (O(delta) instead of
 * O(state)), other types fall back to crdtMerge. The caller must own target (not shared).
 */
export function crdtMergeInto<S extends CrdtState>(target: S, delta: S): S {
  if (target.t !== delta.t) throw new CrdtDecodeError(`cannot merge a ${target.t} with a ${delta.t}`);
  const maxInto = (a: Record<string, number>, b: Record<string, number>): void => {
    for (const k of Object.keys(b)) if (!(a[k]! >= b[k]!)) a[k] = b[k]!;
  };
  if (target.t === 'gcounter') {
    maxInto(target.c, (delta as GCounterState).c);
    return target;
  }
  if (target.t === 'pncounter') {
    maxInto(target.p, (delta as PNCounterState).p);
    maxInto(target.n, (delta as PNCounterState).n);
    return target;
  }
  return crdtMerge(target, delta);
}

/** What an application reads: a number, a JSON value, an array of elements, or an object. */
export function crdtValue(s: CrdtState): Json {
  switch (s.t) {
    case 'gcounter':
      return gcounterValue(s);
    case 'pncounter':
      return pncounterValue(s);
    case 'lww':
      return lwwValue(s);
    case 'orset':
      return orSetValue(s);
    case 'map':
      return mapValue(s);
  }
}

/** Canonical encoding: equal states, equal text. */
export function encodeState(s: CrdtState): string {
  return canonicalJson(s);
}

/** First 8 bytes of SHA-256 of the canonical encoding, in hex: what anti-entropy compares. */
export function stateDigest(s: CrdtState, crypto: CryptoBackend): string {
  const h = crypto.sha256(new TextEncoder().encode(encodeState(s)));
  let out = '';
  for (let i = 0; i < 8; i++) out += h[i]!.toString(16).padStart(2, '0');
  return out;
}

export function crdtEquals(a: CrdtState, b: CrdtState): boolean {
  return encodeState(a) === encodeState(b);
}

// ---------------------------------------------------------------------------------------------
// Decoding untrusted states
// ---------------------------------------------------------------------------------------------

const MAX_DEPTH = 8; // maps nested deeper than this are refused

function fail(path: string, expected: string): never {
  throw new CrdtDecodeError(`${path}: expected ${expected}`);
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function counts(x: unknown, path: string): Record<string, number> {
  if (!isObject(x)) fail(path, 'an object of replica -> count');
  const out = record<number>();
  for (const [k, v] of Object.entries(x)) {
    if (!isReplicaId(k)) fail(`${path}.${k}`, 'a replica id');
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) fail(`${path}.${k}`, 'a count >= 0');
    out[k] = v;
  }
  return out;
}

function dots(x: unknown, path: string): string[] {
  if (!Array.isArray(x)) fail(path, 'an array of dots');
  for (const d of x) {
    if (typeof d !== 'string' || !d.includes('@')) fail(path, 'dots "replica@counter"');
    const [r, n] = parseDot(d);
    if (!isReplicaId(r) || !Number.isSafeInteger(n) || n < 1) fail(path, 'dots "replica@counter"');
  }
  return [...new Set(x as string[])].sort();
}

function decodeOrSet(x: Record<string, unknown>, path: string): OrSetState {
  if (!isObject(x.e)) fail(`${path}.e`, 'an object of element -> dots');
  const e = record<string[]>();
  for (const [k, v] of Object.entries(x.e)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(k);
    } catch {
      fail(`${path}.e`, 'element keys in canonical JSON');
    }
    if (canonicalJson(parsed) !== k) fail(`${path}.e`, 'element keys in canonical JSON');
    const ds = dots(v, `${path}.e[${k}]`);
    if (ds.length > 0) e[k] = ds;
  }
  const ctx = compact(counts(x.vv, `${path}.vv`), new Set(dots(x.cloud, `${path}.cloud`)));
  return { t: 'orset', e, ...ctx };
}

/** A CRDT state from untrusted JSON (already parsed). Throws CrdtDecodeError naming the field. */
export function decodeState(x: unknown, path = 'state', depth = 0): CrdtState {
  if (!isObject(x)) fail(path, 'an object');
  switch (x.t) {
    case 'gcounter':
      return { t: 'gcounter', c: counts(x.c, `${path}.c`) };
    case 'pncounter':
      return { t: 'pncounter', p: counts(x.p, `${path}.p`), n: counts(x.n, `${path}.n`) };
    case 'lww': {
      if (typeof x.ts !== 'number' || !Number.isSafeInteger(x.ts) || x.ts < 0)
        fail(`${path}.ts`, 'an integer >= 0');
      if (!(x.r === '' || isReplicaId(x.r))) fail(`${path}.r`, 'a replica id');
      if (!('v' in x)) fail(`${path}.v`, 'a JSON value');
      return { t: 'lww', v: x.v as Json, ts: x.ts, r: x.r as string };
    }
    case 'orset':
      return decodeOrSet(x, path);
    case 'map': {
      if (depth >= MAX_DEPTH) fail(path, `maps nested at most ${MAX_DEPTH} deep`);
      if (!isObject(x.keys) || x.keys.t !== 'orset') fail(`${path}.keys`, 'an orset');
      if (!isObject(x.v)) fail(`${path}.v`, 'an object of key -> state');
      const v = record<CrdtState>();
      for (const [k, s] of Object.entries(x.v))
        v[k] = decodeState(s, `${path}.v[${JSON.stringify(k)}]`, depth + 1);
      return { t: 'map', keys: decodeOrSet(x.keys, `${path}.keys`), v };
    }
    default:
      fail(`${path}.t`, `one of ${CRDT_TYPES.join(', ')}`);
  }
}
