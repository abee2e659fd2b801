/**
 * Records held for others (spec section 5): signed values and provider records, with the limits
 * of section 6.4. Every record is verified before it gets here. Expiry uses the wall clock
 * (runtime.clock.wallNow()), since records outlive processes; a holder never keeps one longer than
 * maxRecordTtlMs after storing it, whatever expiry its author wrote.
 */

import { equalBytes, toHex } from '../rpc/bytes.js';
import { StoreStatus, type StoreStatusCode } from '../rpc/messages.js';
import type { ProviderRecord } from './provider-record.js';
import type { ValueRecord } from './value-record.js';

export interface StoreLimits {
  maxRecords: number;
  maxRecordsPerPeer: number;
  maxStoreBytes: number;
  maxRecordTtlMs: number;
}

interface Held<R> {
  record: R;
  /** min(record.expiresAtMs, storedAt + maxRecordTtlMs) */
  expiresAtMs: number;
  owner: string;
}

export class RecordStore {
  private readonly values = new Map<string, Held<ValueRecord>>();
  private readonly providers = new Map<string, Map<string, Held<ProviderRecord>>>();
  private readonly perPeer = new Map<string, number>();
  private count = 0;
  private bytes = 0;

  constructor(private readonly limits: StoreLimits) {}

  get size(): { records: number; bytes: number } {
    return { records: this.count, bytes: this.bytes };
  }

  private admit(owner: string, size: number): boolean {
    return (
      this.count < this.limits.maxRecords &&
      (this.perPeer.get(owner) ?? 0) < this.limits.maxRecordsPerPeer &&
      this.bytes + size <= this.limits.maxStoreBytes
    );
  }

  private account(owner: string, records: number, size: number): void {
    this.count += records;
    this.bytes += size;
    const n = (this.perPeer.get(owner) ?? 0) + records;
    if (n > 0) this.perPeer.set(owner, n);
    else this.perPeer.delete(owner);
  }

  /** record must be verified (key and authorId set). */
  putValue(record: ValueRecord, wallNowMs: number): StoreStatusCode {
    if (record.expiresAtMs <= wallNowMs) return StoreStatus.EXPIRED;
    const keyHex = toHex(record.key!);
    const owner = toHex(record.authorId!);
    const held = this.values.get(keyHex);
    if (held) {
      if (record.seq < held.record.seq) return StoreStatus.STALE;
      if (record.seq === held.record.seq) {
        return equalBytes(record.encoded, held.record.encoded) ? StoreStatus.OK : StoreStatus.STALE;
      }
      this.account(owner, 0, record.encoded.length - held.record.encoded.length);
      held.record = record;
      held.expiresAtMs = Math.min(record.expiresAtMs, wallNowMs + this.limits.maxRecordTtlMs);
      return StoreStatus.OK;
    }
    if (!this.admit(owner, record.encoded.length)) return StoreStatus.LIMIT;
    this.values.set(keyHex, {
      record,
      expiresAtMs: Math.min(record.expiresAtMs, wallNowMs + this.limits.maxRecordTtlMs),
      owner,
    });
    this.account(owner, 1, record.encoded.length);
    return StoreStatus.OK;
  }

  getValue(keyHex: string, wallNowMs: number): ValueRecord | undefined {
    const held = this.values.get(keyHex);
    return held && held.expiresAtMs > wallNowMs ? held.record : undefined;
  }

  /** record must be verified (providerId set). */
  addProvider(record: ProviderRecord, wallNowMs: number): StoreStatusCode {
    if (record.expiresAtMs <= wallNowMs) return StoreStatus.EXPIRED;
    const keyHex = toHex(record.key);
    const owner = record.providerIdHex!;
    let forKey = this.providers.get(keyHex);
    const held = forKey?.get(owner);
    if (held) {
      if (record.expiresAtMs < held.record.expiresAtMs) return StoreStatus.STALE;
      if (record.expiresAtMs === held.record.expiresAtMs) {
        return equalBytes(record.encoded, held.record.encoded) ? StoreStatus.OK : StoreStatus.STALE;
      }
      this.account(owner, 0, record.encoded.length - held.record.encoded.length);
      held.record = record;
      held.expiresAtMs = Math.min(record.expiresAtMs, wallNowMs + this.limits.maxRecordTtlMs);
      return StoreStatus.OK;
    }
    if (!this.admit(owner, record.encoded.length)) return StoreStatus.LIMIT;
    if (!forKey) {
      forKey = new Map();
      this.providers.set(keyHex, forKey);
    }
    forKey.set(owner, {
      record,
      expiresAtMs: Math.min(record.expiresAtMs, wallNowMs + this.limits.maxRecordTtlMs),
      owner,
    });
    this.account(owner, 1, record.encoded.length);
    return StoreStatus.OK;
  }

  /** Unexpired providers of a key, in the order they were first stored, at most max. */
  getProviders(keyHex: string, wallNowMs: number, max: number): ProviderRecord[] {
    const out: ProviderRecord[] = [];
    for (const held of this.providers.get(keyHex)?.values() ?? []) {
      if (out.length >= max) break;
      if (held.expiresAtMs > wallNowMs) out.push(held.record);
    }
    return out;
  }

  /** Drop everything expired; returns how many records went. */
  sweep(wallNowMs: number): number {
    let dropped = 0;
    for (const [keyHex, held] of this.values) {
      if (held.expiresAtMs > wallNowMs) continue;
      this.values.delete(keyHex);
      this.account(held.owner, -1, -held.record.encoded.length);
      dropped++;
    }
    for (const [keyHex, forKey] of this.providers) {
      for (const [owner, held] of forKey) {
        if (held.expiresAtMs > wallNowMs) continue;
        forKey.delete(owner);
        this.account(owner, -1, -held.record.encoded.length);
        dropped++;
      }
      if (forKey.size === 0) this.providers.delete(keyHex);
    }
    return dropped;
  }
}
