import { Ollama } from "ollama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";

const CHAT = "llama3.2:3b";
const CODER = "qwen2.5-coder:7b";
const EMBED = "nomic-embed-text:latest";

describe("Ollama API through the gateway, with the official ollama client", () => {
  let cluster: TestCluster;
  let ollama: Ollama;

  beforeAll(async () => {
    cluster = await startTestCluster([
      fastNode("node-a", [
        { name: CHAT, size_mb: 2000 },
        { name: EMBED, size_mb: 300, embedding_dim: 64 },
      ]),
      fastNode("node-b", [
        { name: CHAT, size_mb: 2000 },
        { name: CODER, size_mb: 4700 },
      ]),
    ]);
    ollama = new Ollama({ host: cluster.url });
  });
  afterAll(() => cluster.close());

  it("answers / like Ollama, so clients see a running server", async () => {
    const response = await fetch(`${cluster.url}/`);
    expect(await response.text()).toBe("Ollama is running");
    expect((await fetch(`${cluster.url}/`, { method: "HEAD" })).status).toBe(200);
  });

  it("streams a chat token by token, ending with the final stats", async () => {
    const parts = await collect(
      await ollama.chat({
        model: CHAT,
        messages: [{ role: "user", content: "hello" }],
        stream: true,
        options: { seed: 7 },
      }),
    );
    expect(parts.length).toBeGreaterThan(2);
    const final = parts.at(-1)!;
    expect(final.done).toBe(true);
    expect(final.done_reason).toBe("stop");
    expect(final.eval_count).toBe(parts.filter((p) => p.message.content !== "").length);
    expect(final.prompt_eval_count).toBeGreaterThan(0);
    expect(final.total_duration).toBeGreaterThan(0);
    expect(
      parts
        .slice(0, -1)
        .map((p) => p.message.content)
        .join(""),
    ).not.toBe("");
  });

  it("answers a chat with stream:false, the same text as the stream for the same seed", async () => {
    const request = {
      model: CHAT,
      messages: [{ role: "user", content: "same" }],
      options: { seed: 3, num_predict: 12 },
    };
    const single = await ollama.chat({ ...request, stream: false });
    const streamed = await collect(await ollama.chat({ ...request, stream: true }));
    expect(single.message.content).toBe(streamed.map((p) => p.message.content).join(""));
    expect(single.eval_count).toBe(12);
    expect(single.done_reason).toBe("length");
  });

  it("generates, streamed and not, with context on the final object", async () => {
    const single = await ollama.generate({
      model: CHAT,
      prompt: "Why is the sky blue?",
      stream: false,
      options: { seed: 1 },
    });
    expect(single.response?.length).toBeGreaterThan(0);
    expect(single.context?.length).toBeGreaterThan(0);
    const parts = await collect(await ollama.generate({ model: CHAT, prompt: "Why?", stream: true }));
    expect(parts.at(-1)?.done).toBe(true);
    expect(parts.at(-1)?.context?.length).toBeGreaterThan(0);
  });

  it("embeds with /api/embed and the older /api/embeddings", async () => {
    const embed = await ollama.embed({ model: EMBED, input: ["a cat sat", "a dog ran"] });
    expect(embed.embeddings).toHaveLength(2);
    expect(embed.embeddings[0]).toHaveLength(64);
    const legacy = await ollama.embeddings({ model: EMBED, prompt: "a cat sat" });
    expect(legacy.embedding).toHaveLength(64);
    expect(legacy.embedding[0]).toBeCloseTo(embed.embeddings[0]![0]!, 5);
  });

  it("sends each request only to a node that has the model, and says which in x-hydra-node", async () => {
    for (const [model, node] of [
      [CODER, "node-b"],
      [EMBED, "node-a"],
    ] as const) {
      const path = model === EMBED ? "/api/embed" : "/api/generate";
      const body = model === EMBED ? { model, input: "x" } : { model, prompt: "x", stream: false };
      const response = await fetch(`${cluster.url}${path}`, { method: "POST", body: JSON.stringify(body) });
      expect(response.status).toBe(200);
      expect(response.headers.get("x-hydra-node")).toBe(node);
    }
  });

  it("lists the union of models across nodes in /api/tags, each once with its nodes", async () => {
    const { models } = await ollama.list();
    const names = models.map((m) => m.name).sort();
    expect(names).toEqual([CHAT, EMBED, CODER].sort());
    const chat = models.find((m) => m.name === CHAT) as unknown as { nodes: string[] };
    expect(chat.nodes.sort()).toEqual(["node-a", "node-b"]);
  });

  it("shows loaded models in /api/ps after use", async () => {
    await ollama.generate({ model: CODER, prompt: "x", stream: false });
    await cluster.gateway.pool.refreshAll();
    const { models } = await ollama.ps();
    const coder = models.find((m) => m.name === CODER) as unknown as { nodes: string[]; size_vram: number };
    expect(coder.nodes).toEqual(["node-b"]);
    expect(coder.size_vram).toBeGreaterThan(0);
  });

  it("shows a model's details", async () => {
    const show = await ollama.show({ model: CHAT });
    expect(show.details.family).toBeTruthy();
    expect(show.capabilities).toContain("completion");
  });

  it("returns Ollama's 404 for a model no node has", async () => {
    await expect(
      ollama.chat({ model: "nope:1b", messages: [{ role: "user", content: "x" }] }),
    ).rejects.toMatchObject({
      status_code: 404,
      error: 'model "nope:1b" not found, try pulling it first',
    });
  });

  it("reports the oldest node version", async () => {
    const { version } = await ollama.version();
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe("model management across nodes", () => {
  let cluster: TestCluster;
  let ollama: Ollama;

  beforeAll(async () => {
    cluster = await startTestCluster([
      fastNode("node-a", [{ name: CHAT, size_mb: 2000 }], { pull_mbps: 100_000 }),
      fastNode("node-b", [], { pull_mbps: 100_000 }),
    ]);
    ollama = new Ollama({ host: cluster.url });
  });
  afterAll(() => cluster.close());

  it("pulls onto every node with per-node progress, then the model is routable everywhere", async () => {
    const progress = await collect(await ollama.pull({ model: "phi3:mini", stream: true }));
    const nodesSeen = new Set(progress.map((p) => (p as unknown as { node?: string }).node).filter(Boolean));
    expect(nodesSeen).toEqual(new Set(["node-a", "node-b"]));
    expect(progress.some((p) => (p.total ?? 0) > 0 && p.completed === p.total)).toBe(true);
    expect(progress.at(-1)?.status).toBe("success");
    const { models } = await ollama.list();
    const phi = models.find((m) => m.name === "phi3:mini") as unknown as { nodes: string[] };
    expect(phi.nodes.sort()).toEqual(["node-a", "node-b"]);
  });

  it("pulls onto named nodes only, and without streaming", async () => {
    const response = await fetch(`${cluster.url}/api/pull`, {
      method: "POST",
      body: JSON.stringify({ model: "gemma2:2b", stream: false, nodes: ["node-b"] }),
    });
    expect(await response.json()).toEqual({ status: "success", nodes: ["node-b"] });
    expect(cluster.gateway.pool.node("node-b")?.hasModel("gemma2:2b")).toBe(true);
    expect(cluster.gateway.pool.node("node-a")?.hasModel("gemma2:2b")).toBe(false);
  });

  it("ends a pull of an unknown model with an error, not success", async () => {
    await expect(collect(await ollama.pull({ model: "does-not-exist:1b", stream: true }))).rejects.toThrow(
      /failed on/,
    );
  });

  it("rejects an unknown node name with the list of known nodes", async () => {
    const response = await fetch(`${cluster.url}/api/pull`, {
      method: "POST",
      body: JSON.stringify({ model: "x", nodes: ["zz"] }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain("known nodes: node-a, node-b");
  });

  it("copies and deletes on the nodes that hold the model", async () => {
    await ollama.copy({ source: CHAT, destination: "my-chat:latest" });
    expect(cluster.gateway.pool.node("node-a")?.hasModel("my-chat")).toBe(true);
    await ollama.delete({ model: "my-chat" });
    expect(cluster.gateway.pool.node("node-a")?.hasModel("my-chat")).toBe(false);
    await expect(ollama.delete({ model: "my-chat" })).rejects.toMatchObject({ status_code: 404 });
  });
});
