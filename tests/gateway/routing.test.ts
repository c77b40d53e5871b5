import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";

const CHAT = "llama3.2:3b";

const generate = (
  url: string,
  options: Record<string, unknown> = {},
  prompt = "x",
  headers: Record<string, string> = {},
) =>
  fetch(`${url}/api/generate`, {
    method: "POST",
    headers,
    body: JSON.stringify({ model: CHAT, prompt, stream: false, options }),
  });

describe("placement", () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster([
      fastNode("cold", [{ name: CHAT, size_mb: 1000 }]),
      fastNode("warm", [{ name: CHAT, size_mb: 1000, loaded: true }]),
    ]);
  });
  afterAll(() => cluster.close());

  it("prefers the node where the model is already loaded", async () => {
    for (let i = 0; i < 4; i++) {
      const response = await generate(cluster.url);
      expect(response.headers.get("x-hydra-node")).toBe("warm");
      await response.arrayBuffer();
    }
  });
});

describe("spreading load", () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster(
      ["n1", "n2", "n3"].map((name) =>
        fastNode(name, [{ name: CHAT, size_mb: 1000, loaded: true }], { decode_tps: 200 }),
      ),
    );
  });
  afterAll(() => cluster.close());

  it("spreads concurrent requests over equal nodes by in-flight count", async () => {
    // Each answer takes 1 s (200 tokens at 200 tokens/s): all nine are placed while every earlier
    // one is still running, even on a loaded machine, so placement sees only in-flight counts.
    const responses = await Promise.all(
      Array.from({ length: 9 }, () => generate(cluster.url, { num_predict: 200 })),
    );
    const counts = new Map<string, number>();
    for (const response of responses) {
      const node = response.headers.get("x-hydra-node") ?? "?";
      counts.set(node, (counts.get(node) ?? 0) + 1);
      await response.arrayBuffer();
    }
    expect([...counts.values()]).toEqual([3, 3, 3]);
  });

  it("spreads sequential requests with different prompts over equal idle nodes instead of always the first", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const response = await generate(cluster.url, { num_predict: 1 }, `question ${i}`);
      seen.add(response.headers.get("x-hydra-node") ?? "?");
      await response.arrayBuffer();
    }
    expect(seen.size).toBe(3);
  });

  it("keeps a conversation on the node that has its prompt prefix cached (x-hydra-session)", async () => {
    const nodes = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const response = await generate(cluster.url, { num_predict: 1 }, `turn ${i}`, {
        "x-hydra-session": "chat-42",
      });
      nodes.add(response.headers.get("x-hydra-node") ?? "?");
      await response.arrayBuffer();
    }
    expect(nodes.size).toBe(1);
  });

  it("explains each decision in x-hydra-route, and dry-runs one at /v1/hydra/route", async () => {
    const response = await generate(cluster.url, { num_predict: 8 }, "explain");
    await response.arrayBuffer();
    expect(response.headers.get("x-hydra-route")).toMatch(/^n\d ~\d+ ms.*; runner-up n\d ~\d+ ms/);
    const dry = (await (
      await fetch(`${cluster.url}/v1/hydra/route?model=${CHAT}&prompt=hello&num_predict=64`)
    ).json()) as {
      strategy: string;
      candidates: { name: string; estimatedMs: number; breakdown: { decodeMs: number } }[];
    };
    expect(dry.strategy).toBe("intelligent");
    expect(dry.candidates).toHaveLength(3);
    expect(dry.candidates[0]?.breakdown.decodeMs).toBeGreaterThan(0);
    const bad = await fetch(`${cluster.url}/v1/hydra/route?model=${CHAT}&strategy=fastest`);
    expect(bad.status).toBe(400);
  });

  it("accepts a strategy per request and refuses an unknown one", async () => {
    const ok = await generate(cluster.url, { num_predict: 1 }, "rr", { "x-hydra-strategy": "round_robin" });
    expect(ok.status).toBe(200);
    await ok.arrayBuffer();
    const bad = await generate(cluster.url, { num_predict: 1 }, "rr", { "x-hydra-strategy": "fastest" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toContain("least_connections");
  });
});
