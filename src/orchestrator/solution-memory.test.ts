import { describe, expect, it } from "vitest";
import { decompositionMessages } from "./decompose.js";
import { aggregateMessages } from "./prompts.js";
import {
  cacheEligible,
  cacheFilter,
  contextHash,
  exampleFromHit,
  formatExamples,
  isCacheHit,
  optionsHash,
  requestText,
  solutionMetadata,
  storedResult,
  truncate,
} from "./solution-memory.js";

describe("solution memory (pure parts)", () => {
  it("keys a request by its whole text: prompt, then context", () => {
    expect(requestText({ prompt: "p" })).toBe("p");
    expect(requestText({ prompt: "p", context: "  " })).toBe("p");
    expect(requestText({ prompt: "p", context: "earlier turns" })).toBe("p\n\nContext:\nearlier turns");
  });

  it("hashes the context so that only the identical conversation matches", () => {
    expect(contextHash(undefined)).toBe("none");
    expect(contextHash("")).toBe("none");
    expect(contextHash("a")).toMatch(/^[0-9a-f]{64}$/);
    expect(contextHash("a")).toBe(contextHash("a"));
    expect(contextHash("a")).not.toBe(contextHash("b"));
  });

  it("hashes the answer-changing options", () => {
    expect(optionsHash({})).toBe(optionsHash({}));
    expect(optionsHash({ models: ["a"] })).not.toBe(optionsHash({}));
    expect(optionsHash({ strategy: "vote" })).not.toBe(optionsHash({ strategy: "verify" }));
    expect(optionsHash({ tests: ["assert f(1) == 1"] })).not.toBe(optionsHash({ tests: [] }));
    expect(cacheFilter({ prompt: "x", context: "c" })).toEqual({
      contextHash: contextHash("c"),
      optionsHash: optionsHash({}),
    });
  });

  it("uses the cache when the request asks for it, else by config, and only with memory", () => {
    expect(cacheEligible(undefined, { enabled: false }, true)).toBe(false);
    expect(cacheEligible(undefined, { enabled: true }, true)).toBe(true);
    expect(cacheEligible(true, { enabled: false }, true)).toBe(true);
    expect(cacheEligible(false, { enabled: true }, true)).toBe(false);
    expect(cacheEligible(true, { enabled: true }, false)).toBe(false);
  });

  it("counts a hit at or above the threshold, with float slack at 1", () => {
    expect(isCacheHit(0.96, 0.95)).toBe(true);
    expect(isCacheHit(0.95, 0.95)).toBe(true);
    expect(isCacheHit(0.94, 0.95)).toBe(false);
    expect(isCacheHit(0.9999999, 1)).toBe(true);
  });

  it("truncates, marking the cut", () => {
    expect(truncate("short", 10)).toBe("short");
    const cut = truncate("x".repeat(100), 20);
    expect(cut).toHaveLength(20);
    expect(cut.endsWith("[…]")).toBe(true);
    expect(truncate("abcdef", 2)).toBe("ab");
  });

  it("stores scalar metadata with provenance and the whole result", () => {
    const result = {
      runId: "r1",
      answer: "42",
      confidence: 0.8,
      subtasks: {
        s1: { strategy: "vote", chosen: { model: "m1", node: "n1" } },
        s2: { strategy: "aggregate", chosen: null },
      },
    };
    const metadata = solutionMetadata({ prompt: "q", context: "c" }, result, result, new Date(0));
    for (const value of Object.values(metadata))
      expect(["string", "number", "boolean"]).toContain(typeof value);
    expect(metadata).toMatchObject({
      kind: "solution",
      runId: "r1",
      contextHash: contextHash("c"),
      prompt: "q",
      answer: "42",
      confidence: 0.8,
      strategy: "vote,aggregate",
      models: "m1",
      nodes: "n1",
      chosen: "s1=m1@n1,s2=aggregate",
      createdAt: "1970-01-01T00:00:00.000Z",
    });
    expect(storedResult(metadata)).toEqual(result);
    expect(storedResult({ result: "{not json" })).toBeUndefined();
    expect(storedResult(undefined)).toBeUndefined();
  });

  it("reads hits as examples and skips entries that are not solutions", () => {
    const hit = { id: "i", score: 0.9, text: "t", metadata: { runId: "r", answer: "a", prompt: "p" } };
    expect(exampleFromHit(hit)).toEqual({ id: "i", runId: "r", score: 0.9, prompt: "p", answer: "a" });
    expect(exampleFromHit({ id: "i", score: 0.9, text: "t", metadata: { other: 1 } })).toBeUndefined();
    expect(
      exampleFromHit({ id: "i", score: 0.9, text: "t", metadata: { runId: "r", answer: "a" } })?.prompt,
    ).toBe("t");
  });

  it("formats examples, each cut to the limit, for the planner and the aggregator", () => {
    expect(formatExamples([], 100)).toBe("");
    const text = formatExamples(
      [
        { prompt: "sort a list", answer: "sorted(xs)" },
        { prompt: "p".repeat(500), answer: "a".repeat(500) },
      ],
      200,
    );
    expect(text).toContain("Past solution 1:\nRequest: sort a list\nAnswer: sorted(xs)");
    expect(text).toContain("Past solution 2:");
    expect(text.length).toBeLessThan(200 + 100 + 150);

    const plain = decompositionMessages("do it", 4);
    expect(plain).toHaveLength(2);
    const guided = decompositionMessages("do it", 4, text);
    expect(guided).toHaveLength(3);
    expect(guided[1]?.content).toContain("sorted(xs)");
    expect(guided.at(-1)).toEqual({ role: "user", content: "do it" });

    const subtask = { id: "s1", description: "d", type: "general" as const, dependencies: [] };
    expect(aggregateMessages(subtask, [{ text: "x" }])[1]?.content.startsWith("Task: d")).toBe(true);
    const aggregated = aggregateMessages(subtask, [{ text: "x" }], text)[1]?.content ?? "";
    expect(aggregated).toContain("sorted(xs)");
    expect(aggregated).toContain("Task: d\n\nAnswer 1:\nx");
  });
});
