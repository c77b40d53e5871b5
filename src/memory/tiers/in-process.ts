/**
 * L1 in this process: a Map used as an LRU list (a read moves the key to the end, so iteration
 * order is least recently read first), bounded by the bytes of its values. Everything is
 * synchronous, so a read costs a Map lookup and a re-insert.
 */
import { evictionVictims, isExpired } from "../policy.js";
import { newCounters, type Tier, type TierName, type TierRecord, type TierUsage } from "../tier.js";

export interface InProcessTierOptions {
  name?: TierName;
  maxBytes: number;
  ttlMs: number;
}

export class InProcessTier implements Tier {
  readonly name: TierName;
  readonly backend = "memory" as const;
  readonly maxBytes: number;
  readonly ttlMs: number;
  readonly counters = newCounters();
  readonly #entries = new Map<string, TierRecord>();
  #bytes = 0;

  constructor(options: InProcessTierOptions) {
    this.name = options.name ?? "l1";
    this.maxBytes = options.maxBytes;
    this.ttlMs = options.ttlMs;
  }

  async get(key: string, now: number): Promise<TierRecord | undefined> {
    const record = this.#live(key, now);
    if (record === undefined) return undefined;
    record.lastAccessAt = now;
    this.#entries.delete(key);
    this.#entries.set(key, record);
    return record;
  }

  async peek(key: string, now: number): Promise<TierRecord | undefined> {
    return this.#live(key, now);
  }

  async put(record: TierRecord): Promise<void> {
    this.#remove(record.key);
    this.#entries.set(record.key, record);
    this.#bytes += record.size;
    this.#evict(record.key);
  }

  async delete(key: string): Promise<boolean> {
    return this.#remove(key);
  }

  async idle(before: number, limit: number): Promise<TierRecord[]> {
    const found: TierRecord[] = [];
    for (const record of this.#entries.values()) {
      // Iteration is in read order, so the first recently read copy ends the idle ones.
      if (found.length >= limit || record.lastAccessAt >= before) break;
      found.push(record);
    }
    return found;
  }

  async sweep(now: number): Promise<void> {
    const expired: string[] = [];
    for (const record of this.#entries.values())
      if (isExpired(record.expiresAt, now)) expired.push(record.key);
    for (const key of expired) this.#remove(key);
    this.counters.expirations += expired.length;
    this.#evict();
  }

  async usage(): Promise<TierUsage> {
    return { bytes: this.#bytes, entries: this.#entries.size };
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #live(key: string, now: number): TierRecord | undefined {
    const record = this.#entries.get(key);
    if (record === undefined) return undefined;
    if (isExpired(record.expiresAt, now)) {
      this.#remove(key);
      this.counters.expirations++;
      return undefined;
    }
    return record;
  }

  #remove(key: string): boolean {
    const record = this.#entries.get(key);
    if (record === undefined) return false;
    this.#entries.delete(key);
    this.#bytes -= record.size;
    return true;
  }

  #evict(keep?: string): void {
    if (this.#bytes <= this.maxBytes) return;
    const { keys } = evictionVictims(this.#entries.values(), this.#bytes, this.maxBytes, keep);
    for (const key of keys) this.#remove(key);
    this.counters.evictions += keys.length;
  }
}
