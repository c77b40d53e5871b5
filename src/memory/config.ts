/**
 * The `memory:` section of the configuration: which tiers exist, how big each may grow and how
 * long it keeps an entry. Every key has a default, so an empty config gives the embedded setup
 * (L1 in-process + L2 SQLite under the data dir); Redis and PostgreSQL are used only when their
 * URLs are set. The policy these numbers drive is described in policy.ts and docs/memory.md.
 */
import { z } from "zod";
import { postgresSchemaNameSchema, postgresUrlSchema } from "../config/postgres.js";
import { vectorConfigSchema } from "./vector/config.js";

const MIB = 1024 * 1024;

/** 0 means "this tier adds no TTL of its own"; entries still expire at their own `ttlMs`. */
const ttlSchema = z
  .number({ error: "must be a number of milliseconds (0 = no tier TTL)" })
  .int({ error: "must be a whole number of milliseconds" })
  .nonnegative({ error: "must be >= 0 milliseconds (0 = no tier TTL)" })
  .default(0);

const bytesSchema = (fallback: number) =>
  z
    .number({ error: "must be a number of bytes" })
    .int({ error: "must be a whole number of bytes" })
    .positive({ error: "must be > 0 bytes" })
    .default(fallback);

const REDIS_SCHEMES = new Set(["redis:", "rediss:"]);

function urlWithScheme(schemes: ReadonlySet<string>) {
  return (value: string) => {
    try {
      const parsed = new URL(value);
      return schemes.has(parsed.protocol) && parsed.hostname !== "";
    } catch {
      return false;
    }
  };
}

/** L1: the fastest tier, in this process, or Redis when `memory.redis.url` is set. */
export const l1ConfigSchema = z.strictObject({
  /** Bytes of values L1 holds (in-process or in Redis) before the least recently used go. */
  maxBytes: bytesSchema(64 * MIB),
  /** Longest an entry stays in L1 after it was put or promoted there. */
  ttlMs: ttlSchema,
});

/** L1 in Redis instead of in this process: shared by every gateway using the same URL and prefix. */
export const memoryRedisConfigSchema = z.strictObject({
  /** `redis://[user:password@]host:port[/db]` or `rediss://`; absent: L1 is in-process. */
  url: z
    .string()
    .refine(urlWithScheme(REDIS_SCHEMES), {
      error: "must be a URL like redis://127.0.0.1:6379 (redis:// or rediss://)",
    })
    .optional(),
  /** In front of every Redis key, so several clusters (or test runs) can share one Redis. */
  keyPrefix: z.string().default("hydra:memory:"),
});

/** L2: SQLite in WAL mode, the embedded durable tier (durable unless PostgreSQL is configured). */
export const l2ConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  /** Bytes of values in the SQLite file before the least recently used are evicted. */
  maxBytes: bytesSchema(1024 * MIB),
  ttlMs: ttlSchema,
  /** The database file; default `<dataDir>/memory.db`. */
  file: z.string().min(1).optional(),
});

/** L3 in PostgreSQL: durable and shared by every gateway using the same database and schema. */
export const postgresConfigSchema = z.strictObject({
  /** `postgres://user[:password]@host:port/database`; absent: no L3. */
  url: postgresUrlSchema.optional(),
  /** Schema holding Hydra's tables; created and migrated by Hydra at start. */
  schema: postgresSchemaNameSchema,
  /** Connections in this gateway's pool. */
  maxConnections: z.number().int().positive().default(10),
});

export const l3ConfigSchema = z.strictObject({
  /** 0 (default): no bound; otherwise the sweep evicts the least recently used above it. */
  maxBytes: z
    .number({ error: "must be a number of bytes (0 = no bound)" })
    .int({ error: "must be a whole number of bytes" })
    .nonnegative({ error: "must be >= 0 bytes (0 = no bound)" })
    .default(0),
  ttlMs: ttlSchema,
});

export const memoryConfigSchema = z.strictObject({
  /** Off: no tier is opened and /v1/hydra/memory answers 503. */
  enabled: z.boolean().default(true),
  /** Largest value accepted by `put` (after JSON encoding); larger ones get 413. */
  maxValueBytes: bytesSchema(16 * MIB),
  /**
   * An entry not read for this long leaves the upper tiers (L1, and L2 when L3 is the durable
   * tier) on the next sweep; it stays in the tier below. 0: never demote.
   */
  demoteAfterMs: z
    .number({ error: "must be a number of milliseconds (0 = never demote)" })
    .int({ error: "must be a whole number of milliseconds" })
    .nonnegative({ error: "must be >= 0 milliseconds (0 = never demote)" })
    .default(300_000),
  /** How often expired entries are removed, idle ones demoted and L3's size bound enforced. 0: never (call sweep()). */
  sweepIntervalMs: z
    .number({ error: "must be a number of milliseconds (0 = no timer)" })
    .int({ error: "must be a whole number of milliseconds" })
    .nonnegative({ error: "must be >= 0 milliseconds (0 = no timer)" })
    .default(30_000),
  /** L1: the fastest tier, in this process, or Redis when `memory.redis.url` is set. */
  l1: l1ConfigSchema.default(l1ConfigSchema.parse({})),
  /** L1 in Redis instead of in this process: shared by every gateway using the same URL and prefix. */
  redis: memoryRedisConfigSchema.default(memoryRedisConfigSchema.parse({})),
  /** L2: SQLite in WAL mode, the embedded durable tier (durable unless PostgreSQL is configured). */
  l2: l2ConfigSchema.default(l2ConfigSchema.parse({})),
  /** L3 in PostgreSQL: durable and shared by every gateway using the same database and schema. */
  postgres: postgresConfigSchema.default(postgresConfigSchema.parse({})),
  l3: l3ConfigSchema.default(l3ConfigSchema.parse({})),
  /** L4, the vector index: its own settings (src/memory/vector/config.ts). */
  vectors: vectorConfigSchema.default(vectorConfigSchema.parse({})),
});

export type MemoryConfig = z.infer<typeof memoryConfigSchema>;
export type MemoryConfigInput = z.input<typeof memoryConfigSchema>;
