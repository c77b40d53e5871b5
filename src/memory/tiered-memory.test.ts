/**
 * The tiering policy carried out by TieredMemory, over in-process tiers standing in for L1-L3 (the
 * real backends run the same scenarios in tests/memory/). The clock is moved by hand.
 */
import { describe, expect, it } from "vitest";
import {
  MemoryKeyError,
  MemoryTierError,
  MemoryTierUnavailableError,
  MemoryTtlError,
  MemoryValueTooLargeError,
} from "./errors.js";
import type { Tier, TierName, TierRecord } from "./tier.js";
import { TieredMemory } from "./tiered-memory.js";
import { InProcessTier } from "./tiers/in-process.js";

interface Setup {
  memory: TieredMemory;
  tiers: Record<TierName, InProcessTier>;
  clock: { now: number };
}

function setup(
  options: {
    names?: TierName[];
    maxBytes?: Partial<Record<TierName, number>>;
    ttlMs?: Partial<Record<TierName, number>>;
    demoteAfterMs?: number;
    maxValueBytes?: number;
    wrap?: (tier: InProcessTier) => Tier;
  } = {},
): Setup {
  const clock = { now: 1_000_000 };
  const names = options.names ?? ["l1", "l2", "l3"];
  const tiers = {} as Record<TierName, InProcessTier>;
  for (const name of names) {
    tiers[name] = new InProcessTier({
      name,
      maxBytes: options.maxBytes?.[name] ?? 1_000_000,
      ttlMs: options.ttlMs?.[name] ?? 0,
    });
  }
  const memory = new TieredMemory({
    tiers: names.map((name) => (options.wrap ? options.wrap(tiers[name]) : tiers[name])),
    maxValueBytes: options.maxValueBytes ?? 100_000,
    demoteAfterMs: options.demoteAfterMs ?? 0,
    now: () => clock.now,
  });
  return { memory, tiers, clock };
}

/** The tier with some methods replaced (the rest call the real tier). */
function override(
  tier: InProcessTier,
  methods: Partial<Pick<Tier, "get" | "put" | "peek" | "delete">>,
): Tier {
  return {
    name: tier.name,
    backend: tier.backend,
    maxBytes: tier.maxBytes,
    ttlMs: tier.ttlMs,
    counters: tier.counters,
    get: methods.get ?? ((key, now) => tier.get(key, now)),
    peek: methods.peek ?? ((key, now) => tier.peek(key, now)),
    put: methods.put ?? ((record) => tier.put(record)),
    delete: methods.delete ?? ((key) => tier.delete(key)),
    idle: (before, limit) => tier.idle(before, limit),
    sweep: (now) => tier.sweep(now),
    usage: () => tier.usage(),
    close: () => tier.close(),
  };
}

async function holders(s: Setup, key: string): Promise<TierName[]> {
  const found: TierName[] = [];
  for (const [name, tier] of Object.entries(s.tiers)) {
    if ((await tier.peek(key, s.clock.now)) !== undefined) found.push(name as TierName);
  }
  return found;
}

async function tierStats(memory: TieredMemory, tier: TierName) {
  const stats = await memory.stats();
  const found = stats.tiers.find((entry) => entry.tier === tier);
  if (found === undefined) throw new Error(`no stats for ${tier}`);
  return found;
}

describe("TieredMemory: put and get", () => {
  it("writes through to every tier and serves the next read from L1", async () => {
    const s = setup();
    const result = await s.memory.put("k", { answer: 42 });
    expect(result).toMatchObject({ key: "k", kind: "json", tiers: ["l1", "l2", "l3"], expiresAt: null });
    expect(await holders(s, "k")).toEqual(["l1", "l2", "l3"]);
    const hit = await s.memory.get("k");
    expect(hit).toMatchObject({ key: "k", value: { answer: 42 }, tier: "l1", kind: "json", size: 13 });
  });

  it("stores bytes and gives them back as bytes", async () => {
    const s = setup();
    await s.memory.put("bin", Buffer.from([0, 1, 255]));
    const hit = await s.memory.get("bin");
    expect(hit?.kind).toBe("bytes");
    expect(hit?.value).toEqual(Buffer.from([0, 1, 255]));
  });

  it("answers undefined for a key nobody stored, counting a miss in every tier", async () => {
    const s = setup();
    expect(await s.memory.get("nothing")).toBeUndefined();
    const stats = await s.memory.stats();
    expect(stats.tiers.map((tier) => tier.misses)).toEqual([1, 1, 1]);
    expect(stats).toMatchObject({ gets: 1, hits: 0, misses: 1 });
  });

  it("replaces a value everywhere on a second put", async () => {
    const s = setup();
    await s.memory.put("k", "old");
    await s.memory.put("k", "new");
    for (const tier of Object.values(s.tiers)) {
      expect((await tier.peek("k", s.clock.now))?.bytes.toString()).toBe('"new"');
    }
  });

  it("keeps a namespace with the entry", async () => {
    const s = setup();
    await s.memory.put("k", 1, { namespace: "response-cache" });
    expect((await s.memory.get("k"))?.namespace).toBe("response-cache");
    await expect(s.memory.put("k", 1, { namespace: "" })).rejects.toThrow(/namespace must be/);
  });

  it("deletes from every tier and says whether the key was there", async () => {
    const s = setup();
    await s.memory.put("k", 1);
    expect(await s.memory.delete("k")).toBe(true);
    expect(await holders(s, "k")).toEqual([]);
    expect(await s.memory.get("k")).toBeUndefined();
    expect(await s.memory.delete("k")).toBe(false);
  });
});

describe("TieredMemory: bad input", () => {
  it("refuses bad keys, TTLs, tiers and oversized values with typed 4xx errors", async () => {
    const s = setup({ names: ["l1", "l2"], maxValueBytes: 100 });
    await expect(s.memory.put("", 1)).rejects.toBeInstanceOf(MemoryKeyError);
    await expect(s.memory.get("a\tb")).rejects.toBeInstanceOf(MemoryKeyError);
    await expect(s.memory.put("k", 1, { ttlMs: 0 })).rejects.toBeInstanceOf(MemoryTtlError);
    await expect(s.memory.put("k", 1, { tiers: ["l9"] })).rejects.toBeInstanceOf(MemoryTierError);
    await expect(s.memory.put("k", 1, { tiers: ["l3"] })).rejects.toThrow(/memory\.postgres\.url/);
    await expect(s.memory.put("k", "x".repeat(200))).rejects.toBeInstanceOf(MemoryValueTooLargeError);
    await expect(s.memory.put("k", "x".repeat(200))).rejects.toMatchObject({ status: 413 });
    expect(await holders(s, "k")).toEqual([]);
  });
});

describe("TieredMemory: chosen tiers", () => {
  it("keeps an entry only in the tiers named, and never promotes it elsewhere", async () => {
    const s = setup();
    const result = await s.memory.put("k", 1, { tiers: ["l2"] });
    expect(result.tiers).toEqual(["l2"]);
    expect(await holders(s, "k")).toEqual(["l2"]);
    expect((await s.memory.get("k"))?.tier).toBe("l2");
    expect(await holders(s, "k")).toEqual(["l2"]);
  });

  it("removes an older copy from the tiers a new put leaves out", async () => {
    const s = setup();
    await s.memory.put("k", "v1");
    await s.memory.put("k", "v2", { tiers: ["l1"] });
    expect(await holders(s, "k")).toEqual(["l1"]);
  });

  it("skips an upper tier the value is too big for (over a quarter of it), writing the durable one", async () => {
    const s = setup({ names: ["l1", "l2"], maxBytes: { l1: 100 } });
    const result = await s.memory.put("big", "x".repeat(40));
    expect(result.tiers).toEqual(["l2"]);
    expect((await s.memory.get("big"))?.tier).toBe("l2");
    expect(await holders(s, "big")).toEqual(["l2"]);
  });
});

describe("TieredMemory: promotion", () => {
  it("copies a hit in L2 into L1, so the next read comes from L1", async () => {
    const s = setup();
    await s.memory.put("k", "v");
    await s.tiers.l1.delete("k");
    expect((await s.memory.get("k"))?.tier).toBe("l2");
    expect(await holders(s, "k")).toEqual(["l1", "l2", "l3"]);
    expect((await s.memory.get("k"))?.tier).toBe("l1");
    expect((await tierStats(s.memory, "l1")).promotions).toBe(1);
    expect((await tierStats(s.memory, "l2")).hits).toBe(1);
  });

  it("copies a hit in L3 into both L2 and L1", async () => {
    const s = setup();
    await s.memory.put("k", "v");
    await s.tiers.l1.delete("k");
    await s.tiers.l2.delete("k");
    expect((await s.memory.get("k"))?.tier).toBe("l3");
    expect(await holders(s, "k")).toEqual(["l1", "l2", "l3"]);
    expect((await tierStats(s.memory, "l2")).promotions).toBe(1);
  });

  it("gives a promoted copy the upper tier's TTL, never beyond the entry's expiry", async () => {
    const s = setup({ ttlMs: { l1: 1_000 } });
    await s.memory.put("k", "v", { ttlMs: 10_000 });
    s.clock.now += 1_000;
    // The L1 copy expired with L1's TTL; L2 still has the entry and hands it up again.
    expect((await s.memory.get("k"))?.tier).toBe("l2");
    expect((await s.tiers.l1.peek("k", s.clock.now))?.expiresAt).toBe(s.clock.now + 1_000);
    s.clock.now += 8_500;
    await s.tiers.l1.delete("k");
    await s.memory.get("k");
    expect((await s.tiers.l1.peek("k", s.clock.now))?.expiresAt).toBe(1_000_000 + 10_000);
  });

  it("does not copy up a value read before a concurrent put finished", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let slow = false;
    const s = setup({
      names: ["l1", "l2"],
      wrap: (tier) =>
        tier.name === "l2"
          ? override(tier, {
              get: async (key, now) => {
                const record = await tier.get(key, now);
                if (slow) await gate;
                return record;
              },
            })
          : tier,
    });
    await s.memory.put("k", "old", { tiers: ["l2"] });
    slow = true;
    const reading = s.memory.get("k");
    await new Promise((resolve) => setImmediate(resolve));
    await s.memory.put("k", "new");
    release();
    expect((await reading)?.value).toBe("old");
    expect((await s.tiers.l1.peek("k", s.clock.now))?.bytes.toString()).toBe('"new"');
    expect((await s.memory.get("k"))?.value).toBe("new");
  });
});

describe("TieredMemory: TTL", () => {
  it("serves an entry until its TTL and never at or after it, from any tier", async () => {
    const s = setup();
    await s.memory.put("k", "v", { ttlMs: 1_000 });
    s.clock.now += 999;
    expect((await s.memory.get("k"))?.value).toBe("v");
    s.clock.now += 1;
    expect(await s.memory.get("k")).toBeUndefined();
  });

  it("removes expired copies on a sweep and counts them per tier", async () => {
    const s = setup();
    await s.memory.put("short", "v", { ttlMs: 100 });
    await s.memory.put("long", "v");
    s.clock.now += 100;
    expect(await s.memory.sweep()).toMatchObject({ expired: 3, evicted: 0 });
    expect(await holders(s, "short")).toEqual([]);
    expect(await holders(s, "long")).toEqual(["l1", "l2", "l3"]);
    expect((await tierStats(s.memory, "l2")).expirations).toBe(1);
  });

  it("lets a tier keep its copy shorter than the entry lives", async () => {
    const s = setup({ ttlMs: { l1: 50 } });
    await s.memory.put("k", "v");
    s.clock.now += 50;
    await s.memory.sweep();
    expect(await holders(s, "k")).toEqual(["l2", "l3"]);
  });
});

describe("TieredMemory: demotion", () => {
  it("moves entries idle for demoteAfterMs out of the upper tiers; read ones stay", async () => {
    const s = setup({ demoteAfterMs: 1_000 });
    await s.memory.put("busy", 1);
    await s.memory.put("idle", 2);
    s.clock.now += 600;
    await s.memory.get("busy");
    s.clock.now += 600;
    const result = await s.memory.sweep();
    expect(await holders(s, "idle")).toEqual(["l3"]);
    // L2's copy of "busy" was not read (L1 served it), so it is idle there too.
    expect(await holders(s, "busy")).toEqual(["l1", "l3"]);
    expect(result.demoted).toBe(3);
    expect((await tierStats(s.memory, "l1")).demotions).toBe(1);
    expect((await tierStats(s.memory, "l2")).demotions).toBe(2);
    // Demoted is not lost: a read finds it below and promotes it again.
    expect((await s.memory.get("idle"))?.tier).toBe("l3");
    expect(await holders(s, "idle")).toEqual(["l1", "l2", "l3"]);
  });

  it("copies an idle entry down when the tier below lacks it", async () => {
    const s = setup({ names: ["l1", "l2"], demoteAfterMs: 1_000 });
    await s.memory.put("k", "v");
    await s.tiers.l2.delete("k");
    s.clock.now += 1_001;
    await s.memory.sweep();
    expect(await holders(s, "k")).toEqual(["l2"]);
    expect((await s.memory.get("k"))?.value).toBe("v");
  });

  it("replaces an older version below with the idle newer one", async () => {
    const s = setup({ names: ["l1", "l2"], demoteAfterMs: 1_000 });
    await s.memory.put("k", "v1");
    s.clock.now += 1;
    await s.memory.put("k", "v2", { tiers: ["l1", "l2"] });
    // An older copy below (as another writer could leave): the demoted newer copy wins.
    const old = (await s.tiers.l2.peek("k", s.clock.now)) as TierRecord;
    await s.tiers.l2.put({ ...old, bytes: Buffer.from('"v1"'), createdAt: old.createdAt - 1 });
    s.clock.now += 1_001;
    await s.memory.sweep();
    expect((await s.memory.get("k"))?.value).toBe("v2");
  });

  it("keeps an idle entry that may live nowhere below", async () => {
    const s = setup({ demoteAfterMs: 1_000 });
    await s.memory.put("k", "v", { tiers: ["l1"] });
    s.clock.now += 5_000;
    expect((await s.memory.sweep()).demoted).toBe(0);
    expect(await holders(s, "k")).toEqual(["l1"]);
  });

  it("never demotes when demoteAfterMs is 0", async () => {
    const s = setup({ demoteAfterMs: 0 });
    await s.memory.put("k", "v");
    s.clock.now += 1e9;
    await s.memory.sweep();
    expect(await holders(s, "k")).toEqual(["l1", "l2", "l3"]);
  });
});

describe("TieredMemory: eviction", () => {
  it("evicts L1's least recently read entries above its bound; lower tiers still serve them", async () => {
    const s = setup({ names: ["l1", "l2"], maxBytes: { l1: 100 } });
    for (const key of ["a", "b", "c", "d"]) {
      await s.memory.put(key, "x".repeat(20)); // 22 bytes each
      s.clock.now += 1;
    }
    await s.memory.get("a");
    await s.memory.put("e", "x".repeat(20));
    expect(await holders(s, "b")).toEqual(["l2"]);
    expect(await holders(s, "a")).toEqual(["l1", "l2"]);
    const l1 = await tierStats(s.memory, "l1");
    expect(l1).toMatchObject({ evictions: 1, entries: 4, bytes: 88 });
    expect((await s.memory.get("b"))?.tier).toBe("l2");
  });

  it("reports bytes and entries per tier", async () => {
    const s = setup({ names: ["l1", "l2"] });
    await s.memory.put("a", "xx");
    await s.memory.put("b", Buffer.alloc(10));
    const stats = await s.memory.stats();
    expect(stats.durableTier).toBe("l2");
    expect(stats.tiers).toEqual([
      expect.objectContaining({ tier: "l1", backend: "memory", durable: false, bytes: 14, entries: 2 }),
      expect.objectContaining({ tier: "l2", backend: "memory", durable: true, bytes: 14, entries: 2 }),
    ]);
    expect(stats.puts).toBe(2);
  });
});

describe("TieredMemory: failing tiers", () => {
  const refuse = async () => Promise.reject(new Error("connection refused"));
  const failing = (failOn: TierName, methods: ("get" | "put")[]) => (tier: InProcessTier) =>
    tier.name === failOn
      ? override(tier, Object.fromEntries(methods.map((method) => [method, refuse])))
      : tier;

  it("skips a tier that fails a read and serves from the next, counting the error", async () => {
    const s = setup({ names: ["l1", "l2"], wrap: failing("l1", ["get", "put"]) });
    await s.tiers.l2.put({
      key: "k",
      kind: "json",
      bytes: Buffer.from("1"),
      size: 1,
      checksum: 0,
      createdAt: 1,
      expiresAt: null,
      lastAccessAt: 1,
      tiers: 3,
      namespace: null,
    });
    expect((await s.memory.get("k"))?.tier).toBe("l2");
    const l1 = await tierStats(s.memory, "l1");
    expect(l1.errors).toBe(2); // the read, and the promotion that followed
  });

  it("fails a put with 503 when the durable tier cannot take it", async () => {
    const s = setup({ names: ["l1", "l2"], wrap: failing("l2", ["put"]) });
    await expect(s.memory.put("k", 1)).rejects.toBeInstanceOf(MemoryTierUnavailableError);
    await expect(s.memory.put("k", 1)).rejects.toMatchObject({ status: 503 });
    expect(await holders(s, "k")).toEqual([]);
  });

  it("fails a put when an upper tier cannot take it, so no older copy there is served silently", async () => {
    const s = setup({ names: ["l1", "l2"], wrap: failing("l1", ["put"]) });
    await expect(s.memory.put("k", 1)).rejects.toThrow(
      /memory tier l1 \(memory\) failed: connection refused/,
    );
  });
});

describe("TieredMemory: sweep timer", () => {
  it("sweeps on its own when given an interval, and stops on close", async () => {
    const tier = new InProcessTier({ maxBytes: 1_000, ttlMs: 0 });
    let now = 0;
    const memory = new TieredMemory({
      tiers: [tier],
      maxValueBytes: 100,
      demoteAfterMs: 0,
      sweepIntervalMs: 5,
      now: () => now,
    });
    await memory.put("k", 1, { ttlMs: 10 });
    now = 20;
    await expect.poll(() => tier.counters.expirations).toBe(1);
    await memory.close();
  });
});
