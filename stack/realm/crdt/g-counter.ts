/**
 * G-Counter: one non-decreasing count per replica; the value is their sum, merge takes the
 * maximum per replica. A delta is the incrementing replica's new count alone.
 */
import { record } from './canonical.js';
import { CrdtArgumentError } from './errors.js';
import { checkReplicaId } from './replica-id.js';

export interface GCounterState {
  t: 'gcounter';
  /** Replica id -> that replica's total increments. */
  c: Record<string, number>;
}

export function gcounter(): GCounterState {
  return { t: 'gcounter', c: record() };
}

export function gcounterValue(s: GCounterState): number {
  let sum = 0;
  for (const k of Object.keys(s.c).sort()) sum += s.c[k]!;
  return sum;
}

/** The delta that adds n (a non-negative safe integer) for replica. */
export function gcounterInc(s: GCounterState, replica: string, n = 1): GCounterState {
  checkReplicaId(replica);
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new CrdtArgumentError(`a G-Counter increment must be a non-negative integer, got ${n}`);
  }
  const next = (s.c[replica] ?? 0) + n;
  if (!Number.isSafeInteger(next)) throw new CrdtArgumentError('G-Counter overflow');
  const c = record<number>();
  c[replica] = next;
  return { t: 'gcounter', c };
}

export function gcounterMerge(a: GCounterState, b: GCounterState): GCounterState {
  return { t: 'gcounter', c: maxMerge(a.c, b.c) };
}

export function maxMerge(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const c = record<number>();
  for (const k of Object.keys(a)) c[k] = a[k]!;
  for (const k of Object.keys(b)) c[k] = Math.max(c[k] ?? 0, b[k]!);
  return c;
}
