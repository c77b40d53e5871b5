/**
 * Memory: per tier (l1 in-process or Redis, l2 SQLite, l3 PostgreSQL) hits, misses, movement
 * between tiers, size; and the response cache in front of the generation routes, which stores its
 * answers there. Tier figures are read at scrape time, and only from a memory already open: a
 * scrape never opens it (a gateway that never used memory shows none of the tier series).
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { MemoryStats, TierStats } from "../../memory/tiered-memory.js";
import type { ResponseCacheOutcome } from "../cache/response-cache.js";
import { perScrape } from "./per-scrape.js";

/** What the metrics need of the tiered memory. */
export interface MemoryStatsSource {
  stats(): Promise<MemoryStats>;
}

type TierCounter =
  | "hits"
  | "misses"
  | "promotions"
  | "demotions"
  | "evictions"
  | "expirations"
  | "errors"
  | "corrupt";

const TIER_COUNTERS: readonly [TierCounter, string][] = [
  ["hits", "Reads answered by this tier"],
  ["misses", "Reads this tier did not hold (the next tier down was asked)"],
  ["promotions", "Copies brought up into this tier by hits in a tier below"],
  ["demotions", "Idle copies this tier passed down to the tier below (and let go of)"],
  ["evictions", "Entries this tier dropped to stay within its byte bound"],
  ["expirations", "Entries this tier dropped because their time to live ran out"],
  ["errors", "Reads and writes of this tier that failed (the tier was unreachable)"],
  ["corrupt", "Copies in this tier whose checksum did not match (dropped)"],
];

export function registerMemoryMetrics(
  registers: Registry[],
  /** The memory if it is open; undefined otherwise (and it must not be opened for a scrape). */
  memory: () => MemoryStatsSource | undefined,
): void {
  const stats = perScrape(
    (): Promise<MemoryStats | undefined> =>
      memory()
        ?.stats()
        .catch(() => undefined) ?? Promise.resolve(undefined),
  );
  const labels = (tier: TierStats) => ({ tier: tier.tier, backend: tier.backend });
  for (const [field, help] of TIER_COUNTERS) {
    new Counter({
      name: `hydra_memory_tier_${field}_total`,
      help: `${help}; by tier (l1, l2, l3) and its backend`,
      labelNames: ["tier", "backend"],
      registers,
      async collect() {
        const current = await stats();
        this.reset();
        for (const tier of current?.tiers ?? []) this.inc(labels(tier), tier[field]);
      },
    });
  }
  const tierGauge = (name: string, help: string, read: (tier: TierStats) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ["tier", "backend"],
      registers,
      async collect() {
        const current = await stats();
        this.reset();
        for (const tier of current?.tiers ?? []) {
          const value = read(tier);
          if (value !== null) this.set(labels(tier), value);
        }
      },
    });
  tierGauge("hydra_memory_tier_bytes", "Bytes of values each memory tier holds now", (tier) => tier.bytes);
  tierGauge("hydra_memory_tier_entries", "Entries each memory tier holds now", (tier) => tier.entries);
  tierGauge(
    "hydra_memory_tier_max_bytes",
    "Byte bound of each memory tier (0: unbounded)",
    (tier) => tier.maxBytes,
  );
  new Counter({
    name: "hydra_memory_operations_total",
    help: "Operations on the gateway's memory (operation: get, put, delete), whichever tier served them",
    labelNames: ["operation"],
    registers,
    async collect() {
      const current = await stats();
      this.reset();
      if (current === undefined) return;
      this.inc({ operation: "get" }, current.gets);
      this.inc({ operation: "put" }, current.puts);
      this.inc({ operation: "delete" }, current.deletes);
    },
  });
  new Counter({
    name: "hydra_memory_lookups_total",
    help: "Reads of the gateway's memory by result: hit (some tier held the key) or miss (none did)",
    labelNames: ["result"],
    registers,
    async collect() {
      const current = await stats();
      this.reset();
      if (current === undefined) return;
      this.inc({ result: "hit" }, current.hits);
      this.inc({ result: "miss" }, current.misses);
    },
  });
}

/** The response cache: counted as it answers (it is in the request path already). */
export class ResponseCacheMetrics {
  readonly #lookups: Counter<"result">;
  readonly #stores: Counter;

  constructor(registers: Registry[]) {
    this.#lookups = new Counter({
      name: "hydra_response_cache_requests_total",
      help: "Cacheable requests (temperature 0, a seed, embeddings, or x-hydra-cache: force) by result: hit (answered from the cache, no node used) or miss",
      labelNames: ["result"],
      registers,
    });
    this.#stores = new Counter({
      name: "hydra_response_cache_stores_total",
      help: "Complete answers stored in the response cache",
      registers,
    });
    for (const result of ["hit", "miss"]) this.#lookups.inc({ result }, 0);
  }

  record(outcome: ResponseCacheOutcome): void {
    if (outcome === "stored") this.#stores.inc();
    else this.#lookups.inc({ result: outcome });
  }
}
