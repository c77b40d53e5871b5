import { describe, expect, it } from "vitest";
import type { TrafficSeries, TrafficSnapshot } from "../api/types.js";
import {
  alignedData,
  parseSelection,
  pointsWithData,
  selectionKey,
  selectSeries,
  seriesChoices,
  timeAxis,
} from "./series.js";

function series(rps: number[]): TrafficSeries {
  return {
    rps,
    errorsPerS: rps.map(() => 0),
    p50: rps.map((r) => (r > 0 ? 100 : null)),
    p95: rps.map(() => null),
    p99: rps.map(() => null),
    ttftP50: rps.map(() => null),
    tokensPerS: rps.map(() => 0),
  };
}

const snapshot: TrafficSnapshot = {
  start: 1_000_000,
  stepMs: 1000,
  steps: 3,
  all: series([1, 0, 2]),
  byNode: { "sim-b": series([0, 0, 2]), "sim-a": series([1, 0, 0]) },
  byModel: { "llama3.2": series([1, 0, 2]) },
  totals: { requests: 3, errors: 0, completionTokens: 30 },
};

describe("selection keys", () => {
  it("round-trips through the select value", () => {
    for (const selection of [
      { kind: "all" } as const,
      { kind: "node", name: "sim-a" } as const,
      { kind: "model", name: "qwen2.5:7b" } as const,
    ]) {
      expect(parseSelection(selectionKey(selection))).toEqual(selection);
    }
  });

  it("falls back to all traffic for anything unknown", () => {
    expect(parseSelection("pod:x")).toEqual({ kind: "all" });
    expect(parseSelection("node:")).toEqual({ kind: "all" });
  });
});

describe("selectSeries", () => {
  it("picks all, a node or a model, and nothing for an unknown name", () => {
    expect(selectSeries(snapshot, { kind: "all" })).toBe(snapshot.all);
    expect(selectSeries(snapshot, { kind: "node", name: "sim-a" })).toBe(snapshot.byNode["sim-a"]);
    expect(selectSeries(snapshot, { kind: "model", name: "llama3.2" })).toBe(snapshot.byModel["llama3.2"]);
    expect(selectSeries(snapshot, { kind: "node", name: "gone" })).toBeUndefined();
    expect(selectSeries(snapshot, { kind: "node", name: "toString" })).toBeUndefined();
    expect(selectSeries(undefined, { kind: "all" })).toBeUndefined();
  });

  it("lists the choices sorted", () => {
    expect(seriesChoices(snapshot)).toEqual({ nodes: ["sim-a", "sim-b"], models: ["llama3.2"] });
  });
});

describe("aligned data", () => {
  it("puts the steps on a time axis in seconds", () => {
    expect(timeAxis(snapshot)).toEqual([1000, 1001, 1002]);
  });

  it("gives one array per field, and empty arrays for a missing series", () => {
    expect(alignedData(snapshot, snapshot.all, ["rps", "p50"])).toEqual([
      [1000, 1001, 1002],
      [1, 0, 2],
      [100, null, 100],
    ]);
    expect(alignedData(snapshot, undefined, ["rps"])).toEqual([
      [1000, 1001, 1002],
      [null, null, null],
    ]);
  });

  it("counts the steps that have a non-zero value", () => {
    expect(pointsWithData(alignedData(snapshot, snapshot.all, ["rps", "p95"]))).toBe(2);
    expect(pointsWithData(alignedData(snapshot, undefined, ["rps"]))).toBe(0);
  });
});
