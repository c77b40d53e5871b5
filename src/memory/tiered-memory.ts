/**
 * The tiered store: one key/value API over L1 (in-process or Redis), L2 (SQLite) and L3
 * (PostgreSQL). It carries out the policy of policy.ts — write-through on put, promotion on hits,
 * demotion and expiry on sweeps — and counts what happens in each tier.
 *
 *   const memory = await openTieredMemory(config.memory, { dataDir: config.dataDir });
 *   await memory.put("answer:42", { text: "..." }, { ttlMs: 60_000 });
 *   const hit = await memory.get("answer:42"); // { value, tier: "l1", ... }
 *
 * A put resolves once every tier it writes holds the value (the durable one first), so an
 * acknowledged put survives this process being killed. A tier that fails on a read is skipped (a
 * miss there, counted in `errors`); one that fails on a write or delete fails the call with 503.
 */
import type { BaseLogger } from "pino";
import { MemoryTierUnavailableError, MemoryValueError } from "./errors.js";
import {
  copyExpiresAt,
  demotableTiers,
  demotionTarget,
  entryExpiresAt,
  idleBefore,
  needsCopyDown,
  planWrite,
  promotionTargets,
  resolveTiers,
  type TierLimits,
  validateTtl,
} from "./policy.js";
import type { Tier, TierBackend, TierName, TierRecord } from "./tier.js";
import {
  CONTROL_CHARACTER,
  decodeValue,
  encodeValue,
  type MemoryValue,
  type ValueKind,
  validateKey,
} from "./value.js";

export interface PutOptions {
  /** Milliseconds until the entry expires; absent: never (tiers may still evict it). */
  ttlMs?: number;
  /** Tiers the entry may live in (default: all enabled). Unknown or disabled names are refused. */
  tiers?: readonly string[];
  /** A label kept with the entry (e.g. "response-cache"), returned by get. */
  namespace?: string;
}

export interface MemoryHit {
  key: string;
  value: MemoryValue;
  kind: ValueKind;
  /** The tier that served it. */
  tier: TierName;
  /** Bytes of the encoded value. */
  size: number;
  createdAt: number;
  /** When the copy that served it expires (a lower tier may keep the entry longer); null: never. */
  expiresAt: number | null;
  namespace: string | null;
}

export interface PutResult {
  key: string;
  size: number;
  kind: ValueKind;
  /** The tiers that hold it now, top first. */
  tiers: TierName[];
  createdAt: number;
  expiresAt: number | null;
}

export interface TierStats {
  tier: TierName;
  backend: TierBackend;
  /** The bottom tier: a put is acknowledged once it holds the value. */
  durable: boolean;
  hits: number;
  misses: number;
  /** Copies brought into this tier by hits below it. */
  promotions: number;
  /** Idle copies this tier passed down (and let go of). */
  demotions: number;
  evictions: number;
  expirations: number;
  /** Reads and writes that failed (the tier was unreachable). */
  errors: number;
  /** Copies whose checksum did not match (dropped). */
  corrupt: number;
  /** Bytes of values held now (null when the tier could not be asked). */
  bytes: number | null;
  entries: number | null;
  /** 0 = unbounded. */
  maxBytes: number;
  /** 0 = no tier TTL. */
  ttlMs: number;
}

export interface MemoryStats {
  tiers: TierStats[];
  gets: number;
  hits: number;
  misses: number;
  puts: number;
  deletes: number;
  durableTier: TierName | null;
}

export interface SweepResult {
  expired: number;
  evicted: number;
  demoted: number;
}

export interface TieredMemoryOptions {
  /** Enabled tiers, top (fastest) first; the last one is durable. */
  tiers: readonly Tier[];
  maxValueBytes: number;
  /** 0: never demote. */
  demoteAfterMs: number;
  /** Sweep on a timer (unref'd); 0 or absent: only when sweep() is called. */
  sweepIntervalMs?: number;
  /** The clock (tests move it to expire and idle entries without waiting). */
  now?: () => number;
  log?: Pick<BaseLogger, "warn">;
}

interface Counters {
  hits: number;
  misses: number;
  promotions: number;
  demotions: number;
  errors: number;
}

/** Idle copies demoted per tier and sweep; the next sweep takes the rest. */
const DEMOTE_BATCH = 1_000;
/** Bounds the map of recent writes that guards promotions (see #mutatedSince). */
const MAX_TRACKED_MUTATIONS = 10_000;
const MAX_NAMESPACE_LENGTH = 128;

export class TieredMemory {
  readonly #tiers: readonly Tier[];
  readonly #byName = new Map<TierName, Tier>();
  readonly #limits: readonly TierLimits[];
  readonly #counters = new Map<TierName, Counters>();
  readonly #options: TieredMemoryOptions;
  readonly #now: () => number;
  #gets = 0;
  #hits = 0;
  #misses = 0;
  #puts = 0;
  #deletes = 0;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<SweepResult> | undefined;
  // Promotions must not resurrect an older value: a read that began before a put or delete of
  // the same key finished does not copy what it read upwards. Writes bump a sequence number per key.
  #sequence = 0;
  readonly #mutations = new Map<string, number>();
  /** Keys with a put or delete in progress: no promotion or demotion touches them meanwhile. */
  readonly #writing = new Map<string, number>();
  #clearedAt = 0;
  #readers = 0;

  constructor(options: TieredMemoryOptions) {
    if (options.tiers.length === 0) throw new Error("TieredMemory needs at least one tier");
    this.#options = options;
    this.#tiers = options.tiers;
    this.#now = options.now ?? Date.now;
    this.#limits = options.tiers.map((tier) => ({
      name: tier.name,
      maxBytes: tier.maxBytes,
      ttlMs: tier.ttlMs,
    }));
    for (const tier of options.tiers) {
      this.#byName.set(tier.name, tier);
      this.#counters.set(tier.name, { hits: 0, misses: 0, promotions: 0, demotions: 0, errors: 0 });
    }
    const interval = options.sweepIntervalMs ?? 0;
    if (interval > 0) {
      this.#timer = setInterval(() => {
        this.sweep().catch((error: unknown) => this.#warn(error, "memory sweep failed"));
      }, interval);
      this.#timer.unref();
    }
  }

  /** The enabled tiers, top first. */
  get tierNames(): TierName[] {
    return this.#tiers.map((tier) => tier.name);
  }

  get durableTier(): TierName {
    return this.#tiers.at(-1)?.name ?? "l1";
  }

  /** The entry, from the highest tier that has it; copied up into the tiers above (promotion). */
  async get(key: string): Promise<MemoryHit | undefined> {
    validateKey(key);
    const now = this.#now();
    const started = this.#sequence;
    this.#readers++;
    this.#gets++;
    try {
      for (const tier of this.#tiers) {
        const counters = this.#countersOf(tier.name);
        let record: TierRecord | undefined;
        try {
          record = await tier.get(key, now);
        } catch (error) {
          counters.errors++;
          this.#warn(error, `memory tier ${tier.name} (${tier.backend}) read failed; trying the next tier`);
        }
        if (record === undefined) {
          counters.misses++;
          continue;
        }
        counters.hits++;
        this.#hits++;
        if (!this.#mutatedSince(key, started)) await this.#promote(tier.name, record, now);
        return {
          key,
          value: decodeValue(record.kind, record.bytes),
          kind: record.kind,
          tier: tier.name,
          size: record.size,
          createdAt: record.createdAt,
          expiresAt: record.expiresAt,
          namespace: record.namespace,
        };
      }
      this.#misses++;
      return undefined;
    } finally {
      this.#readerDone();
    }
  }

  /**
   * Stores the value in every tier it may live in, the durable one first; resolves when all hold
   * it. Throws a HydraError (4xx) for a bad key, value, TTL or tier, and 503 when a tier fails.
   */
  async put(key: string, value: MemoryValue, options: PutOptions = {}): Promise<PutResult> {
    validateKey(key);
    const ttlMs = validateTtl(options.ttlMs);
    const targets = resolveTiers(options.tiers, this.#limits);
    const namespace = validateNamespace(options.namespace);
    const encoded = encodeValue(value);
    const plan = planWrite(this.#limits, targets, encoded.bytes.length, this.#options.maxValueBytes);
    const now = this.#now();
    const expiresAt = entryExpiresAt(now, ttlMs);
    const record: TierRecord = {
      key,
      kind: encoded.kind,
      bytes: encoded.bytes,
      size: encoded.bytes.length,
      checksum: encoded.checksum,
      createdAt: now,
      expiresAt,
      lastAccessAt: now,
      tiers: plan.mask,
      namespace,
    };
    this.#beginWrite(key);
    try {
      for (const name of plan.write) await this.#write(this.#tierOf(name), record, now);
      for (const name of plan.clear) await this.#remove(this.#tierOf(name), key);
    } finally {
      this.#endWrite(key);
    }
    this.#puts++;
    return {
      key,
      size: record.size,
      kind: record.kind,
      tiers: [...plan.write].reverse(),
      createdAt: now,
      expiresAt,
    };
  }

  /** Removes the entry from every tier; resolves to whether any tier had it. */
  async delete(key: string): Promise<boolean> {
    validateKey(key);
    this.#beginWrite(key);
    let found = false;
    try {
      // Bottom first: once the durable copy is gone, a failure above can only leave a cached copy
      // that the error reports, never a value that reappears after a restart.
      for (const tier of [...this.#tiers].reverse()) {
        if (await this.#remove(tier, key)) found = true;
      }
    } finally {
      this.#endWrite(key);
    }
    this.#deletes++;
    return found;
  }

  /**
   * Removes expired copies, enforces byte bounds, and demotes copies idle for demoteAfterMs. Runs
   * on the timer; callers (tests, shutdown) may run it any time. Concurrent calls share one run.
   */
  sweep(): Promise<SweepResult> {
    this.#sweeping ??= this.#sweep().finally(() => {
      this.#sweeping = undefined;
    });
    return this.#sweeping;
  }

  async stats(): Promise<MemoryStats> {
    const tiers = await Promise.all(
      this.#tiers.map(async (tier): Promise<TierStats> => {
        const counters = this.#countersOf(tier.name);
        const usage = await tier.usage().catch((error: unknown) => {
          counters.errors++;
          this.#warn(error, `memory tier ${tier.name} (${tier.backend}) did not report its usage`);
          return undefined;
        });
        return {
          tier: tier.name,
          backend: tier.backend,
          durable: tier === this.#tiers.at(-1),
          hits: counters.hits,
          misses: counters.misses,
          promotions: counters.promotions,
          demotions: counters.demotions,
          evictions: tier.counters.evictions,
          expirations: tier.counters.expirations,
          errors: counters.errors,
          corrupt: tier.counters.corrupt,
          bytes: usage?.bytes ?? null,
          entries: usage?.entries ?? null,
          maxBytes: tier.maxBytes,
          ttlMs: tier.ttlMs,
        };
      }),
    );
    return {
      tiers,
      gets: this.#gets,
      hits: this.#hits,
      misses: this.#misses,
      puts: this.#puts,
      deletes: this.#deletes,
      durableTier: this.durableTier,
    };
  }

  /** Stops the sweep timer and closes every tier (pending read times are written first). */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#sweeping?.catch(() => {});
    await Promise.allSettled(this.#tiers.map((tier) => tier.close()));
  }

  async #sweep(): Promise<SweepResult> {
    const now = this.#now();
    const before = this.#tierTotals();
    for (const tier of this.#tiers) {
      try {
        await tier.sweep(now);
      } catch (error) {
        this.#countersOf(tier.name).errors++;
        this.#warn(error, `memory tier ${tier.name} (${tier.backend}) sweep failed`);
      }
    }
    let demoted = 0;
    const cutoff = idleBefore(now, this.#options.demoteAfterMs);
    if (cutoff !== undefined) {
      for (const name of demotableTiers(this.#limits)) {
        try {
          demoted += await this.#demote(this.#tierOf(name), cutoff, now);
        } catch (error) {
          this.#countersOf(name).errors++;
          this.#warn(error, `memory tier ${name} demotion failed`);
        }
      }
    }
    const after = this.#tierTotals();
    return { expired: after.expired - before.expired, evicted: after.evicted - before.evicted, demoted };
  }

  async #demote(tier: Tier, cutoff: number, now: number): Promise<number> {
    const started = this.#sequence;
    this.#readers++;
    let demoted = 0;
    try {
      for (const record of await tier.idle(cutoff, DEMOTE_BATCH, now)) {
        const targetName = demotionTarget(this.#limits, tier.name, record.tiers);
        if (targetName === undefined) continue;
        const target = this.#tierOf(targetName);
        if (this.#mutatedSince(record.key, started)) continue;
        if (needsCopyDown(await target.peek(record.key, now), record)) {
          await target.put(this.#copyFor(target, record, now), now);
        }
        // A write since the idle copy was read owns the key now: leave both tiers to it.
        if (this.#mutatedSince(record.key, started)) continue;
        await tier.delete(record.key);
        this.#countersOf(tier.name).demotions++;
        demoted++;
      }
    } finally {
      this.#readerDone();
    }
    return demoted;
  }

  async #promote(from: TierName, record: TierRecord, now: number): Promise<void> {
    for (const name of promotionTargets(this.#limits, from, record.tiers, record.size)) {
      const tier = this.#tierOf(name);
      try {
        await tier.put(this.#copyFor(tier, record, now), now);
        this.#countersOf(name).promotions++;
      } catch (error) {
        // The read already succeeded; a tier that cannot take the copy only costs a later miss.
        this.#countersOf(name).errors++;
        this.#warn(error, `memory tier ${name} (${tier.backend}) promotion failed`);
      }
    }
  }

  #copyFor(tier: Tier, record: TierRecord, now: number): TierRecord {
    return { ...record, expiresAt: copyExpiresAt(record.expiresAt, now, tier.ttlMs), lastAccessAt: now };
  }

  async #write(tier: Tier, record: TierRecord, now: number): Promise<void> {
    try {
      await tier.put(this.#copyFor(tier, record, now), now);
    } catch (error) {
      this.#countersOf(tier.name).errors++;
      // A tier that missed this write must not keep serving the previous value.
      await tier.delete(record.key).catch(() => {});
      throw new MemoryTierUnavailableError(tier.name, tier.backend, error);
    }
  }

  async #remove(tier: Tier, key: string): Promise<boolean> {
    try {
      return await tier.delete(key);
    } catch (error) {
      this.#countersOf(tier.name).errors++;
      throw new MemoryTierUnavailableError(tier.name, tier.backend, error);
    }
  }

  #beginWrite(key: string): void {
    this.#writing.set(key, (this.#writing.get(key) ?? 0) + 1);
    this.#mutated(key);
  }

  #endWrite(key: string): void {
    this.#mutated(key);
    const left = (this.#writing.get(key) ?? 1) - 1;
    if (left > 0) this.#writing.set(key, left);
    else this.#writing.delete(key);
  }

  #mutated(key: string): void {
    this.#mutations.set(key, ++this.#sequence);
    if (this.#mutations.size > MAX_TRACKED_MUTATIONS) {
      // Forget them all; reads that began before now then skip promotion (safe, merely slower).
      this.#mutations.clear();
      this.#clearedAt = this.#sequence;
    }
  }

  #mutatedSince(key: string, started: number): boolean {
    return this.#writing.has(key) || started < this.#clearedAt || (this.#mutations.get(key) ?? 0) > started;
  }

  #readerDone(): void {
    this.#readers--;
    if (this.#readers === 0 && this.#mutations.size > 0) {
      this.#mutations.clear();
      this.#clearedAt = this.#sequence;
    }
  }

  #tierTotals(): { expired: number; evicted: number } {
    let expired = 0;
    let evicted = 0;
    for (const tier of this.#tiers) {
      expired += tier.counters.expirations;
      evicted += tier.counters.evictions;
    }
    return { expired, evicted };
  }

  #tierOf(name: TierName): Tier {
    const tier = this.#byName.get(name);
    if (tier === undefined) throw new Error(`memory tier ${name} is not enabled`);
    return tier;
  }

  #countersOf(name: TierName): Counters {
    const counters = this.#counters.get(name);
    if (counters === undefined) throw new Error(`memory tier ${name} is not enabled`);
    return counters;
  }

  #warn(error: unknown, message: string): void {
    this.#options.log?.warn({ err: error }, message);
  }
}

function validateNamespace(namespace: unknown): string | null {
  if (namespace === undefined || namespace === null) return null;
  if (
    typeof namespace !== "string" ||
    namespace.length === 0 ||
    namespace.length > MAX_NAMESPACE_LENGTH ||
    CONTROL_CHARACTER.test(namespace)
  ) {
    throw new MemoryValueError(
      `namespace must be 1-${MAX_NAMESPACE_LENGTH} printable characters, got ${JSON.stringify(namespace)}`,
    );
  }
  return namespace;
}
