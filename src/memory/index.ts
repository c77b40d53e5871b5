/**
 * The memory tiers' public surface: open the store from config, then get/put/delete/stats.
 * See tiered-memory.ts for the API and policy.ts (or docs/memory.md) for the rules.
 */
export { type MemoryConfig, type MemoryConfigInput, memoryConfigSchema } from "./config.js";
export {
  MemoryDisabledError,
  MemoryKeyError,
  MemoryNotFoundError,
  MemoryTierError,
  MemoryTierUnavailableError,
  MemoryTtlError,
  MemoryValueError,
  MemoryValueTooLargeError,
} from "./errors.js";
export { type OpenMemoryOptions, openTieredMemory } from "./open.js";
export { type Migration, migrate } from "./postgres/migrations.js";
export { TIER_NAMES, type TierBackend, type TierName } from "./tier.js";
export {
  type MemoryHit,
  type MemoryStats,
  type PutOptions,
  type PutResult,
  type SweepResult,
  TieredMemory,
  type TieredMemoryOptions,
  type TierStats,
} from "./tiered-memory.js";
export { type JsonValue, type MemoryValue, type ValueKind, validateKey } from "./value.js";
