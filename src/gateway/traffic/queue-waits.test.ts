import { describe, expect, it } from "vitest";
import { QueueWaits } from "./queue-waits.js";

describe("QueueWaits", () => {
  it("averages the waits of each priority over the last minute", () => {
    let now = 1_000_000;
    const waits = new QueueWaits(() => now);
    waits.record(5, 0);
    waits.record(5, 100);
    now += 2_000;
    waits.record(5, 200);
    waits.record(9, 40);
    expect(waits.recent()).toEqual(
      new Map([
        [5, { admitted: 3, meanWaitMs: 100 }],
        [9, { admitted: 1, meanWaitMs: 40 }],
      ]),
    );
  });

  it("forgets admissions older than a minute", () => {
    let now = 1_000_000;
    const waits = new QueueWaits(() => now);
    waits.record(5, 300);
    now += 59_000;
    expect(waits.recent().get(5)?.admitted).toBe(1);
    now += 1_000;
    expect(waits.recent().size).toBe(0);
    // The old second's slot is reused, not added to.
    waits.record(5, 10);
    expect(waits.recent().get(5)).toEqual({ admitted: 1, meanWaitMs: 10 });
  });
});
