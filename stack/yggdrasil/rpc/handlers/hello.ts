/**
 * HELLO(record): the peer's own signed peer record, first on every session. It is accepted only
 * if it names the NodeID the session authenticated (so one peer cannot announce another's record
 * as its own), its signature verifies, and it is not older than the record we already hold for
 * this session (no rollback). Returns whether ps.record was updated.
 */
import type { CryptoBackend } from '../../../crypto/types.js';
import type { Metrics } from '../../../runtime.js';
import { InvalidRecordError } from '../../errors.js';
import { isNewer, type PeerRecord, verifyPeerRecord } from '../../records/peer-record.js';
import type { PeerSession } from '../../sessions.js';

export function acceptHello(
  crypto: CryptoBackend,
  metrics: Metrics,
  ps: PeerSession,
  record: PeerRecord,
): boolean {
  if (record.idHex !== ps.idHex) {
    metrics.count('dht.rx.hello_mismatch');
    return false;
  }
  if (!isNewer(record, ps.record)) return false;
  try {
    verifyPeerRecord(crypto, record);
  } catch (err) {
    if (!(err instanceof InvalidRecordError)) throw err;
    metrics.count('dht.rx.invalid_record');
    return false;
  }
  ps.record = record;
  return true;
}
