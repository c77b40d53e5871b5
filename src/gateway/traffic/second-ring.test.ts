import { describe, expect, it } from "vitest";
import { SecondRing } from "./second-ring.js";

describe("SecondRing", () => {
  it("keeps one value per second, and hands an older lap's slot to the new second fresh", () => {
    const ring = new SecondRing<number[]>(3, () => []);
    ring.at(100).push(1);
    ring.at(100).push(2);
    ring.at(101).push(3);
    expect(ring.get(100)).toEqual([1, 2]);
    expect(ring.get(102)).toBeUndefined();
    // 103 takes 100's slot: 100 is gone, 103 starts empty.
    expect(ring.at(103)).toEqual([]);
    expect(ring.get(100)).toBeUndefined();
    expect(ring.get(101)).toEqual([3]);
    expect(ring.size).toBe(3);
  });

  it("works for seconds before the epoch too", () => {
    const ring = new SecondRing<number[]>(4, () => []);
    ring.at(-5).push(7);
    expect(ring.get(-5)).toEqual([7]);
    expect(ring.get(-1)).toBeUndefined();
  });
});
