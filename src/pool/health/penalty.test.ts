import { describe, expect, it } from "vitest";
import { addOverload, NO_PENALTY, penaltyAt } from "./penalty.js";

const policy = { step: 0.5, decayMs: 10_000 };

describe("overload penalty", () => {
  it("is 0 with no overload", () => {
    expect(penaltyAt(NO_PENALTY, 0)).toBe(0);
    expect(penaltyAt(NO_PENALTY, 1e12)).toBe(0);
  });

  it("fades linearly to 0 over decayMs without Retry-After", () => {
    const penalty = addOverload(NO_PENALTY, 1_000, policy);
    expect([0, 2_500, 5_000, 9_999, 10_000, 20_000].map((t) => penaltyAt(penalty, 1_000 + t))).toEqual([
      0.5,
      0.375,
      0.25,
      0.5 * (1 / 10_000),
      0,
      0,
    ]);
  });

  it("compounds: each overload takes a share of what is left, and never passes 1", () => {
    let penalty = NO_PENALTY;
    const levels: number[] = [];
    for (let i = 0; i < 4; i++) {
      penalty = addOverload(penalty, 0, policy);
      levels.push(penaltyAt(penalty, 0));
    }
    expect(levels).toEqual([0.5, 0.75, 0.875, 0.9375]);
    expect(penaltyAt(addOverload(NO_PENALTY, 0, { step: 1, decayMs: 1 }), 0)).toBe(1);
  });

  it("compounds from what is left of a fading penalty, and restarts the fade", () => {
    const first = addOverload(NO_PENALTY, 0, policy);
    const second = addOverload(first, 5_000, policy); // 0.25 left → 1 - 0.75 × 0.5
    expect(penaltyAt(second, 5_000)).toBe(0.625);
    expect(penaltyAt(second, 10_000)).toBeCloseTo(0.3125);
    expect(penaltyAt(second, 15_000)).toBe(0);
  });

  it("holds at its level until Retry-After has passed, then drops to 0", () => {
    const penalty = addOverload(NO_PENALTY, 0, policy, 3_000);
    expect([0, 2_999, 3_000].map((t) => penaltyAt(penalty, t))).toEqual([0.5, 0.5, 0]);
  });

  it("keeps an earlier, longer Retry-After when a later overload comes without one", () => {
    const held = addOverload(NO_PENALTY, 0, policy, 30_000);
    const again = addOverload(held, 1_000, policy);
    expect(penaltyAt(again, 20_000)).toBe(0.75);
    expect(penaltyAt(again, 30_000)).toBe(0);
  });

  it("fades normally once a short Retry-After is outlived by a later overload without one", () => {
    const held = addOverload(NO_PENALTY, 0, policy, 1_000);
    const again = addOverload(held, 500, policy);
    expect(again.hold).toBe(false);
    expect(penaltyAt(again, 5_500)).toBeCloseTo(0.375);
  });

  it("treats Retry-After 0 as absent", () => {
    expect(addOverload(NO_PENALTY, 0, policy, 0).hold).toBe(false);
  });
});
