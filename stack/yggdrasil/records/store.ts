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

/** The providers of one key: by owner, and in a list so that a random sample costs O(max). */
interface ProviderSet {
  byOwner: Map<string, number>;
  list: Held<ProviderRecord>[];
}

export class RecordStore {
  private readonly values = new Map<string, Held<ValueRecord>>();
  private readonly providers = new Map<string, ProviderSet>();
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
    const at = forKey?.byOwner.get(owner);
    const held = at === undefined ? undefined : forKey!.list[at];
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
      forKey = { byOwner: new Map(), list: [] };
      this.providers.set(keyHex, forKey);
    }
    forKey.byOwner.set(owner, forKey.list.length);
    forKey.list.push({
      record,
      expiresAtMs: Math.min(record.expiresAtMs, wallNowMs + this.limits.maxRecordTtlMs),
      owner,
    });
    this.account(owner, 1, record.encoded.length);
    return StoreStatus.OK;
  }

  /**
   * Unexpired providers of a key, at most max. With more than max held and a random source, a
   * uniform sample (spec 5: a popular key's askers must not all be handed the same few providers);
   * otherwise in the order they are held.
   */
  getProviders(
    keyHex: string,
    wallNowMs: number,
    max: number,
    random?: (n: number) => number,
  ): ProviderRecord[] {
    const out: ProviderRecord[] = [];
    const list = this.providers.get(keyHex)?.list ?? [];
    if (list.length <= max || !random) {
      for (const held of list) {
        if (out.length >= max) break;
        if (held.expiresAtMs > wallNowMs) out.push(held.record);
      }
      return out;
    }
    // A partial Fisher-Yates shuffle over the indices, its swaps kept aside (the list stays as is).
    const swapped = new Map<number, number>();
    for (let i = 0; i < max; i++) {
      const j = i + random(list.length - i);
      const pick = swapped.get(j) ?? j;
      swapped.set(j, swapped.get(i) ?? i);
      const held = list[pick]!;
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
      const kept: Held<ProviderRecord>[] = [];
      for (const held of forKey.list) {
        if (held.expiresAtMs > wallNowMs) {
          forKey.byOwner.set(held.owner, kept.length);
          kept.push(held);
          continue;
        }
        forKey.byOwner.delete(held.owner);
        this.account(held.owner, -1, -held.record.encoded.length);
        dropped++;
      }
      forKey.list = kept;
      if (kept.length === 0) this.providers.delete(keyHex);
    }
    return dropped;
  }
}
