import { describe, expect, it } from "vitest";
import {
  decodeEjection,
  decodeMessage,
  decodeStatsRecord,
  type EjectionEntry,
  encodeEjection,
  encodeMessage,
  encodeStatsRecord,
  type SharedMessage,
  type StatsRecord,
  timingFieldsOf,
} from "./messages.js";

const url = "http://gpu-box:11434";
const sample: SharedMessage = {
  v: 1,
  type: "sample",
  from: "gw-1",
  url,
  model: "llama3.2:3b",
  stats: {
    prompt_eval_count: 20,
    prompt_eval_duration: 4e7,
    eval_count: 64,
    eval_duration: 1.6e9,
    load_duration: 0,
  },
};
const eject: SharedMessage = {
  v: 1,
  type: "eject",
  from: "gw-1",
  url,
  openUntil: 1_700_000_001_000,
  reason: "3 failed requests in a row",
};
const recover: SharedMessage = { v: 1, type: "recover", from: "gw-1", url };

describe("shared messages", () => {
  it("round-trip through JSON, each kind", () => {
    for (const message of [sample, eject, recover]) {
      expect(decodeMessage(encodeMessage(message))).toEqual({ ok: true, value: message });
    }
  });

  it("accept a sample with no timing fields at all (the math skips what is missing)", () => {
    const bare = { ...sample, stats: {} };
    expect(decodeMessage(JSON.stringify(bare))).toEqual({ ok: true, value: bare });
  });

  it("drop fields a newer gateway may add, so versions can mix", () => {
    const decoded = decodeMessage(JSON.stringify({ ...recover, node: "their-name", extra: [1] }));
    expect(decoded).toEqual({ ok: true, value: recover });
  });

  it("report, and never apply, anything that is not a valid message", () => {
    const invalid: unknown[] = [
      "not json",
      "null",
      "[]",
      JSON.stringify({ ...recover, v: 2 }),
      JSON.stringify({ ...recover, type: "reboot" }),
      JSON.stringify({ ...recover, from: "" }),
      JSON.stringify({ ...recover, url: undefined }),
      JSON.stringify({ ...sample, model: "" }),
      JSON.stringify({ ...sample, stats: { eval_count: -1 } }),
      JSON.stringify({ ...sample, stats: { eval_count: "64" } }),
      JSON.stringify({ ...sample, stats: undefined }),
      JSON.stringify({ ...eject, openUntil: 1.5 }),
      JSON.stringify({ ...eject, openUntil: -1 }),
      JSON.stringify({ ...eject, reason: undefined }),
      JSON.stringify({ ...eject, reason: "x".repeat(2_001) }),
    ];
    for (const raw of invalid) {
      const decoded = decodeMessage(raw as string);
      expect(decoded.ok, String(raw)).toBe(false);
      if (!decoded.ok) expect(decoded.error).not.toBe("");
    }
  });

  it("say what was wrong: the field, or that it was not JSON", () => {
    expect(decodeMessage("{")).toMatchObject({ ok: false, error: expect.stringContaining("not JSON") });
    expect(decodeMessage(JSON.stringify({ ...eject, openUntil: "soon" }))).toMatchObject({
      ok: false,
      error: expect.stringContaining("openUntil"),
    });
  });
});

describe("ejection entries", () => {
  it("round-trip, and reject what is not one", () => {
    const entry: EjectionEntry = { v: 1, from: "gw-2", openUntil: 5_000, reason: "active check failed" };
    expect(decodeEjection(encodeEjection(entry))).toEqual({ ok: true, value: entry });
    expect(decodeEjection("{}").ok).toBe(false);
    expect(decodeEjection("5000").ok).toBe(false);
  });
});

describe("stats records", () => {
  const record: StatsRecord = {
    v: 1,
    from: "gw-1",
    savedAt: 1_000,
    stats: {
      version: 1,
      nodes: { [url]: { "llama3.2:3b": { prefillTps: 500, decodeTps: 40, samples: 3 } } },
      models: { "llama3.2:3b": { prefillTps: 500, decodeTps: 40, outputTokens: 64, samples: 3 } },
    },
  };

  it("round-trip", () => {
    expect(decodeStatsRecord(encodeStatsRecord(record))).toEqual({ ok: true, value: record });
  });

  it("keep a model named __proto__ as data, not as a prototype", () => {
    const raw = `{"v":1,"from":"g","savedAt":1,"stats":{"version":1,"nodes":{},"models":{"__proto__":{"samples":1}}}}`;
    const decoded = decodeStatsRecord(raw);
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(Object.hasOwn(decoded.value.stats.models, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(decoded.value.stats.models)).toBe(Object.prototype);
  });

  it("reject a record with invalid statistics or another version", () => {
    const badRate = structuredClone(record) as { stats: { models: Record<string, { decodeTps: number }> } };
    (badRate.stats.models["llama3.2:3b"] as { decodeTps: number }).decodeTps = -5;
    expect(decodeStatsRecord(JSON.stringify(badRate)).ok).toBe(false);
    expect(decodeStatsRecord(JSON.stringify({ ...record, v: 2 })).ok).toBe(false);
    expect(decodeStatsRecord("{").ok).toBe(false);
  });
});

describe("timingFieldsOf", () => {
  it("keeps the five timing fields of a final response and nothing else", () => {
    const final = {
      model: "llama3.2:3b",
      done: true,
      total_duration: 9e9,
      prompt_eval_count: 12,
      prompt_eval_duration: 3e7,
      eval_count: 40,
      eval_duration: 1e9,
      load_duration: 5e6,
    };
    expect(timingFieldsOf(final)).toEqual({
      prompt_eval_count: 12,
      prompt_eval_duration: 3e7,
      eval_count: 40,
      eval_duration: 1e9,
      load_duration: 5e6,
    });
  });

  it("drops missing, negative and non-finite values", () => {
    expect(timingFieldsOf({ eval_count: Number.NaN, eval_duration: -1, load_duration: Infinity })).toEqual(
      {},
    );
  });
});
