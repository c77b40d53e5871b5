import { describe, expect, it } from "vitest";
import { seededRandom } from "../../random/seeded-random.js";
import type { RouterNodeSnapshot } from "./cost-model.js";
import type { RequestFeatures } from "./features.js";
import { LearnedStats } from "./learned-stats.js";
import { type RankedCandidate, ROUTING_STRATEGIES, type RoutingStrategy, rank } from "./strategies.js";

const SECOND = 1e9;
const MODEL = "llama3.2:3b";

const node = (name: string, overrides: Partial<RouterNodeSnapshot> = {}): RouterNodeSnapshot => ({
  name,
  available: true,
  hasModel: true,
  modelLoaded: true,
  inFlight: 0,
  slots: 4,
  queued: 0,
  loadedModels: [],
  modelSizeMb: 2000,
  tags: [],
  weight: 1,
  penalty: 0,
  affinityKeys: [],
  ...overrides,
});

const request = (overrides: Partial<RequestFeatures> = {}): RequestFeatures => ({
  model: MODEL,
  taskType: "chat",
  promptTokens: 500,
  messageCount: 1,
  expectedOutputTokens: 100,
  priority: 5,
  ...overrides,
});

const never = () => {
  throw new Error("random must not be used");
};

function order(
  nodes: RouterNodeSnapshot[],
  options: {
    strategy?: RoutingStrategy;
    req?: RequestFeatures;
    stats?: LearnedStats;
    rotation?: number;
  } = {},
): string[] {
  const ranked = rank(
    options.strategy ?? "intelligent",
    nodes,
    options.req ?? request(),
    options.stats ?? new LearnedStats(),
    options.rotation ?? 0,
    seededRandom(1),
  );
  return ranked.map((c) => c.name);
}

function best(nodes: RouterNodeSnapshot[], options: Parameters<typeof order>[1] = {}): string | undefined {
  // Every factor must win whatever the rotation: not a lucky tie-break.
  const firsts = new Set(nodes.map((_, rotation) => order(nodes, { ...options, rotation })[0]));
  expect(firsts.size).toBe(1);
  return [...firsts][0];
}

describe("rank: eligibility (every strategy)", () => {
  it.each(ROUTING_STRATEGIES)("%s keeps only available nodes that have the model", (strategy) => {
    const nodes = [node("down", { available: false }), node("missing", { hasModel: false }), node("ok")];
    expect(order(nodes, { strategy })).toEqual(["ok"]);
    expect(order([], { strategy })).toEqual([]);
  });
});

describe("rank: intelligent cost model", () => {
  it("estimates wait + load + prefill + decode from the learned rates", () => {
    const stats = new LearnedStats();
    stats.record("a", MODEL, {
      prompt_eval_count: 1000,
      prompt_eval_duration: SECOND,
      eval_count: 50,
      eval_duration: SECOND,
      load_duration: 3 * SECOND,
    });
    const [first] = rank(
      "intelligent",
      [node("a", { modelLoaded: false, inFlight: 4, slots: 4 })],
      request(),
      stats,
      0,
      never,
    );
    // 500 tokens at 1000 tok/s, 100 at 50 tok/s: 2500 ms of service. One of 4 slots must free
    // first (1/4 of a service time), then 3 running requests share the compute (3/4 × 0.5).
    expect(first?.breakdown).toEqual({
      waitMs: 1562.5,
      loadMs: 3000,
      prefillMs: 500,
      decodeMs: 2000,
      penaltyMs: 0,
      bonusMs: 0,
    });
    expect(first?.estimatedMs).toBe(7062.5);
    expect(first?.reason).toContain("estimated 7063 ms = wait 1563 ms + load 3000 ms");
    expect(JSON.parse(JSON.stringify(first))).toMatchObject({
      name: "a",
      estimatedMs: 7062.5,
      reason: first?.reason,
    });
  });

  it("prefers the node where the model is loaded", () => {
    expect(best([node("cold", { modelLoaded: false }), node("warm")])).toBe("warm");
  });

  it("still loads elsewhere when the loaded node's queue is long", () => {
    expect(
      best([node("warm", { inFlight: 4, slots: 1, queued: 20 }), node("cold", { modelLoaded: false })]),
    ).toBe("cold");
  });

  it("prefers the node with fewer requests queued or running", () => {
    expect(best([node("busy", { inFlight: 4, slots: 4, queued: 2 }), node("idle")])).toBe("idle");
    expect(best([node("sharing", { inFlight: 2 }), node("free")])).toBe("free");
  });

  it("prefers the node that learned faster prefill and decode", () => {
    const stats = new LearnedStats();
    stats.record("slow", MODEL, {
      prompt_eval_count: 100,
      prompt_eval_duration: SECOND,
      eval_count: 10,
      eval_duration: SECOND,
    });
    stats.record("fast", MODEL, {
      prompt_eval_count: 1000,
      prompt_eval_duration: SECOND,
      eval_count: 100,
      eval_duration: SECOND,
    });
    expect(best([node("slow"), node("fast")], { stats })).toBe("fast");
  });

  it("judges a model a node never ran by the node's learned hardware, not the nodes it ran on", () => {
    // Only the slow node has served this model (25 tokens/s); the fast node served another
    // model of the same size at 120 tokens/s. For a long answer the fast node wins, load included.
    const stats = new LearnedStats();
    stats.record("slow", MODEL, { eval_count: 250, eval_duration: 10 * SECOND }, 2000);
    stats.record(
      "fast",
      "other:7b",
      { eval_count: 1200, eval_duration: 10 * SECOND, load_duration: SECOND },
      2000,
    );
    const nodes = [node("slow"), node("fast", { modelLoaded: false })];
    const req = request({ expectedOutputTokens: 256, promptTokens: 20 });
    expect(order(nodes, { stats, req })).toEqual(["fast", "slow"]);
    // Without the hardware rates the fast node would look as slow as the only node that ran it.
    const blind = new LearnedStats();
    blind.record("slow", MODEL, { eval_count: 250, eval_duration: 10 * SECOND });
    expect(order(nodes, { stats: blind, req })).toEqual(["slow", "fast"]);
  });

  it("prefers the node that learned a faster load", () => {
    const stats = new LearnedStats();
    stats.record("hdd", MODEL, { load_duration: 20 * SECOND });
    stats.record("nvme", MODEL, { load_duration: SECOND });
    expect(best([node("hdd", { modelLoaded: false }), node("nvme", { modelLoaded: false })], { stats })).toBe(
      "nvme",
    );
  });

  it("uses the request's output limit, else the model's learned output length", () => {
    const stats = new LearnedStats();
    stats.record("x", MODEL, { eval_count: 400, eval_duration: 20 * SECOND });
    const limited = rank("intelligent", [node("a")], request({ expectedOutputTokens: 10 }), stats, 0, never);
    const open = rank(
      "intelligent",
      [node("a")],
      request({ expectedOutputTokens: undefined }),
      stats,
      0,
      never,
    );
    expect(limited[0]?.breakdown.decodeMs).toBe(500);
    expect(open[0]?.breakdown.decodeMs).toBe(20_000);
  });

  it("penalizes recent errors", () => {
    expect(best([node("flaky", { penalty: 0.5 }), node("clean")])).toBe("clean");
  });

  it("penalizes evicting a model that is in use, not an idle stale one", () => {
    const full = { modelLoaded: false, vramTotalMb: 8000, vramFreeMb: 1000 };
    const busy = node("busy", {
      ...full,
      loadedModels: [{ name: "other", sizeMb: 7000, lastUsedMs: 0, inFlight: 2 }],
    });
    const recent = node("recent", {
      ...full,
      loadedModels: [{ name: "other", sizeMb: 7000, lastUsedMs: 1000, inFlight: 0 }],
    });
    const stale = node("stale", {
      ...full,
      loadedModels: [{ name: "other", sizeMb: 7000, lastUsedMs: 3_600_000, inFlight: 0 }],
    });
    expect(order([busy, recent, stale])).toEqual(["stale", "recent", "busy"]);
    expect(order([busy, recent, stale], { rotation: 2 })).toEqual(["stale", "recent", "busy"]);
  });

  it("evicts the cheapest models first", () => {
    const [first] = rank(
      "intelligent",
      [
        node("a", {
          modelLoaded: false,
          vramTotalMb: 10_000,
          vramFreeMb: 1000,
          loadedModels: [
            { name: "busy", sizeMb: 4000, lastUsedMs: 0, inFlight: 1 },
            { name: "stale", sizeMb: 5000, lastUsedMs: 3_600_000, inFlight: 0 },
          ],
        }),
      ],
      request(),
      new LearnedStats(),
      0,
      never,
    );
    expect(first?.breakdown.penaltyMs).toBe(0);
  });

  it("penalizes a model that does not fit even after evictions", () => {
    expect(
      best([
        node("small", { modelLoaded: false, vramTotalMb: 1000, vramFreeMb: 1000 }),
        node("big", { modelLoaded: false, vramTotalMb: 24_000, vramFreeMb: 20_000 }),
      ]),
    ).toBe("big");
    const tight = node("tight", {
      modelLoaded: false,
      vramTotalMb: 3000,
      vramFreeMb: 500,
      loadedModels: [{ name: "x", sizeMb: 1000, lastUsedMs: 1e9, inFlight: 0 }],
    });
    const roomy = node("roomy", {
      modelLoaded: false,
      vramFreeMb: 500,
      loadedModels: [
        { name: "x", sizeMb: 1000, lastUsedMs: 1e9, inFlight: 0 },
        { name: "y", sizeMb: 1000, lastUsedMs: 1e9, inFlight: 0 },
      ],
    });
    expect(best([tight, roomy])).toBe("roomy");
  });

  it("has no VRAM opinion when the node does not report it", () => {
    const [first] = rank(
      "intelligent",
      [node("a", { modelLoaded: false, modelSizeMb: 1e6 })],
      request(),
      new LearnedStats(),
      0,
      never,
    );
    expect(first?.breakdown.penaltyMs).toBe(0);
  });

  it("rewards the node that holds the session's prompt prefix (array or Set)", () => {
    const req = request({ sessionKey: "s1" });
    expect(
      best([node("other", { affinityKeys: ["s2"] }), node("cached", { affinityKeys: ["s1"] })], { req }),
    ).toBe("cached");
    expect(best([node("other"), node("cached", { affinityKeys: new Set(["s1"]) })], { req })).toBe("cached");
    const [first] = rank(
      "intelligent",
      [node("cached", { affinityKeys: ["s1"] })],
      req,
      new LearnedStats(),
      0,
      never,
    );
    expect(first?.breakdown.bonusMs).toBeCloseTo(0.9 * 1000);
  });

  it("rewards a node whose tags suit the task", () => {
    const req = request({ taskType: "code" });
    expect(best([node("plain"), node("coder", { tags: ["code"] })], { req })).toBe("coder");
    expect(best([node("cpu", { tags: ["cpu"] }), node("gpu", { tags: ["gpu"] })], { req })).toBe("gpu");
    expect(best([node("gpu", { tags: ["gpu"] }), node("both", { tags: ["gpu", "code"] })], { req })).toBe(
      "both",
    );
    expect(
      order([node("a"), node("gpu", { tags: ["gpu"] })], { req: request({ taskType: "chat" }) }),
    ).toEqual(["a", "gpu"]);
  });

  it("ranks a node with a nonsensical snapshot last instead of breaking the order", () => {
    expect(order([node("nan", { inFlight: Number.NaN, slots: 1 }), node("ok")])).toEqual(["ok", "nan"]);
  });
});

describe("rank: fair ties", () => {
  const nodes = [node("a"), node("b"), node("c")];

  it.each(["intelligent", "least_connections", "latency_first", "round_robin"] as const)(
    "%s gives each equal node the first place in turn",
    (strategy) => {
      const firsts = [0, 1, 2, 3, 4, 5].map((rotation) => order(nodes, { strategy, rotation })[0]);
      expect(firsts).toEqual(["a", "b", "c", "a", "b", "c"]);
    },
  );

  it("rotates among eligible nodes only, so no node gets two turns", () => {
    const mixed = [node("a"), node("down", { available: false }), node("b"), node("c")];
    const firsts = [0, 1, 2, 3, 4, 5].map((rotation) => order(mixed, { rotation })[0]);
    expect(firsts).toEqual(["a", "b", "c", "a", "b", "c"]);
  });

  it("handles negative and huge rotations", () => {
    expect(order(nodes, { rotation: -1 })[0]).toBe("c");
    expect(order(nodes, { rotation: 3_000_000_002 })[0]).toBe("c");
  });

  it("keeps ranking by cost beyond the tie (no node starves in a long list)", () => {
    const many = Array.from({ length: 40 }, (_, i) => node(`n${i}`, { inFlight: i % 4 }));
    const ranked = rank("intelligent", many, request(), new LearnedStats(), 7, never);
    const costs = ranked.map((c) => c.estimatedMs);
    expect(costs).toEqual([...costs].sort((x, y) => x - y));
    expect(ranked[0]?.name).toBe("n8");
    expect(new Set(ranked.map((c) => c.name)).size).toBe(40);
  });
});

describe("rank: baseline strategies", () => {
  it("least_connections orders by in-flight per weight, ignoring load state", () => {
    const nodes = [
      node("warm", { inFlight: 2 }),
      node("cold", { modelLoaded: false, inFlight: 1 }),
      node("big", { inFlight: 3, weight: 4 }),
    ];
    expect(order(nodes, { strategy: "least_connections" })).toEqual(["big", "cold", "warm"]);
  });

  it("round_robin ignores load entirely and follows the rotation", () => {
    const nodes = [node("a", { inFlight: 9 }), node("b"), node("c")];
    expect(order(nodes, { strategy: "round_robin", rotation: 0 })).toEqual(["a", "b", "c"]);
    expect(order(nodes, { strategy: "round_robin", rotation: 2 })).toEqual(["c", "a", "b"]);
  });

  it("latency_first uses learned speed only, ignoring load time and queues", () => {
    const stats = new LearnedStats();
    stats.record("fast", MODEL, { eval_count: 100, eval_duration: SECOND });
    stats.record("warm", MODEL, { eval_count: 50, eval_duration: SECOND });
    const nodes = [node("warm"), node("fast", { modelLoaded: false, queued: 10 })];
    expect(order(nodes, { strategy: "latency_first", stats })).toEqual(["fast", "warm"]);
    expect(order(nodes, { strategy: "intelligent", stats })).toEqual(["warm", "fast"]);
  });

  it("random is deterministic given the seed and varies with it", () => {
    const nodes = Array.from({ length: 8 }, (_, i) => node(`n${i}`));
    const run = (seed: number) =>
      rank("random", nodes, request(), new LearnedStats(), 0, seededRandom(seed)).map(
        (c: RankedCandidate) => c.name,
      );
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
    expect([...run(42)].sort()).toEqual(nodes.map((n) => n.name).sort());
  });

  it("random spreads first places over all nodes", () => {
    const nodes = [node("a"), node("b"), node("c")];
    const random = seededRandom(9);
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const first = rank("random", nodes, request(), new LearnedStats(), 0, random)[0]?.name ?? "";
      counts.set(first, (counts.get(first) ?? 0) + 1);
    }
    for (const name of ["a", "b", "c"]) expect(counts.get(name)).toBeGreaterThan(850);
  });

  it("every strategy reports the cost model's estimate for comparison", () => {
    for (const strategy of ROUTING_STRATEGIES) {
      const [first] = rank(strategy, [node("a")], request(), new LearnedStats(), 0, seededRandom(1));
      expect(first?.estimatedMs).toBeGreaterThan(0);
      expect(first?.reason).toMatch(/estimated \d+ ms/);
    }
  });
});
