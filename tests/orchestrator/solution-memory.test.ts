/**
 * Solution memory and the semantic cache end to end, on simulated nodes with an embedding
 * model: every result is remembered; a similar later request is given it as an example (the
 * `memory` event, `solutions` in the result); with the cache on, the same request is answered
 * from the past result without asking any model again, but never for another conversation.
 * Without an embedding model the orchestrator works as before.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";

const LIGHT = "llama3.2:3b";
const HEAVY = "qwen2.5:7b";
const EMBED = "nomic-embed-text:latest";

interface Result {
  runId: string;
  answer: string;
  analysis: { complexity: string };
  plan: { source: string };
  solutions?: { id: string; runId: string; score: number }[];
  cached?: { runId: string; similarity: number };
}

const model = (name: string) => ({ name, size_mb: 1000, loaded: true, skill: { default: 0.8 } });
const orchestrator = { lightModel: LIGHT, heavyModel: HEAVY, models: { general: [LIGHT, HEAVY] }, fanOut: 2 };

async function generate(cluster: TestCluster, body: Record<string, unknown>): Promise<Result> {
  const response = await fetch(`${cluster.url}/v1/hydra/generate`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Result;
  expect(response.status, JSON.stringify(json)).toBe(200);
  return json;
}

/** The events of a streamed run, by name, with their data. */
async function stream(cluster: TestCluster, body: Record<string, unknown>): Promise<[string, unknown][]> {
  const response = await fetch(`${cluster.url}/v1/hydra/generate`, {
    method: "POST",
    body: JSON.stringify({ ...body, stream: true }),
  });
  const text = await response.text();
  return [...text.matchAll(/^event: (.+)\ndata: (.+)$/gm)].map((match) => [
    match[1] as string,
    JSON.parse(match[2] as string) as unknown,
  ]);
}

describe("solution memory and semantic cache", () => {
  let cluster: TestCluster;
  const generations = () => cluster.sim("n1").engine.counters.generations;

  beforeAll(async () => {
    cluster = await startTestCluster(
      [fastNode("n1", [model(LIGHT), model(HEAVY), { name: EMBED, size_mb: 300, loaded: true }])],
      {
        orchestrator: { ...orchestrator, solutionMemory: { threshold: 0.5 } },
        memory: { vectors: { model: EMBED } },
      },
    );
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it("leaves the cache off by default: the same request again asks the models again", async () => {
    const body = { prompt: "Explain how a hash map handles collisions." };
    const first = await generate(cluster, body);
    expect(first.cached).toBeUndefined();
    const before = generations();
    const second = await generate(cluster, body);
    expect(second.cached).toBeUndefined();
    expect(second.runId).not.toBe(first.runId);
    expect(generations()).toBeGreaterThan(before);
    // ... but the first run is remembered, and given to the second as a past solution.
    expect(second.solutions?.[0]?.runId).toBe(first.runId);
    expect(second.solutions?.[0]?.score).toBeCloseTo(1, 3);
  });

  it("gives a similar new request the past solution, reported in a memory event and the result", async () => {
    // Two steps: rated MODERATE, so the planner is asked (with the past solution in its messages).
    const first = await generate(cluster, {
      prompt: "Write a short poem about the sea at night. Then explain the imagery it uses.",
    });
    const events = await stream(cluster, {
      prompt: "Write a short poem about the sea at dawn. Then explain the imagery it uses.",
    });
    const memory = events.find(([name]) => name === "memory")?.[1] as
      | { solutions: { id: string; score: number }[] }
      | undefined;
    expect(memory?.solutions.map((solution) => solution.id)).toContain(first.runId);
    const score = memory?.solutions.find((solution) => solution.id === first.runId)?.score ?? 0;
    expect(score).toBeGreaterThan(0.5);
    expect(score).toBeLessThan(0.999);
    const result = events.find(([name]) => name === "result")?.[1] as Result;
    expect(result.cached).toBeUndefined();
    expect(result.solutions?.map((solution) => solution.runId)).toContain(first.runId);
    expect(result.analysis.complexity).not.toBe("SIMPLE");
    expect(result.plan.source).toBe("model");
    // The memory event comes after the analysis and before the plan the planner made with it.
    const names = events.map(([name]) => name);
    expect(names.indexOf("analysis")).toBeLessThan(names.indexOf("memory"));
    expect(names.indexOf("memory")).toBeLessThan(names.indexOf("plan"));
  });

  it("answers the same request from the cache when asked, without calling the models", async () => {
    const body = { prompt: "List three uses of a binary search tree.", semanticCache: true };
    const first = await generate(cluster, body);
    expect(first.cached).toBeUndefined();
    const before = generations();
    const events = await stream(cluster, body);
    expect(generations()).toBe(before);
    const names = events.map(([name]) => name);
    expect(names).toContain("cache");
    expect(names.at(-1)).toBe("result");
    const cache = events.find(([name]) => name === "cache")?.[1] as {
      cachedRunId: string;
      similarity: number;
    };
    expect(cache.cachedRunId).toBe(first.runId);
    const result = events.at(-1)?.[1] as Result;
    expect(result.cached?.runId).toBe(first.runId);
    expect(result.cached?.similarity).toBeCloseTo(1, 3);
    expect(result.answer).toBe(first.answer);
    expect(result.runId).not.toBe(first.runId);
  });

  it("never answers another conversation from the cache, only the identical one", async () => {
    const prompt = "And what about its time complexity?";
    const first = await generate(cluster, {
      prompt,
      context: "user: tell me about quicksort",
      semanticCache: true,
    });
    const before = generations();
    const other = await generate(cluster, {
      prompt,
      context: "user: tell me about heapsort",
      semanticCache: true,
    });
    expect(other.cached).toBeUndefined();
    const none = await generate(cluster, { prompt, semanticCache: true });
    expect(none.cached).toBeUndefined();
    expect(generations()).toBeGreaterThan(before);
    const same = generations();
    const again = await generate(cluster, {
      prompt,
      context: "user: tell me about quicksort",
      semanticCache: true,
    });
    expect(again.cached?.runId).toBe(first.runId);
    expect(generations()).toBe(same);
  });

  it("does not use the cache when a request switches it off", async () => {
    const body = { prompt: "Name the planets of the solar system.", semanticCache: true };
    await generate(cluster, body);
    const off = await generate(cluster, { ...body, semanticCache: false });
    expect(off.cached).toBeUndefined();
  });
});

describe("semantic cache on by config", () => {
  it("answers a repeated request from the cache without asking for it", async () => {
    const cluster = await startTestCluster(
      [fastNode("n1", [model(LIGHT), model(HEAVY), { name: EMBED, size_mb: 300, loaded: true }])],
      {
        orchestrator: { ...orchestrator, semanticCache: { enabled: true } },
        memory: { vectors: { model: EMBED } },
      },
    );
    try {
      const first = await generate(cluster, { prompt: "What is a monad?" });
      const before = cluster.sim("n1").engine.counters.generations;
      const second = await generate(cluster, { prompt: "What is a monad?" });
      expect(second.cached?.runId).toBe(first.runId);
      expect(cluster.sim("n1").engine.counters.generations).toBe(before);
    } finally {
      await cluster.close();
    }
  });
});

describe("without an embedding model", () => {
  it("orchestrates as before: no cache, no past solutions, no failure", async () => {
    const cluster = await startTestCluster([fastNode("n1", [model(LIGHT), model(HEAVY)])], {
      orchestrator: { ...orchestrator, semanticCache: { enabled: true } },
      memory: { vectors: { model: EMBED } },
    });
    try {
      const body = { prompt: "What is the capital of France?", semanticCache: true };
      const first = await generate(cluster, body);
      expect(first.answer.length).toBeGreaterThan(0);
      const before = cluster.sim("n1").engine.counters.generations;
      const second = await generate(cluster, body);
      expect(second.cached).toBeUndefined();
      expect(second.solutions).toEqual([]);
      expect(cluster.sim("n1").engine.counters.generations).toBeGreaterThan(before);
    } finally {
      await cluster.close();
    }
  });
});
