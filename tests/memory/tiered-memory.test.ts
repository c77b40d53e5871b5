/**
 * The tiered store built from configuration, on the real backends: the embedded setup (in-process
 * L1 + SQLite L2 under the data dir) and the full one (Redis L1 + SQLite L2 + PostgreSQL L3).
 * Write-through, promotion, demotion, TTLs, eviction and stats, as policy.ts describes them.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hydraConfigSchema } from "../../src/config/schema.js";
import { ConfigError } from "../../src/errors.js";
import { type MemoryConfigInput, memoryConfigSchema } from "../../src/memory/config.js";
import { openTieredMemory } from "../../src/memory/open.js";
import type { TieredMemory } from "../../src/memory/tiered-memory.js";
import { memoryServices, POSTGRES_URL, REDIS_URL } from "./fixtures/services.js";

const { redis, postgres, dir, onCleanup, redisPrefix, postgresSchema } =
  await memoryServices("hydra-tiered-");

let files = 0;

interface Opened {
  memory: TieredMemory;
  clock: { now: number };
}

async function open(input: MemoryConfigInput, clock = { now: 1_700_000_000_000 }): Promise<Opened> {
  const config = memoryConfigSchema.parse({ sweepIntervalMs: 0, ...input });
  const memory = await openTieredMemory(config, {
    dataDir: join(dir, `data-${files++}`),
    now: () => clock.now,
  });
  if (memory === undefined) throw new Error("memory is disabled");
  onCleanup(() => memory.close());
  return { memory, clock };
}

/** Another gateway on the same PostgreSQL schema: its own Redis prefix and SQLite file. */
function otherGateway(config: MemoryConfigInput): MemoryConfigInput {
  const keyPrefix = redisPrefix("tiered-other");
  return { ...config, redis: { url: REDIS_URL, keyPrefix }, l2: { file: join(dir, `other-${files++}.db`) } };
}

function fullConfig(extra: MemoryConfigInput = {}): MemoryConfigInput {
  const keyPrefix = redisPrefix("tiered");
  const schema = postgresSchema("tiered");
  return {
    ...extra,
    redis: { url: REDIS_URL, keyPrefix },
    postgres: { url: POSTGRES_URL, schema },
    l2: { file: join(dir, `full-${files++}.db`), ...extra.l2 },
  };
}

async function tier(memory: TieredMemory, name: string) {
  const stats = await memory.stats();
  return stats.tiers.find((entry) => entry.tier === name);
}

describe("the embedded setup (no configuration)", () => {
  it("is L1 in this process and L2 in <dataDir>/memory.db, durable in L2", async () => {
    const { memory } = await open({});
    expect(memory.tierNames).toEqual(["l1", "l2"]);
    expect(memory.durableTier).toBe("l2");
    const stats = await memory.stats();
    expect(stats.tiers.map((entry) => entry.backend)).toEqual(["memory", "sqlite"]);
  });

  it("is part of the gateway's configuration with every default", () => {
    const config = hydraConfigSchema.parse({});
    expect(config.memory.enabled).toBe(true);
    expect(config.memory.l2.maxBytes).toBe(1024 * 1024 * 1024);
  });

  it("is not opened at all when memory.enabled is false", async () => {
    const config = memoryConfigSchema.parse({ enabled: false });
    expect(await openTieredMemory(config, { dataDir: dir })).toBeUndefined();
  });

  it("keeps what was put across a restart, serving it from L2 first, then L1", async () => {
    const file = join(dir, "restart.db");
    const first = await open({ l2: { file } });
    await first.memory.put("k", { kept: true });
    await first.memory.close();
    const second = await open({ l2: { file } });
    expect(await second.memory.get("k")).toMatchObject({ tier: "l2", value: { kept: true } });
    expect(await second.memory.get("k")).toMatchObject({ tier: "l1", value: { kept: true } });
    expect(await tier(second.memory, "l1")).toMatchObject({ promotions: 1, hits: 1, misses: 1 });
  });

  it("expires entries by TTL in both tiers", async () => {
    const { memory, clock } = await open({});
    await memory.put("k", "v", { ttlMs: 1_000 });
    clock.now += 999;
    expect(await memory.get("k")).toMatchObject({ value: "v" });
    clock.now += 1;
    expect(await memory.sweep()).toMatchObject({ expired: 2 });
    expect((await memory.stats()).tiers.map((entry) => entry.entries)).toEqual([0, 0]);
    expect(await memory.get("k")).toBeUndefined();
  });

  it("evicts from L1 by bytes while L2 keeps serving", async () => {
    const { memory } = await open({ l1: { maxBytes: 1_000 } });
    for (let i = 0; i < 10; i++) await memory.put(`k${i}`, "x".repeat(198));
    const l1 = await tier(memory, "l1");
    expect(l1?.bytes).toBeLessThanOrEqual(1_000);
    expect(l1?.evictions).toBe(5);
    expect(await memory.get("k0")).toMatchObject({ tier: "l2" });
  });

  it("demotes idle entries from L1 to L2", async () => {
    const { memory, clock } = await open({ demoteAfterMs: 60_000 });
    await memory.put("k", "v");
    clock.now += 60_001;
    expect(await memory.sweep()).toMatchObject({ demoted: 1 });
    expect(await tier(memory, "l1")).toMatchObject({ entries: 0, demotions: 1 });
    expect(await memory.get("k")).toMatchObject({ tier: "l2" });
  });

  it("refuses a data dir it cannot write, naming the setting", async () => {
    const blocker = join(dir, "not-a-directory");
    writeFileSync(blocker, "");
    const config = memoryConfigSchema.parse({});
    await expect(openTieredMemory(config, { dataDir: blocker })).rejects.toThrow(
      /memory\.l2\.file .*not-a-directory\/memory\.db: cannot open the SQLite database/,
    );
  });
});

describe.runIf(redis.available && postgres.available)(
  "the full setup: Redis L1, SQLite L2, PostgreSQL L3",
  () => {
    it("has all three tiers, durable in PostgreSQL", async () => {
      const { memory } = await open(fullConfig());
      expect(memory.tierNames).toEqual(["l1", "l2", "l3"]);
      const stats = await memory.stats();
      expect(stats.tiers.map((entry) => [entry.backend, entry.durable])).toEqual([
        ["redis", false],
        ["sqlite", false],
        ["postgres", true],
      ]);
    });

    it("writes through to all three and serves from Redis", async () => {
      const { memory } = await open(fullConfig());
      expect((await memory.put("k", { a: 1 })).tiers).toEqual(["l1", "l2", "l3"]);
      expect(await memory.get("k")).toMatchObject({ tier: "l1", value: { a: 1 } });
      expect((await memory.stats()).tiers.map((entry) => entry.entries)).toEqual([1, 1, 1]);
    });

    it("promotes a hit in PostgreSQL into SQLite and Redis", async () => {
      const config = fullConfig();
      const writer = await open(otherGateway(config));
      await writer.memory.put("shared", "from-writer");
      const reader = await open(config);
      expect(await reader.memory.get("shared")).toMatchObject({ tier: "l3", value: "from-writer" });
      expect(await reader.memory.get("shared")).toMatchObject({ tier: "l1" });
      const stats = await reader.memory.stats();
      expect(stats.tiers.map((entry) => entry.promotions)).toEqual([1, 1, 0]);
    });

    it("demotes idle entries down to PostgreSQL, which keeps them", async () => {
      const { memory, clock } = await open(fullConfig({ demoteAfterMs: 1_000 }));
      await memory.put("k", "v");
      clock.now += 1_001;
      expect(await memory.sweep()).toMatchObject({ demoted: 2 });
      expect((await memory.stats()).tiers.map((entry) => entry.entries)).toEqual([0, 0, 1]);
      expect(await memory.get("k")).toMatchObject({ tier: "l3", value: "v" });
    });

    it("gives each tier its own TTL", async () => {
      const { memory, clock } = await open(fullConfig({ l1: { ttlMs: 100 }, l2: { ttlMs: 200 } }));
      await memory.put("k", "v");
      clock.now += 100;
      expect(await memory.get("k")).toMatchObject({ tier: "l2" });
      clock.now += 200;
      expect(await memory.get("k")).toMatchObject({ tier: "l3" });
    });

    it("enforces L3's byte bound on a sweep", async () => {
      const { memory, clock } = await open(fullConfig({ l3: { maxBytes: 1_000 } }));
      for (let i = 0; i < 5; i++) {
        await memory.put(`k${i}`, "x".repeat(298), { tiers: ["l3"] });
        clock.now += 1;
      }
      expect(await memory.sweep()).toMatchObject({ evicted: 2 });
      expect(await tier(memory, "l3")).toMatchObject({ entries: 3, bytes: 900, evictions: 2 });
    });

    it("deletes from all three", async () => {
      const { memory } = await open(fullConfig());
      await memory.put("k", 1);
      expect(await memory.delete("k")).toBe(true);
      expect((await memory.stats()).tiers.map((entry) => entry.entries)).toEqual([0, 0, 0]);
      expect(await memory.get("k")).toBeUndefined();
    });
  },
);

describe("unreachable services", () => {
  it("refuses to start with a Redis that does not answer, naming memory.redis.url", async () => {
    const config = memoryConfigSchema.parse({
      redis: { url: "redis://127.0.0.1:1" },
      l2: { enabled: false },
    });
    const attempt = openTieredMemory(config, { dataDir: dir });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(openTieredMemory(config, { dataDir: dir })).rejects.toThrow(
      /memory\.redis\.url redis:\/\/127\.0\.0\.1:1.*cannot connect to Redis/,
    );
  });

  it("refuses to start with a PostgreSQL that does not answer, naming memory.postgres.url", async () => {
    const config = memoryConfigSchema.parse({
      postgres: { url: "postgres://hydra:secret@127.0.0.1:1/hydra" },
      l2: { file: join(dir, "unused.db") },
    });
    await expect(openTieredMemory(config, { dataDir: dir })).rejects.toThrow(
      /memory\.postgres\.url postgres:\/\/hydra:\*\*\*@127\.0\.0\.1:1\/hydra: cannot prepare schema hydra/,
    );
  });
});
