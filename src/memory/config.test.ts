import { describe, expect, it } from "vitest";
import { formatValidationError } from "../validation/zod-issues.js";
import { memoryConfigSchema } from "./config.js";

describe("memory config", () => {
  it("gives a working embedded setup from nothing", () => {
    const config = memoryConfigSchema.parse({});
    expect(config).toMatchObject({
      enabled: true,
      maxValueBytes: 16 * 1024 * 1024,
      demoteAfterMs: 300_000,
      sweepIntervalMs: 30_000,
      l1: { maxBytes: 64 * 1024 * 1024, ttlMs: 0 },
      redis: { keyPrefix: "hydra:memory:" },
      l2: { enabled: true, maxBytes: 1024 * 1024 * 1024, ttlMs: 0 },
      postgres: { schema: "hydra", maxConnections: 10 },
      l3: { maxBytes: 0, ttlMs: 0 },
    });
    expect(config.redis.url).toBeUndefined();
    expect(config.postgres.url).toBeUndefined();
    expect(config.l2.file).toBeUndefined();
    expect(config.vectors).toBeDefined();
  });

  it("fills the defaults of a partly written section", () => {
    const config = memoryConfigSchema.parse({ l1: { ttlMs: 5_000 } });
    expect(config.l1).toEqual({ maxBytes: 64 * 1024 * 1024, ttlMs: 5_000 });
  });

  it("accepts Redis and PostgreSQL URLs", () => {
    const config = memoryConfigSchema.parse({
      redis: { url: "redis://127.0.0.1:6379" },
      postgres: { url: "postgres://postgres@127.0.0.1:5432/test", schema: "hydra_mem" },
    });
    expect(config.redis.url).toBe("redis://127.0.0.1:6379");
    expect(config.postgres.schema).toBe("hydra_mem");
  });

  it.each([
    [{ redis: { url: "http://x" } }, /redis\.url.*redis:\/\//],
    [{ postgres: { url: "mysql://x/y" } }, /postgres\.url.*postgres:\/\//],
    [{ postgres: { schema: "Hydra-Memory" } }, /postgres\.schema.*SQL identifier/],
    [{ l1: { maxBytes: 0 } }, /l1\.maxBytes.*> 0 bytes/],
    [{ l2: { ttlMs: -1 } }, /l2\.ttlMs.*>= 0/],
    [{ demoteAfterMs: 1.5 }, /demoteAfterMs.*whole number/],
    [{ l4: {} }, /l4/],
  ])("refuses %j, naming the key", (input, message) => {
    const result = memoryConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    if (!result.success) expect(formatValidationError(result.error)).toMatch(message);
  });
});
