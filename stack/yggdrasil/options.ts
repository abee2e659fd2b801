/**
 * The Dht's options: every field optional in DhtInit, defaulted from constants.ts with ??, and
 * checked once here so the rest of the code can trust them.
 */
import * as C from './constants.js';
import { DhtArgumentError } from './errors.js';

export interface DhtInit {
  /** Bucket size and replication factor (default 20, at most MAX_CONTACTS). */
  k?: number;
  /** Parallel requests per lookup (default 3). */
  alpha?: number;
  /** Termination width: the lookup ends when the beta closest live peers answered (default 3). */
  beta?: number;
  /** Soft per-request timeout: the lookup slot is freed, a late answer still counts (default 1 s). */
  requestTimeoutMs?: number;
  /** Hard per-request timeout: the request fails and the peer is marked failed (default 5 s). */
  requestHardTimeoutMs?: number;
  dialTimeoutMs?: number;
  lookupTimeoutMs?: number;
  lookupCandidates?: number;
  refreshIntervalMs?: number;
  pingStaleAfterMs?: number;
  maxFailures?: number;
  replacementCacheSize?: number;
  maxPerPrefixPerBucket?: number;
  /** Addresses put in our peer record; default: the addresses start() listens on. */
  announceAddrs?: string[];
  // limits (spec section 6)
  maxSessions?: number;
  maxSessionsPerPeer?: number;
  maxPendingDials?: number;
  maxStreamsPerSession?: number;
  /** Inbound application-protocol streams per session (default 256); DHT streams do not count. */
  maxAppStreamsPerSession?: number;
  maxOutboundPerPeer?: number;
  rateBurst?: number;
  ratePerSecond?: number;
  idleTimeoutMs?: number;
  /** A session must be quiet this long before a newcomer may evict it (default 0). */
  minIdleBeforeEvictMs?: number;
  maxMalformedPerSession?: number;
  maxMessageSize?: number;
  maxRecords?: number;
  maxRecordsPerPeer?: number;
  maxStoreBytes?: number;
  maxRecordTtlMs?: number;
  recordTtlMs?: number;
  republishIntervalMs?: number;
  sweepIntervalMs?: number;
  getQuorum?: number;
}

export type DhtOptions = Required<Omit<DhtInit, 'announceAddrs'>> & { announceAddrs?: string[] };

export function resolveOptions(init: DhtInit): DhtOptions {
  const o: DhtOptions = {
    k: init.k ?? C.DEFAULT_K,
    alpha: init.alpha ?? C.DEFAULT_ALPHA,
    beta: init.beta ?? C.DEFAULT_BETA,
    requestTimeoutMs: init.requestTimeoutMs ?? C.DEFAULT_REQUEST_TIMEOUT_MS,
    requestHardTimeoutMs: init.requestHardTimeoutMs ?? C.DEFAULT_REQUEST_HARD_TIMEOUT_MS,
    dialTimeoutMs: init.dialTimeoutMs ?? C.DEFAULT_DIAL_TIMEOUT_MS,
    lookupTimeoutMs: init.lookupTimeoutMs ?? C.DEFAULT_LOOKUP_TIMEOUT_MS,
    lookupCandidates: init.lookupCandidates ?? C.DEFAULT_LOOKUP_CANDIDATES,
    refreshIntervalMs: init.refreshIntervalMs ?? C.DEFAULT_REFRESH_INTERVAL_MS,
    pingStaleAfterMs: init.pingStaleAfterMs ?? C.DEFAULT_PING_STALE_AFTER_MS,
    maxFailures: init.maxFailures ?? C.DEFAULT_MAX_FAILURES,
    replacementCacheSize: init.replacementCacheSize ?? C.DEFAULT_REPLACEMENT_CACHE_SIZE,
    maxPerPrefixPerBucket: init.maxPerPrefixPerBucket ?? C.DEFAULT_MAX_PER_PREFIX_PER_BUCKET,
    announceAddrs: init.announceAddrs,
    maxSessions: init.maxSessions ?? C.DEFAULT_MAX_SESSIONS,
    maxSessionsPerPeer: init.maxSessionsPerPeer ?? C.DEFAULT_MAX_SESSIONS_PER_PEER,
    maxPendingDials: init.maxPendingDials ?? C.DEFAULT_MAX_PENDING_DIALS,
    maxStreamsPerSession: init.maxStreamsPerSession ?? C.DEFAULT_MAX_STREAMS_PER_SESSION,
    maxAppStreamsPerSession: init.maxAppStreamsPerSession ?? C.DEFAULT_MAX_APP_STREAMS_PER_SESSION,
    maxOutboundPerPeer: init.maxOutboundPerPeer ?? C.DEFAULT_MAX_OUTBOUND_PER_PEER,
    rateBurst: init.rateBurst ?? C.DEFAULT_RATE_BURST,
    ratePerSecond: init.ratePerSecond ?? C.DEFAULT_RATE_PER_SECOND,
    idleTimeoutMs: init.idleTimeoutMs ?? C.DEFAULT_IDLE_TIMEOUT_MS,
    minIdleBeforeEvictMs: init.minIdleBeforeEvictMs ?? C.DEFAULT_MIN_IDLE_BEFORE_EVICT_MS,
    maxMalformedPerSession: init.maxMalformedPerSession ?? C.DEFAULT_MAX_MALFORMED_PER_SESSION,
    maxMessageSize: init.maxMessageSize ?? C.MAX_MESSAGE_SIZE,
    maxRecords: init.maxRecords ?? C.DEFAULT_MAX_RECORDS,
    maxRecordsPerPeer: init.maxRecordsPerPeer ?? C.DEFAULT_MAX_RECORDS_PER_PEER,
    maxStoreBytes: init.maxStoreBytes ?? C.DEFAULT_MAX_STORE_BYTES,
    maxRecordTtlMs: init.maxRecordTtlMs ?? C.DEFAULT_MAX_RECORD_TTL_MS,
    recordTtlMs: init.recordTtlMs ?? C.DEFAULT_RECORD_TTL_MS,
    republishIntervalMs: init.republishIntervalMs ?? C.DEFAULT_REPUBLISH_INTERVAL_MS,
    sweepIntervalMs: init.sweepIntervalMs ?? C.DEFAULT_SWEEP_INTERVAL_MS,
    getQuorum: init.getQuorum ?? C.DEFAULT_GET_QUORUM,
  };
  const positive = (name: keyof DhtOptions, max = Number.POSITIVE_INFINITY): void => {
    const v = o[name];
    if (typeof v !== 'number' || !(v >= 1) || v > max || !Number.isFinite(v)) {
      throw new DhtArgumentError(`${name} must be a number in 1..${max}, got ${String(v)}`);
    }
  };
  positive('k', C.MAX_CONTACTS);
  positive('alpha', 64);
  positive('beta', o.k);
  positive('maxMessageSize', C.MAX_MESSAGE_SIZE);
  for (const name of [
    'requestTimeoutMs',
    'requestHardTimeoutMs',
    'dialTimeoutMs',
    'lookupTimeoutMs',
    'lookupCandidates',
    'refreshIntervalMs',
    'maxFailures',
    'maxSessions',
    'maxSessionsPerPeer',
    'maxPendingDials',
    'maxStreamsPerSession',
    'maxAppStreamsPerSession',
    'maxOutboundPerPeer',
    'rateBurst',
    'ratePerSecond',
    'idleTimeoutMs',
    'recordTtlMs',
    'republishIntervalMs',
    'sweepIntervalMs',
    'getQuorum',
  ] as const) {
    positive(name);
  }
  if (o.lookupCandidates < o.k) throw new DhtArgumentError(`lookupCandidates must be >= k (${o.k})`);
  return o;
}
