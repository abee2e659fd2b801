import { CrdtArgumentError } from './errors.js';

/** Replica ids: 1..128 characters of [A-Za-z0-9._:-] (a NodeID in hex fits; '@' separates dots). */
const REPLICA_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function isReplicaId(r: unknown): r is string {
  return typeof r === 'string' && REPLICA_ID.test(r);
}

export function checkReplicaId(r: string): void {
  if (!isReplicaId(r)) {
    throw new CrdtArgumentError(
      `replica id must be 1..128 characters of [A-Za-z0-9._:-], got ${JSON.stringify(r)}`,
    );
  }
}
