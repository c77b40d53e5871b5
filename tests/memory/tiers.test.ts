/**
 * Every tier backend against its real service (Redis at 127.0.0.1:6379, PostgreSQL at
 * 127.0.0.1:5432, SQLite files in a temp dir): the same contract — get/put/peek/delete, expiry,
 * eviction by bytes, idle listing, usage — run on each. Each backend gets its own key prefix,
 * schema or file, removed afterwards.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tierMask } from "../../src/memory/policy.js";
import type { Tier, TierRecord } from "../../src/memory/tier.js";
import { InProcessTier } from "../../src/memory/tiers/in-process.js";
import { openPostgresTier } from "../../src/memory/tiers/postgres.js";
import { openRedisTier } from "../../src/memory/tiers/redis.js";
import { openSqliteTier } from "../../src/memory/tiers/sqlite.js";
import { encodeValue } from "../../src/memory/value.js";
import { memoryServices, POSTGRES_URL, REDIS_URL } from "./fixtures/services.js";

const { redis, postgres, dir, redisPrefix, postgresSchema } = await memoryServices("hydra-memory-tiers-");

const T0 = 1_700_000_000_000;

function record(key: string, value: unknown, fields: Partial<TierRecord> = {}): TierRecord {
  const encoded = encodeValue(value as never);
  return {
    key,
    kind: encoded.kind,
    bytes: encoded.bytes,
    size: encoded.bytes.length,
    checksum: encoded.checksum,
    createdAt: T0,
    expiresAt: null,
    lastAccessAt: T0,
    tiers: tierMask(["l1", "l2", "l3"]),
    namespace: null,
    ...fields,
  };
}

/** A value of exactly `size` encoded bytes (a JSON string). */
const sized = (size: number) => "x".repeat(size - 2);

interface Backend {
  name: string;
  available: boolean;
  /** Whether each put enforces maxBytes (PostgreSQL enforces it on sweeps). */
  evictsOnPut: boolean;
  open(maxBytes: number): Promise<Tier>;
}

let opened = 0;
const backends: Backend[] = [
  {
    name: "in-process",
    available: true,
    evictsOnPut: true,
    open: async (maxBytes) => new InProcessTier({ maxBytes, ttlMs: 0 }),
  },
  {
    name: "redis",
    available: redis.available,
    evictsOnPut: true,
    open: async (maxBytes) => {
      const keyPrefix = redisPrefix("memory-tier");
      return openRedisTier({ url: REDIS_URL, keyPrefix, maxBytes, ttlMs: 0 });
    },
  },
  {
    name: "sqlite",
    available: true,
    evictsOnPut: true,
    open: async (maxBytes) => openSqliteTier({ file: join(dir, `tier-${opened++}.db`), maxBytes, ttlMs: 0 }),
  },
  {
    name: "postgres",
    available: postgres.available,
    evictsOnPut: false,
    open: async (maxBytes) => {
      const schema = postgresSchema("memory_tier");
      return openPostgresTier({ url: POSTGRES_URL, schema, maxConnections: 4, maxBytes, ttlMs: 0 });
    },
  },
];

describe.each(backends)("$name tier", (backend) => {
  const run = it.runIf(backend.available);

  async function withTier<R>(maxBytes: number, body: (tier: Tier) => Promise<R>): Promise<R> {
    const tier = await backend.open(maxBytes);
    try {
      return await body(tier);
    } finally {
      await tier.close();
    }
  }

  run("stores, reads and deletes a copy with every field intact", async () => {
    await withTier(1_000_000, async (tier) => {
      const json = record(
        "json:1",
        { text: "héllo", n: [1, 2] },
        { expiresAt: T0 + 60_000, namespace: "ns" },
      );
      const bytes = record("bytes/1", Buffer.from([0, 255, 7]), { tiers: 5 });
      await tier.put(json, T0);
      await tier.put(bytes, T0);
      expect(await tier.get("json:1", T0 + 1)).toMatchObject({
        ...json,
        bytes: json.bytes,
        lastAccessAt: T0 + 1,
      });
      const read = await tier.peek("bytes/1", T0 + 1);
      expect(read?.bytes).toEqual(Buffer.from([0, 255, 7]));
      expect(read).toMatchObject({
        kind: "bytes",
        tiers: 5,
        namespace: null,
        expiresAt: null,
        createdAt: T0,
      });
      expect(await tier.usage()).toEqual({ bytes: json.size + 3, entries: 2 });
      expect(await tier.delete("json:1")).toBe(true);
      expect(await tier.delete("json:1")).toBe(false);
      expect(await tier.get("json:1", T0 + 2)).toBeUndefined();
      expect(await tier.usage()).toEqual({ bytes: 3, entries: 1 });
    });
  });

  run("replaces a copy and counts its bytes once", async () => {
    await withTier(1_000_000, async (tier) => {
      await tier.put(record("k", sized(100), { lastAccessAt: T0 }), T0);
      await tier.put(record("k", sized(40), { createdAt: T0 + 5, lastAccessAt: T0 + 5 }), T0 + 5);
      expect((await tier.get("k", T0 + 6))?.size).toBe(40);
      expect(await tier.usage()).toEqual({ bytes: 40, entries: 1 });
    });
  });

  run("never returns a copy at or after its expiry, and a sweep removes it", async () => {
    await withTier(1_000_000, async (tier) => {
      await tier.put(record("short", 1, { expiresAt: T0 + 100 }), T0);
      await tier.put(record("long", 2, { lastAccessAt: T0 }), T0);
      expect(await tier.get("short", T0 + 99)).toBeDefined();
      expect(await tier.get("short", T0 + 100)).toBeUndefined();
      expect(await tier.peek("short", T0 + 100)).toBeUndefined();
      await tier.sweep(T0 + 100);
      expect(tier.counters.expirations).toBeGreaterThanOrEqual(1);
      expect(await tier.usage()).toEqual({ bytes: 1, entries: 1 });
      expect(await tier.get("long", T0 + 100)).toBeDefined();
    });
  });

  run("evicts the least recently read copies above maxBytes, never the one just written", async () => {
    await withTier(1_000, async (tier) => {
      for (const [i, key] of ["a", "b", "c"].entries())
        await tier.put(record(key, sized(300), { lastAccessAt: T0 + i }), T0 + i);
      // "a" read last: "b" is now the least recently read.
      await tier.get("a", T0 + 10);
      await tier.put(record("d", sized(300), { lastAccessAt: T0 + 11 }), T0 + 11);
      if (!backend.evictsOnPut) await tier.sweep(T0 + 12);
      expect(await tier.peek("b", T0 + 12)).toBeUndefined();
      for (const key of ["a", "c", "d"]) expect(await tier.peek(key, T0 + 12)).toBeDefined();
      expect(await tier.usage()).toEqual({ bytes: 900, entries: 3 });
      expect(tier.counters.evictions).toBe(1);
    });
  });

  run("evicts several copies for one big entry", async () => {
    await withTier(1_000, async (tier) => {
      for (const [i, key] of ["a", "b", "c"].entries())
        await tier.put(record(key, sized(300), { lastAccessAt: T0 + i }), T0 + i);
      await tier.put(record("big", sized(700), { lastAccessAt: T0 + 5 }), T0 + 5);
      if (!backend.evictsOnPut) await tier.sweep(T0 + 6);
      expect((await tier.usage()).bytes).toBeLessThanOrEqual(1_000);
      expect(await tier.peek("big", T0 + 6)).toBeDefined();
      expect(await tier.peek("a", T0 + 6)).toBeUndefined();
      expect(await tier.peek("b", T0 + 6)).toBeUndefined();
    });
  });

  run("lists copies not read since a time, least recently read first", async () => {
    await withTier(1_000_000, async (tier) => {
      for (const [i, key] of ["a", "b", "c"].entries())
        await tier.put(record(key, i, { lastAccessAt: T0 + i }), T0 + i);
      await tier.get("a", T0 + 100);
      // peek is not a read: "b" stays idle.
      await tier.peek("b", T0 + 100);
      const idle = await tier.idle(T0 + 50, 10, T0 + 200);
      expect(idle.map((copy) => copy.key)).toEqual(["b", "c"]);
      expect((await tier.idle(T0 + 50, 1, T0 + 200)).map((copy) => copy.key)).toEqual(["b"]);
    });
  });
});

describe.runIf(redis.available)("redis tier, Redis's own expiry", () => {
  it("lets Redis drop an expired entry itself, and the sweep settles the byte count", async () => {
    const keyPrefix = redisPrefix("memory-expiry");
    const tier = await openRedisTier({ url: REDIS_URL, keyPrefix, maxBytes: 1_000_000, ttlMs: 0 });
    try {
      const now = Date.now();
      await tier.put(record("k", "v", { createdAt: now, lastAccessAt: now, expiresAt: now + 50 }), now);
      expect(await tier.get("k", now)).toBeDefined();
      await new Promise((resolve) => setTimeout(resolve, 120));
      const { Redis } = await import("ioredis");
      const client = new Redis(REDIS_URL);
      try {
        expect(await client.exists(`${keyPrefix}e:k`)).toBe(0);
      } finally {
        client.disconnect();
      }
      expect((await tier.usage()).bytes).toBe(3);
      await tier.sweep(Date.now());
      expect(await tier.usage()).toEqual({ bytes: 0, entries: 0 });
    } finally {
      await tier.close();
    }
  });
});

describe("sqlite tier, on disk", () => {
  it("keeps entries, sizes and read order across a reopen", async () => {
    const file = join(dir, "reopen.db");
    const first = await openSqliteTier({ file, maxBytes: 1_000, ttlMs: 0 });
    await first.put(record("a", sized(300)));
    await first.put(record("b", sized(300), { lastAccessAt: T0 + 1 }));
    await first.get("a", T0 + 10);
    await first.close();
    const second = await openSqliteTier({ file, maxBytes: 1_000, ttlMs: 0 });
    try {
      expect(await second.usage()).toEqual({ bytes: 600, entries: 2 });
      await second.put(record("c", sized(300), { lastAccessAt: T0 + 20 }));
      await second.put(record("d", sized(300), { lastAccessAt: T0 + 21 }));
      // "b" was read least recently (the read of "a" was written on close).
      expect(await second.peek("b", T0 + 22)).toBeUndefined();
      expect(await second.peek("a", T0 + 22)).toBeDefined();
    } finally {
      await second.close();
    }
  });

  it("runs in WAL mode", async () => {
    const file = join(dir, "wal.db");
    const tier = await openSqliteTier({ file, maxBytes: 1_000, ttlMs: 0 });
    await tier.close();
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(file, { readonly: true });
    try {
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    } finally {
      db.close();
    }
  });

  it("drops a copy whose bytes do not match their checksum, counting it", async () => {
    const file = join(dir, "corrupt.db");
    const tier = await openSqliteTier({ file, maxBytes: 1_000_000, ttlMs: 0 });
    await tier.put(record("k", "value"));
    await tier.close();
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(file);
    db.prepare("UPDATE memory_entries SET value = ? WHERE key = 'k'").run(Buffer.from('"valuX"'));
    db.close();
    const reopened = await openSqliteTier({ file, maxBytes: 1_000_000, ttlMs: 0 });
    try {
      expect(await reopened.get("k", T0)).toBeUndefined();
      expect(reopened.counters.corrupt).toBe(1);
      expect(await reopened.usage()).toEqual({ bytes: 0, entries: 0 });
    } finally {
      await reopened.close();
    }
  });
});
