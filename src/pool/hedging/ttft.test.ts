import { describe, expect, it } from "vitest";
import { TtftTracker } from "./ttft.js";

describe("TtftTracker", () => {
  it("knows nothing before enough samples", () => {
    const tracker = new TtftTracker();
    for (let i = 0; i < 4; i++) tracker.record("a", "m", 100);
    expect(tracker.percentile("a", "m", 95)).toBeUndefined();
  });

  it("computes percentiles per node and model over the most recent samples", () => {
    const tracker = new TtftTracker(20);
    for (let i = 1; i <= 100; i++) tracker.record("a", "m", i);
    expect(tracker.percentile("a", "m", 95)).toBe(99);
    expect(tracker.percentile("a", "m", 50)).toBe(90);
    expect(tracker.percentile("b", "m", 50)).toBeUndefined();
  });
});
