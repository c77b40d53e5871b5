/**
 * Configuration of the state several gateways share through Redis, and the names of what they
 * share there. Without `url` nothing is shared and Redis is never touched (ioredis is not even
 * loaded), so a single gateway needs no Redis.
 */
import { z } from "zod";

const REDIS_SCHEMES = new Set(["redis:", "rediss:"]);

export const redisConfigSchema = z.strictObject({
  /** `redis://[user:password@]host:port[/db]` (or `rediss://` for TLS); absent: nothing is shared. */
  url: z
    .string()
    .refine(isRedisUrl, { error: "must be a URL like redis://127.0.0.1:6379 (redis:// or rediss://)" })
    .optional(),
  /**
   * Put in front of every key and channel, so several Hydra clusters (or test runs) can share one
   * Redis without seeing each other. Gateways that should agree must use the same prefix.
   */
  keyPrefix: z.string().default("hydra:"),
  /** How often each gateway writes what it has learned, for gateways that start later. */
  snapshotIntervalMs: z
    .number({ error: "snapshotIntervalMs must be a number of milliseconds" })
    .int({ error: "snapshotIntervalMs must be a whole number of milliseconds" })
    .positive({ error: "snapshotIntervalMs must be > 0 milliseconds" })
    .default(10_000),
});

export type RedisConfig = z.infer<typeof redisConfigSchema>;

/** The keys and channels of one prefix. */
export interface SharedStateNames {
  /** String: the learned statistics as JSON, keyed by node URL (SET with a TTL). */
  statsKey: string;
  /** Hash: node URL → the ejection still running there (JSON), for gateways that start later. */
  ejectionsKey: string;
  /** Pub/sub: one message per answer a gateway observed (its timing fields). */
  samplesChannel: string;
  /** Pub/sub: ejections and readmissions. */
  healthChannel: string;
}

export function sharedStateNames(prefix: string): SharedStateNames {
  return {
    statsKey: `${prefix}stats`,
    ejectionsKey: `${prefix}ejections`,
    samplesChannel: `${prefix}samples`,
    healthChannel: `${prefix}health`,
  };
}

function isRedisUrl(value: string): boolean {
  try {
    const parsed = new URL(value);
    return REDIS_SCHEMES.has(parsed.protocol) && parsed.hostname !== "";
  } catch {
    return false;
  }
}
