/**
 * OR-Set, add-wins, as a delta-state dot kernel (Almeida, Shoker, Baquero, "Delta State
 * Replicated Data Types", 2018). Every add tags the element with a fresh dot (replica, counter);
 * the causal context records every dot the state has seen. Merge keeps a dot when both sides hold
 * it, or when the other side has never seen it; so a remove (which only covers dots it saw) never
 * cancels a concurrent add: add wins.
 *
 * Elements are JSON values, keyed by their canonical JSON text.
 */
import { canonicalJson, type Json, record } from './canonical.js';
import { checkReplicaId } from './replica-id.js';

export interface OrSetState {
  t: 'orset';
  /** Canonical JSON of an element -> its live dots ("replica@counter"), sorted. */
  e: Record<string, string[]>;
  /** Causal context, compact part: every dot replica@1..vv[replica] has been seen. */
  vv: Record<string, number>;
  /** Causal context, the seen dots beyond vv, sorted. */
  cloud: string[];
}

export function orSet(): OrSetState {
  return { t: 'orset', e: record(), vv: record(), cloud: [] };
}

export function dot(replica: string, counter: number): string {
  return `${replica}@${counter}`;
}

export function parseDot(d: string): [string, number] {
  const at = d.lastIndexOf('@');
  return [d.slice(0, at), Number(d.slice(at + 1))];
}

function seen(s: OrSetState, d: string, cloud: Set<string>): boolean {
  const [r, n] = parseDot(d);
  return (s.vv[r] ?? 0) >= n || cloud.has(d);
}

/** The elements present, in canonical order of their keys. */
export function orSetValue(s: OrSetState): Json[] {
  return Object.keys(s.e)
    .sort()
    .map((k) => JSON.parse(k) as Json);
}

export function orSetHas(s: OrSetState, element: Json): boolean {
  return (s.e[canonicalJson(element)]?.length ?? 0) > 0;
}

function nextCounter(s: OrSetState, replica: string): number {
  let n = s.vv[replica] ?? 0;
  for (const d of s.cloud) {
    const [r, c] = parseDot(d);
    if (r === replica && c > n) n = c;
  }
  return n + 1;
}

/** The delta that adds element: one fresh dot, and the element's old dots in its context. */
export function orSetAdd(s: OrSetState, replica: string, element: Json): OrSetState {
  checkReplicaId(replica);
  const key = canonicalJson(element);
  const d = dot(replica, nextCounter(s, replica));
  const delta = orSet();
  delta.e[key] = [d];
  return { ...delta, ...compact(record(), new Set([d, ...(s.e[key] ?? [])])) };
}

/** The delta that removes element: the dots it holds here, as context without entries. */
export function orSetRemove(s: OrSetState, element: Json): OrSetState {
  return { ...orSet(), ...compact(record(), new Set(s.e[canonicalJson(element)] ?? [])) };
}

export function orSetMerge(a: OrSetState, b: OrSetState): OrSetState {
  const cloudA = new Set(a.cloud);
  const cloudB = new Set(b.cloud);
  const e = record<string[]>();
  const keys = new Set([...Object.keys(a.e), ...Object.keys(b.e)]);
  for (const k of keys) {
    const da = a.e[k] ?? [];
    const db = b.e[k] ?? [];
    const inB = new Set(db);
    const keep = new Set<string>();
    for (const d of da) if (inB.has(d) || !seen(b, d, cloudB)) keep.add(d);
    const inA = new Set(da);
    for (const d of db) if (inA.has(d) || !seen(a, d, cloudA)) keep.add(d);
    if (keep.size > 0) e[k] = [...keep].sort();
  }
  const vv = record<number>();
  for (const r of Object.keys(a.vv)) vv[r] = a.vv[r]!;
  for (const r of Object.keys(b.vv)) vv[r] = Math.max(vv[r] ?? 0, b.vv[r]!);
  return { t: 'orset', e, ...compact(vv, new Set([...a.cloud, ...b.cloud])) };
}

/** Fold cloud dots that extend vv contiguously into vv; drop the ones vv already covers. */
export function compact(
  vv: Record<string, number>,
  cloud: Set<string>,
): { vv: Record<string, number>; cloud: string[] } {
  const byReplica = new Map<string, Set<number>>();
  for (const d of cloud) {
    const [r, n] = parseDot(d);
    if ((vv[r] ?? 0) >= n) continue;
    let set = byReplica.get(r);
    if (!set) {
      set = new Set();
      byReplica.set(r, set);
    }
    set.add(n);
  }
  const rest: string[] = [];
  for (const [r, ns] of byReplica) {
    let top = vv[r] ?? 0;
    while (ns.has(top + 1)) ns.delete(++top);
    if (top > 0) vv[r] = top;
    for (const n of ns) rest.push(dot(r, n));
  }
  return { vv, cloud: rest.sort() };
}
