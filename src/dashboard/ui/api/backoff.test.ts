import { describe, expect, it } from "vitest";
import { reconnectDelayMs } from "./backoff.js";

describe("reconnectDelayMs", () => {
  it("doubles from the base up to the maximum", () => {
    const none = () => 0;
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => reconnectDelayMs(n, none))).toEqual([
      500, 1000, 2000, 4000, 8000, 10_000, 10_000,
    ]);
  });

  it("takes at most a quarter off at random", () => {
    expect(reconnectDelayMs(3, () => 1)).toBe(1500);
  });
});
