import { describe, expect, it } from "vitest";
import { appendSample } from "./queue-history.js";

const snapshot = (at: number, depth: number) => ({
  at,
  queue: { depth, capacity: 10, levels: [] },
});

describe("appendSample", () => {
  it("appends in time order, drops the oldest past the limit, and ignores repeats", () => {
    let history = { times: [] as number[], depths: [] as number[] };
    for (const [at, depth] of [
      [1000, 0],
      [2000, 3],
      [2000, 9],
      [3000, 1],
    ] as const) {
      history = appendSample(history, snapshot(at, depth), 2);
    }
    expect(history).toEqual({ times: [2, 3], depths: [3, 1] });
  });
});
