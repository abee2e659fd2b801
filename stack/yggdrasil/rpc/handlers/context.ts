/**
 * What request handlers see of the node. Handlers are synchronous and answer from local state
 * only: a request can never make us send requests of our own, so a peer cannot use us to
 * amplify traffic or to pile up work that outlives its request.
 */
import type { CryptoBackend } from '../../../crypto/types.js';
import type { Runtime } from '../../../runtime.js';
import type { PeerRecord } from '../../records/peer-record.js';
import type { ProviderRecord } from '../../records/provider-record.js';
import type { RecordStore } from '../../records/store.js';
import type { ValueRecord } from '../../records/value-record.js';
import type { PeerSession } from '../../sessions.js';

export interface HandlerContext {
  readonly runtime: Runtime;
  readonly crypto: CryptoBackend;
  readonly store: RecordStore;
  /** The k closest peers we know to target, leaving out the asking peer. */
  closestContacts(target: Uint8Array, asker: PeerSession): PeerRecord[];
  /** Our own published value under keyHex, if any (we answer for our own records too). */
  ownValue(keyHex: string): ValueRecord | undefined;
  /** Our own provider record for keyHex, if any. */
  ownProvider(keyHex: string): ProviderRecord | undefined;
  readonly maxProviders: number;
}
