/**
 * What every tier (in-process LRU, Redis, SQLite, PostgreSQL) offers the tiered store: a copy of
 * an entry by key, with its own byte bound and expiry. Tiers know nothing of each other; which
 * copy goes where is decided by policy.ts and carried out by tiered-memory.ts.
 */
import type { ValueKind } from "./value.js";

export type TierName = "l1" | "l2" | "l3";

/** Top (fastest, smallest) to bottom (durable). */
export const TIER_NAMES: readonly TierName[] = ["l1", "l2", "l3"];

export type TierBackend = "memory" | "redis" | "sqlite" | "postgres";

/** One tier's copy of an entry. Times are epoch milliseconds. */
export interface TierRecord {
  key: string;
  kind: ValueKind;
  /** The encoded value (JSON text or the raw bytes). */
  bytes: Buffer;
  /** bytes.length: what the tier's byte bound counts. */
  size: number;
  /** CRC-32 of `bytes`, written with them and checked when read. */
  checksum: number;
  /** When the entry was put (kept through promotion and demotion: it tells versions apart). */
  createdAt: number;
  /** When this copy expires (never later than the entry itself); null: never. */
  expiresAt: number | null;
  /** Last read of this copy (tiers may record reads lazily: it only orders eviction and demotion). */
  lastAccessAt: number;
  /** Bit mask of the tiers the entry may live in (see policy.tierMask). */
  tiers: number;
  namespace: string | null;
}

export interface TierUsage {
  bytes: number;
  entries: number;
}

/** Counters a tier keeps about what it did on its own (bounds and expiry). */
export interface TierCounters {
  /** Entries removed to stay under maxBytes. */
  evictions: number;
  /** Entries removed because they expired (on a sweep, or found expired when read). */
  expirations: number;
  /** Entries whose checksum did not match when read; removed, counted as misses. */
  corrupt: number;
}

export interface Tier {
  readonly name: TierName;
  readonly backend: TierBackend;
  /** 0 = unbounded (only L3 may be). */
  readonly maxBytes: number;
  /** The tier's own TTL; 0 = none. */
  readonly ttlMs: number;
  readonly counters: TierCounters;
  /** The live copy (not expired at `now`), recording the read for LRU order. */
  get(key: string, now: number): Promise<TierRecord | undefined>;
  /** Like get, without recording a read (for demotion, which must not make an entry look busy). */
  peek(key: string, now: number): Promise<TierRecord | undefined>;
  /** Stores (or replaces) the copy atomically, then evicts the least recently used above maxBytes. */
  put(record: TierRecord, now: number): Promise<void>;
  /** Whether there was a copy. */
  delete(key: string): Promise<boolean>;
  /** Copies not read since `before`, least recently read first (for demotion). */
  idle(before: number, limit: number, now: number): Promise<TierRecord[]>;
  /** Removes expired copies and enforces the byte bound. */
  sweep(now: number): Promise<void>;
  usage(): Promise<TierUsage>;
  close(): Promise<void>;
}

export function newCounters(): TierCounters {
  return { evictions: 0, expirations: 0, corrupt: 0 };
}
