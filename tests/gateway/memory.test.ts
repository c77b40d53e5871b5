/**
 * Memory through the real gateway: key/value entries over HTTP, and semantic search whose
 * embeddings come from the cluster (a simulated node's /api/embed, placed by the router).
 */
import { afterEach, describe, expect, it } from "vitest";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";

const EMBED = "nomic-embed-text:latest";

describe("gateway memory", () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it("stores, reads, lists stats for and deletes an entry", async () => {
    cluster = await startTestCluster([fastNode("a", [{ name: "llama3.2:1b", size_mb: 1000 }])]);
    const url = `${cluster.url}/v1/hydra/memory/notes/today`;
    const put = await fetch(url, { method: "PUT", body: JSON.stringify({ value: { text: "hello" } }) });
    expect(put.status).toBe(200);
    const got = await fetch(url);
    expect(got.status).toBe(200);
    expect(((await got.json()) as { value: unknown }).value).toEqual({ text: "hello" });
    const stats = (await (await fetch(`${cluster.url}/v1/hydra/memory/stats`)).json()) as {
      tiers: { tier: string }[];
    };
    expect(stats.tiers.map((entry) => entry.tier)).toEqual(["l1", "l2"]);
    expect((await fetch(url, { method: "DELETE" })).status).toBe(200);
    expect((await fetch(url)).status).toBe(404);
  });

  it("searches memories by meaning, with embeddings from the cluster", async () => {
    cluster = await startTestCluster([fastNode("embedder", [{ name: EMBED, size_mb: 300, loaded: true }])], {
      memory: { vectors: { model: EMBED } },
    });
    const remember = (text: string) =>
      fetch(`${cluster?.url}/v1/hydra/memory/vectors`, { method: "POST", body: JSON.stringify({ text }) });
    for (const text of [
      "how to sort a list of numbers in python",
      "the best sourdough bread recipe with a long fermentation",
      "configuring nginx as a reverse proxy with tls",
    ])
      expect((await remember(text)).status).toBe(201);
    const response = await fetch(`${cluster.url}/v1/hydra/memory/search`, {
      method: "POST",
      body: JSON.stringify({ query: "sorting numbers in a python list", k: 2 }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { results: { text: string; score: number }[] };
    expect(body.results).toHaveLength(2);
    expect(body.results[0]?.text).toBe("how to sort a list of numbers in python");
    expect(body.results[0]?.score).toBeGreaterThan(body.results[1]?.score ?? 1);
  });

  it("answers 503 saying how to turn memory on when it is off", async () => {
    cluster = await startTestCluster([fastNode("a", [{ name: "llama3.2:1b", size_mb: 1000 }])], {
      memory: { enabled: false },
    });
    const response = await fetch(`${cluster.url}/v1/hydra/memory/x`);
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toMatch(/memory/);
  });
});
