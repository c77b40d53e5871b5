/**
 * The gateway's memory, opened on first use: a gateway that never touches memory pays nothing
 * for it (no SQLite file, no connections, no embedding model) and starts as fast as before.
 * Semantic memory embeds through the cluster, with the pool's router placing each request.
 */
import type { FastifyBaseLogger } from "fastify";
import type { HydraConfig } from "../config/schema.js";
import { openTieredMemory } from "../memory/open.js";
import type { TieredMemory } from "../memory/tiered-memory.js";
import { openSemanticMemory, type SemanticMemory } from "../memory/vector/index.js";
import { poolEmbedFunction } from "../memory/vector/ollama-embed.js";
import type { NodePool } from "../pool/pool.js";
import { outsideScope } from "../telemetry/scope.js";

export interface Lazy<T> {
  /** Opens it the first time (undefined when it is switched off); a failed open is retried next time. */
  get(): Promise<T | undefined>;
  /** The value if it is open already; never opens it (for metrics, which must not). */
  peek(): T | undefined;
  close(): Promise<void>;
}

export function lazy<T>(open: () => Promise<T | undefined>, closeIt: (value: T) => Promise<void>): Lazy<T> {
  let opening: Promise<T | undefined> | undefined;
  let opened: T | undefined;
  let closed = false;
  return {
    get() {
      if (closed) return Promise.resolve(undefined);
      // Opened outside the first caller's request scope: what it starts (timers, sync) belongs to
      // the gateway, not to the request that happened to open it.
      opening ??= outsideScope(open).then(
        (value) => {
          opened = value;
          return value;
        },
        (error: unknown) => {
          opening = undefined;
          throw error;
        },
      );
      return opening;
    },
    peek() {
      return closed ? undefined : opened;
    },
    async close() {
      closed = true;
      const value = await opening?.catch(() => undefined);
      if (value !== undefined) await closeIt(value);
    },
  };
}

export function lazyTieredMemory(config: HydraConfig, log: FastifyBaseLogger): Lazy<TieredMemory> {
  return lazy(
    () =>
      openTieredMemory(config.memory, { dataDir: config.dataDir, log: log.child({ component: "memory" }) }),
    (store) => store.close(),
  );
}

export function lazySemanticMemory(
  config: HydraConfig,
  pool: NodePool,
  log: FastifyBaseLogger,
): Lazy<SemanticMemory> {
  const enabled = config.memory.enabled && config.memory.vectors.enabled;
  return lazy(
    async () =>
      enabled
        ? openSemanticMemory(config.memory.vectors, {
            dataDir: config.dataDir,
            embed: poolEmbedFunction(pool),
            postgres: config.memory.postgres,
            log: log.child({ component: "vectors" }),
          })
        : undefined,
    (memory) => memory.close(),
  );
}
