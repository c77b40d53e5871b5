import { describe, expect, it } from "vitest";
import { admissionConfigSchema } from "./config.js";
import { BadPriorityError } from "./errors.js";
import { parsePriority } from "./priority.js";

function errorOf(run: () => unknown): BadPriorityError {
  try {
    run();
  } catch (error) {
    if (error instanceof BadPriorityError) return error;
    throw error;
  }
  throw new Error("expected a BadPriorityError");
}

describe("parsePriority", () => {
  it("reads every priority from 1 to 10 from the header", () => {
    for (let priority = 1; priority <= 10; priority++) {
      expect(parsePriority(String(priority), undefined, 5)).toBe(priority);
    }
    expect(parsePriority(" 7 ", undefined, 5)).toBe(7);
    expect(parsePriority("07", undefined, 5)).toBe(7);
  });

  it("reads the body's priority field", () => {
    expect(parsePriority(undefined, { model: "m", priority: 9 }, 5)).toBe(9);
    expect(parsePriority(undefined, { priority: 1 }, 5)).toBe(1);
  });

  it("prefers the header over the body", () => {
    expect(parsePriority("2", { priority: 9 }, 5)).toBe(2);
  });

  it("falls back when neither names a priority", () => {
    expect(parsePriority(undefined, undefined, 5)).toBe(5);
    expect(parsePriority(undefined, { model: "m" }, 3)).toBe(3);
    expect(parsePriority(undefined, { priority: null }, 4)).toBe(4);
    expect(parsePriority(undefined, [{ priority: 1 }], 6)).toBe(6);
    expect(parsePriority(undefined, "priority", 6)).toBe(6);
    expect(parsePriority(undefined, null, 6)).toBe(6);
  });

  it("rejects header values that are not an integer from 1 to 10", () => {
    for (const bad of ["0", "11", "-1", "5.5", "abc", "", " ", "0x5", "1e1", "+5", "100", "5 5"]) {
      const error = errorOf(() => parsePriority(bad, undefined, 5));
      expect(error.status, bad).toBe(400);
      expect(error.code).toBe("HYDRA_ERR_BAD_PRIORITY");
      expect(error.message).toContain("x-hydra-priority");
    }
  });

  it("rejects body values that are not an integer from 1 to 10, even with a fallback", () => {
    for (const bad of [0, 11, 5.5, -3, Number.NaN, "5", true, {}, []]) {
      const error = errorOf(() => parsePriority(undefined, { priority: bad }, 5));
      expect(error.message).toContain('body field "priority"');
    }
  });

  it("names the value and the allowed range in the message", () => {
    expect(errorOf(() => parsePriority("11", undefined, 5)).message).toBe(
      'invalid priority "11" in the x-hydra-priority header: use an integer from 1 (lowest) to 10 (highest)',
    );
    expect(errorOf(() => parsePriority(undefined, { priority: 0 }, 5)).message).toBe(
      'invalid priority 0 in the body field "priority": use an integer from 1 (lowest) to 10 (highest)',
    );
  });
});

describe("admissionConfigSchema", () => {
  it("has a default for every key", () => {
    expect(admissionConfigSchema.parse({})).toEqual({
      defaultSlots: 8,
      maxQueue: 1024,
      maxWaitMs: 60_000,
      agingMs: 5_000,
      defaultPriority: 5,
    });
  });

  it("rejects unknown keys and out-of-range values", () => {
    expect(admissionConfigSchema.safeParse({ maxQueu: 3 }).success).toBe(false);
    expect(admissionConfigSchema.safeParse({ defaultPriority: 11 }).success).toBe(false);
    expect(admissionConfigSchema.safeParse({ defaultSlots: 0 }).success).toBe(false);
    expect(admissionConfigSchema.safeParse({ agingMs: 0 }).success).toBe(false);
    expect(admissionConfigSchema.safeParse({ maxQueue: 0 }).success).toBe(true);
  });
});
