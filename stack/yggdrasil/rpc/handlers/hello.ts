/**
 * HELLO(record): the peer's own signed peer record, first on every session. It is accepted only
 * if it names the NodeID and the identity key the session authenticated (so one peer cannot
 * announce another's record as its own) and is not older than the record we already hold for
 * this session (no rollback). Returns whether ps.record was updated.
 *
 * The signature is not checked here: the record comes from its owner over a channel Veil
 * authenticated with the same key, which is all a signature would prove to us, and checking it
 * would cost one Ed25519 verification per session end (as much as Veil's own handshake check).
 * Whoever we pass the record on to verifies it before dialing, so a bad signature only ever
 * hurts the peer that made it.
 */
import type { Metrics } from '../../../runtime.js';
import { isNewer, type PeerRecord } from '../../records/peer-record.js';
import type { PeerSession } from '../../sessions.js';
import { equalBytes } from '../bytes.js';

export function acceptHello(metrics: Metrics, ps: PeerSession, record: PeerRecord): boolean {
  if (record.idHex !== ps.idHex) {
    metrics.count('dht.rx.hello_mismatch');
    return false;
  }
  if (!equalBytes(record.publicKey, ps.veil.remoteIdentityKey)) {
    metrics.count('dht.rx.hello_mismatch');
    return false;
  }
  if (!isNewer(record, ps.record)) return false;
  const kept = record.retain();
  kept.verified = true;
  ps.record = kept;
  return true;
}
