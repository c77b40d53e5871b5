import { describe, expect, it } from "vitest";
import { LogHistogram } from "./log-histogram.js";
import { type FinishedRequest, TrafficRecorder } from "./recorder.js";

const T0 = 1_700_000_000_000;

function request(overrides: Partial<FinishedRequest> = {}): FinishedRequest {
  return { at: T0, node: "a", model: "m", status: 200, ms: 100, completionTokens: 10, ...overrides };
}

function expectWithin2Percent(value: number | null | undefined, exact: number): void {
  expect(value).toBeTypeOf("number");
  expect(Math.abs((value ?? 0) - exact) / exact).toBeLessThan(0.02);
}

describe("LogHistogram", () => {
  it("is empty until a value is added", () => {
    expect(new LogHistogram().quantile(0.5)).toBeNull();
  });

  it("gives quantiles within 2 % of the exact ones", () => {
    const histogram = new LogHistogram();
    const values = Array.from({ length: 1000 }, (_, i) => i + 1);
    for (const value of values) histogram.add(value);
    for (const [q, exact] of [
      [0.5, 500],
      [0.95, 950],
      [0.99, 990],
      [1, 1000],
    ] as const) {
      expectWithin2Percent(histogram.quantile(q), exact);
    }
    expect(histogram.count).toBe(1000);
  });

  it("keeps zero and tiny values in the lowest bucket", () => {
    const histogram = new LogHistogram();
    histogram.add(0);
    histogram.add(0.001);
    expect(histogram.quantile(1)).toBe(0.01);
  });
});

describe("TrafficRecorder", () => {
  it("counts requests, errors and tokens per second for the cluster, each node and each model", () => {
    const recorder = new TrafficRecorder({ now: () => T0 + 3_000 });
    recorder.record(request({ at: T0, node: "a", model: "m" }));
    recorder.record(request({ at: T0 + 200, node: "b", model: "m", status: 503, completionTokens: 0 }));
    recorder.record(request({ at: T0 + 1_500, node: "a", model: "n", completionTokens: 7 }));
    const snapshot = recorder.snapshot(3);
    expect(snapshot.steps).toBe(3);
    expect(snapshot.stepMs).toBe(1000);
    // The window ends with the last finished second (T0+2 s), so it starts at T0.
    expect(snapshot.start).toBe(Math.floor(T0 / 1000) * 1000);
    expect(snapshot.all.rps).toEqual([2, 1, 0]);
    expect(snapshot.all.errorsPerS).toEqual([1, 0, 0]);
    expect(snapshot.all.tokensPerS).toEqual([10, 7, 0]);
    expect(snapshot.byNode.a?.rps).toEqual([1, 1, 0]);
    expect(snapshot.byNode.b?.errorsPerS).toEqual([1, 0, 0]);
    expect(snapshot.byModel.m?.rps).toEqual([2, 0, 0]);
    expect(snapshot.byModel.n?.tokensPerS).toEqual([0, 7, 0]);
    expect(snapshot.totals).toEqual({ requests: 3, errors: 1, completionTokens: 17 });
  });

  it("reports latency and time-to-first-token percentiles, null where nothing happened", () => {
    const recorder = new TrafficRecorder({ now: () => T0 + 2_000 });
    for (let i = 1; i <= 100; i++) recorder.record(request({ ms: i * 10, ttftMs: i }));
    const { all } = recorder.snapshot(2);
    expectWithin2Percent(all.p50[0], 500);
    expectWithin2Percent(all.p99[0], 990);
    expectWithin2Percent(all.ttftP50[0], 50);
    expect(all.p50[1]).toBeNull();
    expect(all.ttftP50[1]).toBeNull();
  });

  it("leaves out the second still in progress", () => {
    const recorder = new TrafficRecorder({ now: () => T0 + 500 });
    recorder.record(request({ at: T0 + 100 }));
    expect(recorder.snapshot(5).totals.requests).toBe(0);
  });

  it("forgets seconds older than its longest window, so memory stays bounded", () => {
    let now = T0;
    const recorder = new TrafficRecorder({ maxWindowS: 10, now: () => now });
    recorder.record(request({ at: T0 }));
    // 10 s later the same ring slot holds a new second: the old one is gone.
    recorder.record(request({ at: T0 + 10_000, node: "z" }));
    now = T0 + 11_000;
    const snapshot = recorder.snapshot(100);
    expect(snapshot.steps).toBe(10);
    expect(snapshot.totals.requests).toBe(1);
    expect(Object.keys(snapshot.byNode)).toEqual(["z"]);
  });

  it("ignores a slot left from an older lap of the ring", () => {
    let now = T0 + 1_000;
    const recorder = new TrafficRecorder({ maxWindowS: 5, now: () => now });
    recorder.record(request({ at: T0 }));
    now = T0 + 6_000;
    // T0's slot is now at the place of T0+5 s and must not be read as that second.
    expect(recorder.snapshot(5).totals.requests).toBe(0);
  });

  it("keeps names with unusual characters apart", () => {
    const recorder = new TrafficRecorder({ now: () => T0 + 1_000 });
    recorder.record(request({ node: "node:1", model: "llama3.2:1b" }));
    const snapshot = recorder.snapshot(1);
    expect(Object.keys(snapshot.byNode)).toEqual(["node:1"]);
    expect(Object.keys(snapshot.byModel)).toEqual(["llama3.2:1b"]);
  });
});
