import { describe, expect, it } from "vitest";
import { LearnedStats } from "./learned-stats.js";

const SECOND = 1e9;

describe("LearnedStats", () => {
  it("uses the configured priors before anything was recorded", () => {
    const stats = new LearnedStats({ prefillTokensPerSec: 400, decodeTokensPerSec: 25, outputTokens: 100 });
    expect(stats.prefillTokensPerSec("a", "m")).toBe(400);
    expect(stats.decodeTokensPerSec("a", "m")).toBe(25);
    expect(stats.expectedOutputTokens("m")).toBe(100);
    // 200 ms base + 4000 MB at 1000 MB/s
    expect(stats.loadMs("a", "m", 4000)).toBe(4200);
  });

  it("learns prefill and decode rates from the response's counts and nanosecond durations", () => {
    const stats = new LearnedStats();
    stats.record("a", "m", {
      prompt_eval_count: 1000,
      prompt_eval_duration: 2 * SECOND,
      eval_count: 50,
      eval_duration: SECOND,
    });
    expect(stats.prefillTokensPerSec("a", "m")).toBe(500);
    expect(stats.decodeTokensPerSec("a", "m")).toBe(50);
  });

  it("moves the average by alpha of each new sample", () => {
    const stats = new LearnedStats({ alpha: 0.5 });
    stats.record("a", "m", { eval_count: 100, eval_duration: SECOND });
    stats.record("a", "m", { eval_count: 200, eval_duration: SECOND });
    expect(stats.decodeTokensPerSec("a", "m")).toBe(150);
    expect(stats.expectedOutputTokens("m")).toBe(150);
  });

  it("counts load_duration only when a real load happened", () => {
    const stats = new LearnedStats({ realLoadMinMs: 200 });
    stats.record("a", "m", { load_duration: 5e6 });
    expect(stats.pair("a", "m")?.loadMs).toBeUndefined();
    stats.record("a", "m", { load_duration: 3 * SECOND });
    expect(stats.loadMs("a", "m", 1)).toBe(3000);
  });

  it("ignores missing, zero, negative and tiny samples", () => {
    const stats = new LearnedStats({ minSampleTokens: 4 });
    stats.record("a", "m", {
      prompt_eval_count: 2,
      prompt_eval_duration: 1,
      eval_count: 10,
      eval_duration: 0,
    });
    stats.record("a", "m", { prompt_eval_count: -5, prompt_eval_duration: SECOND, eval_count: Number.NaN });
    expect(stats.prefillTokensPerSec("a", "m")).toBe(500);
    expect(stats.decodeTokensPerSec("a", "m")).toBe(20);
    expect(stats.pair("a", "m")?.samples).toBe(2);
  });

  it("falls back to the model's cluster-wide rates for a node not yet seen", () => {
    const stats = new LearnedStats();
    stats.record("a", "m", { eval_count: 80, eval_duration: SECOND });
    expect(stats.decodeTokensPerSec("b", "m")).toBe(80);
    expect(stats.decodeTokensPerSec("b", "other")).toBe(20);
    // Load time is the node's disk: another node's load says nothing.
    stats.record("a", "m", { load_duration: 9 * SECOND });
    expect(stats.loadMs("b", "m", 1000)).toBe(1200);
  });

  it("round-trips through a plain JSON snapshot", () => {
    const stats = new LearnedStats();
    stats.record("a", "m", {
      prompt_eval_count: 100,
      prompt_eval_duration: SECOND,
      eval_count: 30,
      eval_duration: SECOND,
      load_duration: SECOND,
    });
    stats.record("b", "__proto__", { eval_count: 10, eval_duration: SECOND });
    const json = JSON.parse(JSON.stringify(stats.snapshot()));
    const copy = new LearnedStats();
    copy.load(json);
    expect(copy.snapshot()).toEqual(stats.snapshot());
    expect(copy.decodeTokensPerSec("b", "__proto__")).toBe(10);
    expect(copy.loadMs("a", "m", 1)).toBe(1000);
  });

  it("rejects a malformed snapshot and keeps what it had", () => {
    const stats = new LearnedStats();
    stats.record("a", "m", { eval_count: 30, eval_duration: SECOND });
    expect(() => stats.load({ version: 2, nodes: {}, models: {} })).toThrow();
    expect(() =>
      stats.load({ version: 1, nodes: { a: { m: { decodeTps: -1, samples: 1 } } }, models: {} }),
    ).toThrow();
    expect(stats.decodeTokensPerSec("a", "m")).toBe(30);
  });

  it("tells onRecord listeners of each recorded sample, until they stop listening", () => {
    const stats = new LearnedStats();
    const heard: unknown[] = [];
    const stop = stats.onRecord((node, model, sample) => heard.push([node, model, sample]));
    const sample = { eval_count: 50, eval_duration: SECOND };
    stats.record("a", "m", sample);
    stop();
    stats.record("a", "m", sample);
    expect(heard).toEqual([["a", "m", sample]]);
    expect(stats.pair("a", "m")?.samples).toBe(2);
  });

  it("folds a remote sample with the same math as a local one, without telling listeners", () => {
    const local = new LearnedStats();
    const remote = new LearnedStats();
    const heard: string[] = [];
    remote.onRecord((node) => heard.push(node));
    const samples = [
      { prompt_eval_count: 1000, prompt_eval_duration: 2 * SECOND, eval_count: 50, eval_duration: SECOND },
      { eval_count: 80, eval_duration: SECOND, load_duration: 3 * SECOND },
      { eval_count: 2, eval_duration: SECOND },
    ];
    for (const sample of samples) {
      local.record("a", "m", sample);
      remote.recordRemote("a", "m", sample);
    }
    expect(remote.snapshot()).toEqual(local.snapshot());
    expect(heard).toEqual([]);
  });

  it("learns a node's hardware rates per MB of model, and uses them for models it never served there", () => {
    const stats = new LearnedStats({ alpha: 1, decodeTokensPerSec: 20, loadMbPerSec: 1000, loadBaseMs: 200 });
    // The fast node decoded a 4000 MB model at 120 tokens/s and loaded it in 2 s (2000 MB/s).
    stats.record(
      "fast",
      "big",
      {
        eval_count: 120,
        eval_duration: SECOND,
        load_duration: 2 * SECOND,
        prompt_eval_count: 400,
        prompt_eval_duration: SECOND / 10,
      },
      4000,
    );
    // The slow node is the only one that ran the 2000 MB model, at 25 tokens/s.
    stats.record("slow", "small", { eval_count: 25, eval_duration: SECOND }, 2000);
    expect(stats.rates("fast")).toMatchObject({
      decodeMbTps: 480_000,
      prefillMbTps: 16_000_000,
      loadMbPerSec: 2000,
    });
    // The small model on the fast node: bandwidth / size, not the slow node's 25 tokens/s.
    expect(stats.decodeTokensPerSec("fast", "small", 2000)).toBe(240);
    expect(stats.prefillTokensPerSec("fast", "small", 2000)).toBe(8000);
    expect(stats.loadMs("fast", "small", 2000)).toBe(200 + 1000);
    // Its own pair, once learned, wins; a node with no hardware rates falls back to the model's rate.
    expect(stats.decodeTokensPerSec("slow", "small", 2000)).toBe(25);
    expect(stats.decodeTokensPerSec("new", "small", 2000)).toBe(25);
    // Without a size nothing is learned about the hardware, and nothing is guessed from it.
    stats.record("other", "m", { eval_count: 100, eval_duration: SECOND });
    expect(stats.rates("other")).toBeUndefined();
    expect(stats.decodeTokensPerSec("fast", "unknown-size")).toBe(20);
  });

  it("keeps hardware rates in snapshots, and an older snapshot without them keeps what was learned", () => {
    const stats = new LearnedStats();
    stats.record("fast", "big", { eval_count: 120, eval_duration: SECOND }, 4000);
    const copy = new LearnedStats();
    copy.load(JSON.parse(JSON.stringify(stats.snapshot())));
    expect(copy.rates("fast")).toEqual(stats.rates("fast"));
    copy.load({ version: 1, nodes: {}, models: {} });
    expect(copy.rates("fast")?.decodeMbTps).toBe(480_000);
  });
});
