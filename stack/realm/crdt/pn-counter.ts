/** PN-Counter: two G-Counters, increments and decrements; the value is their difference. */
import { record } from './canonical.js';
import { CrdtArgumentError } from './errors.js';
import { maxMerge } from './g-counter.js';
import { checkReplicaId } from './replica-id.js';

export interface PNCounterState {
  t: 'pncounter';
  p: Record<string, number>;
  n: Record<string, number>;
}

export function pncounter(): PNCounterState {
  return { t: 'pncounter', p: record(), n: record() };
}

export function pncounterValue(s: PNCounterState): number {
  let v = 0;
  for (const k of Object.keys(s.p).sort()) v += s.p[k]!;
  for (const k of Object.keys(s.n).sort()) v -= s.n[k]!;
  return v;
}

/** The delta that adds n (any safe integer, negative to decrement) for replica. */
export function pncounterAdd(s: PNCounterState, replica: string, n: number): PNCounterState {
  checkReplicaId(replica);
  if (!Number.isSafeInteger(n)) throw new CrdtArgumentError(`a PN-Counter step must be an integer, got ${n}`);
  const side = n >= 0 ? 'p' : 'n';
  const next = (s[side][replica] ?? 0) + Math.abs(n);
  if (!Number.isSafeInteger(next)) throw new CrdtArgumentError('PN-Counter overflow');
  const d = pncounter();
  d[side][replica] = next;
  return d;
}

export function pncounterMerge(a: PNCounterState, b: PNCounterState): PNCounterState {
  return { t: 'pncounter', p: maxMerge(a.p, b.p), n: maxMerge(a.n, b.n) };
}
