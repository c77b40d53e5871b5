/**
 * What the memory store refuses, as HydraErrors: the gateway's error handler turns each into its
 * status with a message that says what to change. The codes are stable, for searching.
 */
import { HydraError } from "../errors.js";

/** A key that is empty, too long or holds control characters. */
export class MemoryKeyError extends HydraError {
  constructor(message: string) {
    super("HYDRA_ERR_MEMORY_KEY", 400, message);
  }
}

/** A value the store cannot hold: not JSON nor bytes, or a non-JSON number. */
export class MemoryValueError extends HydraError {
  constructor(reason: string) {
    super("HYDRA_ERR_MEMORY_VALUE", 400, `invalid memory value: ${reason}`);
  }
}

/** A value larger than `memory.maxValueBytes`, or than the tier that must hold it. */
export class MemoryValueTooLargeError extends HydraError {
  readonly limitBytes: number;
  constructor(sizeBytes: number, limitBytes: number, setting: string) {
    super(
      "HYDRA_ERR_MEMORY_VALUE_TOO_LARGE",
      413,
      `the value is ${sizeBytes} bytes, larger than the limit of ${limitBytes} bytes (${setting}); store a smaller value or raise ${setting}`,
    );
    this.limitBytes = limitBytes;
  }
}

/** A tier name that does not exist, or a tier that is not configured here. */
export class MemoryTierError extends HydraError {
  constructor(message: string) {
    super("HYDRA_ERR_MEMORY_TIER", 400, message);
  }
}

/** A TTL that is not a positive whole number of milliseconds. */
export class MemoryTtlError extends HydraError {
  constructor(value: unknown) {
    super(
      "HYDRA_ERR_MEMORY_TTL",
      400,
      `invalid ttlMs ${JSON.stringify(value) ?? String(value)}: use a whole number of milliseconds between 1 and ${MAX_TTL_MS} (or leave it out for no expiry)`,
    );
  }
}

/** No entry under the key (never stored, deleted, expired or evicted). */
export class MemoryNotFoundError extends HydraError {
  constructor(key: string) {
    super(
      "HYDRA_ERR_MEMORY_NOT_FOUND",
      404,
      `no memory entry for key ${JSON.stringify(key)}: it was never stored, or was deleted, expired or evicted`,
    );
  }
}

/** `memory.enabled: false` (or the store is not open). */
export class MemoryDisabledError extends HydraError {
  constructor() {
    super(
      "HYDRA_ERR_MEMORY_DISABLED",
      503,
      "memory is off in this gateway (memory.enabled: false); set memory.enabled: true to use /v1/hydra/memory",
    );
  }
}

/** About 100 years: beyond it a TTL is a mistake (seconds vs milliseconds, or a timestamp). */
export const MAX_TTL_MS = 100 * 365 * 24 * 3_600_000;

/** A tier that had to be written (or cleared of an older copy) could not be reached. */
export class MemoryTierUnavailableError extends HydraError {
  constructor(tier: string, backend: string, cause: unknown) {
    super(
      "HYDRA_ERR_MEMORY_TIER_UNAVAILABLE",
      503,
      `memory tier ${tier} (${backend}) failed: ${(cause as Error)?.message ?? String(cause)}; check that ${backend} is reachable and retry`,
      { cause, retryAfterSeconds: 1 },
    );
  }
}
