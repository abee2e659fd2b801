/**
 * LWW-Register: the write with the greatest (timestamp, replica id, canonical value) wins. The
 * last two break ties deterministically, so two writes at the same millisecond resolve the same
 * way on every replica, and merge is a join even for conflicting states with equal stamps.
 */
import { canonicalJson, type Json } from './canonical.js';
import { CrdtArgumentError } from './errors.js';
import { checkReplicaId } from './replica-id.js';

export interface LwwRegisterState {
  t: 'lww';
  v: Json;
  /** Milliseconds (wall clock of the writer, bumped past what it has seen); 0 = never written. */
  ts: number;
  /** The writer's replica id ('' = never written). */
  r: string;
}

export function lwwRegister(): LwwRegisterState {
  return { t: 'lww', v: null, ts: 0, r: '' };
}

export function lwwValue(s: LwwRegisterState): Json {
  return s.v;
}

/**
 * The delta that writes value at nowMs. The stamp is max(nowMs, seen + 1): a replica whose clock
 * lags still overwrites what it has already seen.
 */
export function lwwSet(s: LwwRegisterState, replica: string, value: Json, nowMs: number): LwwRegisterState {
  checkReplicaId(replica);
  if (!Number.isFinite(nowMs)) throw new CrdtArgumentError(`LWW timestamp must be finite, got ${nowMs}`);
  canonicalJson(value); // rejects values that have no canonical form (NaN, Infinity)
  const ts = Math.max(Math.floor(nowMs), s.ts + 1);
  return { t: 'lww', v: value, ts, r: replica };
}

/** Negative when a loses to b, positive when a wins, 0 when they are the same write. */
export function lwwCompare(a: LwwRegisterState, b: LwwRegisterState): number {
  if (a.ts !== b.ts) return a.ts - b.ts;
  if (a.r !== b.r) return a.r < b.r ? -1 : 1;
  const ca = canonicalJson(a.v);
  const cb = canonicalJson(b.v);
  return ca === cb ? 0 : ca < cb ? -1 : 1;
}

export function lwwMerge(a: LwwRegisterState, b: LwwRegisterState): LwwRegisterState {
  return lwwCompare(a, b) >= 0 ? a : b;
}
