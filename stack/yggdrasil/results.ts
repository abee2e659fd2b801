/**
 * What the Dht's public methods return: plain data, NodeIDs in canonical text (64 lowercase hex),
 * so a daemon can print them or turn them into JSON as they are.
 */
import { KEY_SIZE } from './constants.js';
import { DhtArgumentError } from './errors.js';
import type { PeerRecord } from './records/peer-record.js';
import type { BucketInfo } from './routing-table/routing-table.js';
import { fromHex } from './rpc/bytes.js';

export type { BucketInfo };

export interface PeerInfo {
  /** NodeID, canonical text (64 lowercase hex). */
  nodeId: string;
  addrs: readonly string[];
  seq: number;
}

export interface LookupResult {
  found: boolean;
  peer?: PeerInfo;
  /** Live peers closest to the target, closest first (at most k). */
  closest: PeerInfo[];
  /** Rounds of the lookup (spec section 7.2). */
  hops: number;
  queries: number;
  ms: number;
}

export interface TableEntryInfo extends PeerInfo {
  bucket: number;
  /** Last time the peer talked to us (monotonic ms); 0 if we only heard of it from others. */
  lastSeenMs: number;
  /** Consecutive failed requests (entries with failures are not handed out to others). */
  failures: number;
}

export interface SessionInfo {
  nodeId: string;
  addrs: readonly string[];
  direction: 'inbound' | 'outbound';
  openedAtMs: number;
  lastActiveMs: number;
}

export interface BootstrapResult {
  /** Bootstrap addresses that answered our first request (on the last attempt). */
  connected: number;
  tableSize: number;
  selfLookup: LookupResult;
  refillRequests: number;
}

export const info = (r: PeerRecord): PeerInfo => ({ nodeId: r.idHex, addrs: r.addrs, seq: r.seq });

/** A 32-byte id or key from bytes, canonical hex text, or anything with .bytes (NodeId). */
export function key32(k: Uint8Array | string | { bytes: Uint8Array }, what: string): Uint8Array {
  const b = typeof k === 'string' ? fromHex(k) : k instanceof Uint8Array ? k : k.bytes;
  if (b.length !== KEY_SIZE)
    throw new DhtArgumentError(`${what}: expected ${KEY_SIZE} bytes, got ${b.length}`);
  return b;
}
