import { describe, expect, it } from "vitest";
import { MemoryTierError, MemoryTtlError, MemoryValueTooLargeError } from "./errors.js";
import {
  ADMIT_SHARE,
  admits,
  copyExpiresAt,
  demotableTiers,
  demotionTarget,
  durableTier,
  entryExpiresAt,
  evictionVictims,
  idleBefore,
  inMask,
  isExpired,
  isTierName,
  needsCopyDown,
  planWrite,
  promotionTargets,
  resolveTiers,
  type TierLimits,
  tierMask,
  tiersOfMask,
  validateTtl,
} from "./policy.js";

const L1: TierLimits = { name: "l1", maxBytes: 1_000, ttlMs: 0 };
const L2: TierLimits = { name: "l2", maxBytes: 10_000, ttlMs: 0 };
const L3: TierLimits = { name: "l3", maxBytes: 0, ttlMs: 0 };
const ALL = [L1, L2, L3];
const EMBEDDED = [L1, L2];

describe("tier masks", () => {
  it("round-trips any set of tiers, in tier order", () => {
    expect(tiersOfMask(tierMask(["l3", "l1"]))).toEqual(["l1", "l3"]);
    expect(tiersOfMask(tierMask([]))).toEqual([]);
    expect(tiersOfMask(tierMask(["l1", "l2", "l3"]))).toEqual(["l1", "l2", "l3"]);
  });

  it("tells whether a tier is in a mask", () => {
    const mask = tierMask(["l2"]);
    expect(inMask(mask, "l2")).toBe(true);
    expect(inMask(mask, "l1")).toBe(false);
  });

  it("knows the tier names and nothing else", () => {
    expect(isTierName("l1")).toBe(true);
    expect(isTierName("l4")).toBe(false);
    expect(isTierName(1)).toBe(false);
  });
});

describe("durable tier", () => {
  it("is the bottom enabled tier", () => {
    expect(durableTier(ALL)).toBe("l3");
    expect(durableTier(EMBEDDED)).toBe("l2");
    expect(durableTier([L1])).toBe("l1");
    expect(durableTier([])).toBeUndefined();
  });
});

describe("resolveTiers", () => {
  it("defaults to every enabled tier", () => {
    expect(resolveTiers(undefined, EMBEDDED)).toEqual(["l1", "l2"]);
  });

  it("puts the requested tiers in tier order without repeats", () => {
    expect(resolveTiers(["l3", "l1", "l1"], ALL)).toEqual(["l1", "l3"]);
  });

  it("refuses an unknown tier, naming the valid and the enabled ones", () => {
    expect(() => resolveTiers(["l4"], EMBEDDED)).toThrow(MemoryTierError);
    expect(() => resolveTiers(["l4"], EMBEDDED)).toThrow(
      /unknown tier "l4": use l1, l2, l3 \(enabled here: l1, l2\)/,
    );
  });

  it("refuses a known tier that is not enabled, saying how to enable it", () => {
    expect(() => resolveTiers(["l3"], EMBEDDED)).toThrow(/tier l3 is not enabled.*memory\.postgres\.url/);
    expect(() => resolveTiers(["l2"], [L1])).toThrow(/memory\.l2\.enabled/);
  });

  it("refuses an empty list", () => {
    expect(() => resolveTiers([], EMBEDDED)).toThrow(/tiers is empty/);
  });
});

describe("TTL", () => {
  it("accepts whole positive milliseconds or nothing", () => {
    expect(validateTtl(undefined)).toBeUndefined();
    expect(validateTtl(1)).toBe(1);
    expect(validateTtl(60_000)).toBe(60_000);
  });

  it.each([0, -5, 1.5, "60", Number.NaN, Number.POSITIVE_INFINITY, 1e15, null])("refuses %s", (value) => {
    expect(() => validateTtl(value)).toThrow(MemoryTtlError);
  });

  it("says what a valid TTL is", () => {
    expect(() => validateTtl(-1)).toThrow(
      /invalid ttlMs -1: use a whole number of milliseconds between 1 and/,
    );
  });

  it("expires an entry ttlMs after its put, or never", () => {
    expect(entryExpiresAt(1_000, 500)).toBe(1_500);
    expect(entryExpiresAt(1_000, undefined)).toBeNull();
  });

  it("caps a copy by the tier's TTL, never beyond the entry's own expiry", () => {
    expect(copyExpiresAt(null, 1_000, 0)).toBeNull();
    expect(copyExpiresAt(5_000, 1_000, 0)).toBe(5_000);
    expect(copyExpiresAt(null, 1_000, 200)).toBe(1_200);
    expect(copyExpiresAt(5_000, 1_000, 200)).toBe(1_200);
    expect(copyExpiresAt(1_100, 1_000, 200)).toBe(1_100);
  });

  it("counts the instant of expiry as expired", () => {
    expect(isExpired(null, 10)).toBe(false);
    expect(isExpired(10, 9)).toBe(false);
    expect(isExpired(10, 10)).toBe(true);
    expect(isExpired(10, 11)).toBe(true);
  });
});

describe("admission", () => {
  it("lets an upper tier take entries up to a quarter of its bound", () => {
    expect(admits(L1, L1.maxBytes * ADMIT_SHARE)).toBe(true);
    expect(admits(L1, L1.maxBytes * ADMIT_SHARE + 1)).toBe(false);
  });

  it("lets an unbounded tier take anything", () => {
    expect(admits(L3, 1e12)).toBe(true);
  });
});

describe("planWrite", () => {
  it("writes every enabled tier, the durable one first, and clears nothing", () => {
    expect(planWrite(ALL, ["l1", "l2", "l3"], 100, 1_000_000)).toEqual({
      write: ["l3", "l2", "l1"],
      clear: [],
      mask: tierMask(["l1", "l2", "l3"]),
    });
  });

  it("clears the tiers it does not write, so no older copy survives there", () => {
    expect(planWrite(ALL, ["l1"], 100, 1_000_000)).toEqual({
      write: ["l1"],
      clear: ["l2", "l3"],
      mask: tierMask(["l1"]),
    });
  });

  it("skips an upper tier the entry is too big for, but keeps it in the mask and clears it", () => {
    const plan = planWrite(EMBEDDED, ["l1", "l2"], 600, 1_000_000);
    expect(plan.write).toEqual(["l2"]);
    expect(plan.clear).toEqual(["l1"]);
    expect(tiersOfMask(plan.mask)).toEqual(["l1", "l2"]);
  });

  it("refuses a value above maxValueBytes, naming the limit and the setting", () => {
    expect(() => planWrite(ALL, ["l1"], 2_000, 1_000)).toThrow(MemoryValueTooLargeError);
    expect(() => planWrite(ALL, ["l1"], 2_000, 1_000)).toThrow(
      /2000 bytes, larger than the limit of 1000 bytes \(memory\.maxValueBytes\)/,
    );
  });

  it("refuses a value that does not fit the lowest tier it must reach", () => {
    expect(() => planWrite(EMBEDDED, ["l1", "l2"], 20_000, 1_000_000)).toThrow(/memory\.l2\.maxBytes/);
  });

  it("lets the lowest tier of a put take more than a quarter of its bound", () => {
    expect(planWrite([L1], ["l1"], 900, 1_000_000).write).toEqual(["l1"]);
  });

  it("has a 413 status for values that are too large", () => {
    try {
      planWrite(ALL, ["l1"], 2_000, 1_000);
    } catch (error) {
      expect((error as MemoryValueTooLargeError).status).toBe(413);
      expect((error as MemoryValueTooLargeError).limitBytes).toBe(1_000);
    }
  });
});

describe("promotion", () => {
  it("copies a hit into every tier above it that the entry may live in", () => {
    const mask = tierMask(["l1", "l2", "l3"]);
    expect(promotionTargets(ALL, "l3", mask, 10)).toEqual(["l1", "l2"]);
    expect(promotionTargets(ALL, "l2", mask, 10)).toEqual(["l1"]);
    expect(promotionTargets(ALL, "l1", mask, 10)).toEqual([]);
  });

  it("never promotes into a tier outside the entry's tiers", () => {
    expect(promotionTargets(ALL, "l3", tierMask(["l2", "l3"]), 10)).toEqual(["l2"]);
  });

  it("never promotes into a tier that would not admit the entry", () => {
    expect(promotionTargets(ALL, "l3", tierMask(["l1", "l2", "l3"]), 500)).toEqual(["l2"]);
  });

  it("promotes nowhere from a tier that is not enabled", () => {
    expect(promotionTargets(EMBEDDED, "l3", tierMask(["l1", "l2", "l3"]), 10)).toEqual([]);
  });
});

describe("demotion", () => {
  it("demotes from every tier but the durable one", () => {
    expect(demotableTiers(ALL)).toEqual(["l1", "l2"]);
    expect(demotableTiers([L1])).toEqual([]);
  });

  it("moves a copy to the next tier below that the entry may live in", () => {
    expect(demotionTarget(ALL, "l1", tierMask(["l1", "l2", "l3"]))).toBe("l2");
    expect(demotionTarget(ALL, "l1", tierMask(["l1", "l3"]))).toBe("l3");
    expect(demotionTarget(ALL, "l2", tierMask(["l1", "l2", "l3"]))).toBe("l3");
  });

  it("keeps a copy whose entry may live nowhere below", () => {
    expect(demotionTarget(ALL, "l1", tierMask(["l1"]))).toBeUndefined();
    expect(demotionTarget(ALL, "l3", tierMask(["l1", "l2", "l3"]))).toBeUndefined();
  });

  it("takes copies last read before now - demoteAfterMs as idle, or none when off", () => {
    expect(idleBefore(10_000, 3_000)).toBe(7_000);
    expect(idleBefore(10_000, 0)).toBeUndefined();
  });

  it("copies down only when the tier below lacks the entry or has an older version", () => {
    expect(needsCopyDown(undefined, { createdAt: 5 })).toBe(true);
    expect(needsCopyDown({ createdAt: 4 }, { createdAt: 5 })).toBe(true);
    expect(needsCopyDown({ createdAt: 5 }, { createdAt: 5 })).toBe(false);
    expect(needsCopyDown({ createdAt: 6 }, { createdAt: 5 })).toBe(false);
  });
});

describe("eviction", () => {
  const oldestFirst = [
    { key: "a", size: 300 },
    { key: "b", size: 300 },
    { key: "c", size: 300 },
    { key: "d", size: 300 },
  ];

  it("evicts the least recently read until the tier is under its bound", () => {
    expect(evictionVictims(oldestFirst, 1_200, 700)).toEqual({ keys: ["a", "b"], bytesAfter: 600 });
  });

  it("evicts nothing when under the bound", () => {
    expect(evictionVictims(oldestFirst, 700, 700)).toEqual({ keys: [], bytesAfter: 700 });
  });

  it("never evicts the entry just written", () => {
    expect(evictionVictims(oldestFirst, 1_200, 700, "a").keys).toEqual(["b", "c"]);
  });

  it("evicts nothing from an unbounded tier", () => {
    expect(evictionVictims(oldestFirst, 1e9, 0).keys).toEqual([]);
  });

  it("stops at the candidates it has (the caller fetches more)", () => {
    expect(evictionVictims(oldestFirst.slice(0, 1), 1_200, 100)).toEqual({ keys: ["a"], bytesAfter: 900 });
  });

  it("reads candidates lazily, stopping as soon as the bound is met", () => {
    let read = 0;
    function* lazy() {
      for (const candidate of oldestFirst) {
        read++;
        yield candidate;
      }
    }
    evictionVictims(lazy(), 1_200, 900);
    expect(read).toBe(2);
  });
});
