/**
 * Nodes that join and leave while the gateway runs (discovery, agents): they take traffic
 * once their inventory is read, leave without failing requests that can go elsewhere, and a
 * stale agent's node takes nothing new.
 */
import { Ollama } from "ollama";
import { afterEach, describe, expect, it } from "vitest";
import { type SimNodeHandle, startSimNode } from "../../src/sim/index.js";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";

const MODEL = "llama3.2:1b";
const m = (name: string) => ({ name, size_mb: 1000, loaded: true });

describe("dynamic pool membership", () => {
  let cluster: TestCluster | undefined;
  const extra: SimNodeHandle[] = [];

  afterEach(async () => {
    await cluster?.close();
    await Promise.all(extra.splice(0).map((sim) => sim.close()));
    cluster = undefined;
  });

  async function nodeHeaderOf(url: string, model = MODEL): Promise<string | null> {
    const response = await fetch(`${url}/api/generate`, {
      method: "POST",
      body: JSON.stringify({ model, prompt: "hi", stream: false }),
    });
    expect(response.status).toBe(200);
    await response.json();
    return response.headers.get("x-hydra-node");
  }

  it("routes to a node added at run time once its inventory is read", async () => {
    cluster = await startTestCluster([fastNode("a", [m(MODEL)])]);
    const late = await startSimNode(fastNode("late", [m(MODEL), m("qwen2.5:0.5b")]));
    extra.push(late);
    const added = new Promise((resolve) => cluster?.gateway.pool.once("node-added", resolve));
    const node = cluster.gateway.pool.addNode(
      { url: late.url, name: "late", tags: [], weight: 1 },
      "discovery",
    );
    await expect(added).resolves.toMatchObject({ node: "late", source: "discovery" });
    // Only the late node has this model: a request for it proves the node is in rotation.
    expect(await nodeHeaderOf(cluster.url, "qwen2.5:0.5b")).toBe("late");
    expect(node.source).toBe("discovery");
    const tags = await new Ollama({ host: cluster.url }).list();
    expect(tags.models.map((model) => model.name)).toContain("qwen2.5:0.5b");
  });

  it("does not add the same URL twice and keeps names unique", async () => {
    cluster = await startTestCluster([fastNode("a", [m(MODEL)])]);
    const pool = cluster.gateway.pool;
    const again = pool.addNode(
      { url: cluster.sim("a").url, name: "other", tags: [], weight: 1 },
      "discovery",
    );
    expect(again.name).toBe("a");
    const late = await startSimNode(fastNode("b", [m(MODEL)]));
    extra.push(late);
    const renamed = pool.addNode({ url: late.url, name: "a", tags: [], weight: 1 }, "agent");
    expect(renamed.name).toBe("a-2");
    expect(pool.nodes.map((node) => node.name)).toEqual(["a", "a-2"]);
  });

  it("removes a node: traffic goes to the others and it leaves /api/tags", async () => {
    cluster = await startTestCluster([
      fastNode("a", [m(MODEL)]),
      fastNode("b", [m(MODEL), m("qwen2.5:0.5b")]),
    ]);
    const pool = cluster.gateway.pool;
    const removed = new Promise((resolve) => pool.once("node-removed", resolve));
    expect(pool.removeNode("b", "agent deregistered")).toBe(true);
    await expect(removed).resolves.toMatchObject({ node: "b", reason: "agent deregistered" });
    expect(pool.removeNode("b", "again")).toBe(false);
    for (let i = 0; i < 4; i++) expect(await nodeHeaderOf(cluster.url)).toBe("a");
    const response = await fetch(`${cluster.url}/api/generate`, {
      method: "POST",
      body: JSON.stringify({ model: "qwen2.5:0.5b", prompt: "hi", stream: false }),
    });
    expect(response.status).toBe(404);
  });

  it("a stale node takes no new requests until its agent reports again; its VRAM reaches the router", async () => {
    const cold = { name: "qwen2.5:0.5b", size_mb: 1000 };
    cluster = await startTestCluster([fastNode("a", [m(MODEL)]), fastNode("b", [m(MODEL), cold])]);
    const pool = cluster.gateway.pool;
    await pool.whenReady();
    pool.setResources("b", { stale: true, reportedAt: Date.now(), vramTotalMb: 24_000, vramFreeMb: 20_000 });
    for (let i = 0; i < 4; i++) expect(await nodeHeaderOf(cluster.url)).toBe("a");
    const nodes = (await (await fetch(`${cluster.url}/v1/hydra/nodes`)).json()) as {
      nodes: { name: string; health: string }[];
    };
    expect(nodes.nodes.find((node) => node.name === "b")?.health).toBe("stale");

    pool.setResources("b", { stale: false, reportedAt: Date.now(), vramTotalMb: 24_000, vramFreeMb: 20_000 });
    const seen = new Set<string | null>();
    for (let i = 0; i < 4; i++) {
      const response = await fetch(`${cluster.url}/api/generate`, {
        method: "POST",
        headers: { "x-hydra-strategy": "round_robin" },
        body: JSON.stringify({ model: MODEL, prompt: "hi", stream: false }),
      });
      await response.json();
      seen.add(response.headers.get("x-hydra-node"));
    }
    expect(seen).toEqual(new Set(["a", "b"]));

    // The agent says the GPU is too small for the model: loading it there is estimated to fail.
    const penaltyOf = async () => {
      const route = (await (await fetch(`${cluster?.url}/v1/hydra/route?model=${cold.name}`)).json()) as {
        candidates: { name: string; breakdown: { penaltyMs: number } }[];
      };
      return route.candidates.find((candidate) => candidate.name === "b")?.breakdown.penaltyMs;
    };
    expect(await penaltyOf()).toBe(0);
    pool.setResources("b", { stale: false, reportedAt: Date.now(), vramTotalMb: 500, vramFreeMb: 500 });
    expect(await penaltyOf()).toBeGreaterThan(10_000);
  });

  it("a node's configured vramMb tells the router when a model cannot fit there", async () => {
    cluster = await startTestCluster([fastNode("a", [m(MODEL)])]);
    const big = { name: "qwen2.5:7b", size_mb: 4000 };
    const small = await startSimNode(fastNode("small-gpu", [big]));
    const roomy = await startSimNode(fastNode("roomy-gpu", [big]));
    extra.push(small, roomy);
    const pool = cluster.gateway.pool;
    pool.addNode({ url: small.url, name: "small-gpu", tags: [], weight: 1, vramMb: 2000 }, "config");
    pool.addNode({ url: roomy.url, name: "roomy-gpu", tags: [], weight: 1, vramMb: 24_000 }, "config");
    for (const node of pool.nodes) await pool.refresh(node);
    const route = (await (await fetch(`${cluster.url}/v1/hydra/route?model=${big.name}`)).json()) as {
      candidates: { name: string; breakdown: { penaltyMs: number } }[];
    };
    expect(route.candidates.map((candidate) => candidate.name)).toEqual(["roomy-gpu", "small-gpu"]);
    expect(route.candidates[0]?.breakdown.penaltyMs).toBe(0);
    expect(route.candidates[1]?.breakdown.penaltyMs).toBeGreaterThanOrEqual(100_000);
  });
});
