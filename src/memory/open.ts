/**
 * Builds the tiered store from the `memory:` configuration: L1 in-process (or Redis with
 * `memory.redis.url`), L2 SQLite under the data dir (unless `memory.l2.enabled: false`), L3
 * PostgreSQL with `memory.postgres.url`. Drivers are imported only for the tiers in use, so the
 * embedded setup never loads ioredis or pg.
 */
import { join } from "node:path";
import type { BaseLogger } from "pino";
import type { MemoryConfig } from "./config.js";
import type { Tier } from "./tier.js";
import { TieredMemory } from "./tiered-memory.js";
import { InProcessTier } from "./tiers/in-process.js";

export interface OpenMemoryOptions {
  /** `config.dataDir`: L2's file defaults to `<dataDir>/memory.db`. */
  dataDir: string;
  log?: Pick<BaseLogger, "warn">;
  /** The clock (tests). */
  now?: () => number;
}

/** Connection errors of Redis and idle PostgreSQL connections: at most one log line per this. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * The store, with every configured tier open and PostgreSQL's schema migrated; undefined when
 * `memory.enabled` is false. Rejects with a ConfigError naming the setting when a tier cannot be
 * opened (an unreachable Redis or PostgreSQL, an unwritable data dir).
 */
export async function openTieredMemory(
  config: MemoryConfig,
  options: OpenMemoryOptions,
): Promise<TieredMemory | undefined> {
  if (!config.enabled) return undefined;
  const tiers: Tier[] = [];
  try {
    if (config.redis.url === undefined) {
      tiers.push(new InProcessTier({ maxBytes: config.l1.maxBytes, ttlMs: config.l1.ttlMs }));
    } else {
      const { openRedisTier } = await import("./tiers/redis.js");
      tiers.push(
        await openRedisTier({
          url: config.redis.url,
          keyPrefix: config.redis.keyPrefix,
          maxBytes: config.l1.maxBytes,
          ttlMs: config.l1.ttlMs,
          onError: throttledWarn(options.log, "memory L1 (Redis) connection error"),
        }),
      );
    }
    if (config.l2.enabled) {
      const { openSqliteTier } = await import("./tiers/sqlite.js");
      tiers.push(
        await openSqliteTier({
          file: config.l2.file ?? join(options.dataDir, "memory.db"),
          maxBytes: config.l2.maxBytes,
          ttlMs: config.l2.ttlMs,
        }),
      );
    }
    if (config.postgres.url !== undefined) {
      const { openPostgresTier } = await import("./tiers/postgres.js");
      tiers.push(
        await openPostgresTier({
          url: config.postgres.url,
          schema: config.postgres.schema,
          maxConnections: config.postgres.maxConnections,
          maxBytes: config.l3.maxBytes,
          ttlMs: config.l3.ttlMs,
          onError: throttledWarn(options.log, "memory L3 (PostgreSQL) connection error"),
        }),
      );
    }
  } catch (error) {
    await Promise.allSettled(tiers.map((tier) => tier.close()));
    throw error;
  }
  return new TieredMemory({
    tiers,
    maxValueBytes: config.maxValueBytes,
    demoteAfterMs: config.demoteAfterMs,
    sweepIntervalMs: config.sweepIntervalMs,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
}

function throttledWarn(log: Pick<BaseLogger, "warn"> | undefined, message: string): (error: Error) => void {
  let last = Number.NEGATIVE_INFINITY;
  return (error) => {
    const now = Date.now();
    if (log === undefined || now - last < ERROR_LOG_INTERVAL_MS) return;
    last = now;
    log.warn({ err: error }, message);
  };
}
