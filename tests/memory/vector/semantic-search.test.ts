/**
 * Semantic memory end to end: embeddings from simulated Ollama nodes (n-gram embeddings, so texts
 * sharing words are close) reached through the gateway's pool, the sqlite-vec index, the search
 * route with its 4xx answers, and a model change that rebuilds the index.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerJsonBodyParser } from "../../../src/gateway/body.js";
import { installErrorHandler } from "../../../src/gateway/http-errors.js";
import {
  MEMORY_SEARCH_PATH,
  MEMORY_VECTORS_PATH,
  memorySearchRoutes,
} from "../../../src/gateway/routes/memory-search.js";
import { vectorConfigSchema } from "../../../src/memory/vector/config.js";
import { httpEmbedFunction, poolEmbedFunction } from "../../../src/memory/vector/ollama-embed.js";
import { openSemanticMemory, SemanticMemory } from "../../../src/memory/vector/semantic-memory.js";
import type { SimNodeInput } from "../../../src/sim/config.js";
import { fastNode, startTestCluster, type TestCluster } from "../../helpers/cluster.js";

const EMBED_MODELS: SimNodeInput["models"] = [
  { name: "nomic-embed-text:latest", size_mb: 262, embedding_dim: 768 },
  { name: "mxbai-embed-large:latest", size_mb: 639, embedding_dim: 1024 },
];

const TEXTS = {
  cat: "The cat sat on the warm mat by the fire",
  kitten: "A small kitten sleeps on a mat",
  gpu: "Quarterly revenue of GPU vendors grew strongly",
  chips: "Chip makers report record GPU sales this quarter",
  pasta: "Boil the pasta in salted water for ten minutes",
};

let cluster: TestCluster;
let dir: string;

beforeAll(async () => {
  cluster = await startTestCluster([fastNode("embed-1", EMBED_MODELS), fastNode("embed-2", EMBED_MODELS)]);
  dir = mkdtempSync(join(tmpdir(), "hydra-semantic-"));
});

afterAll(async () => {
  await cluster?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function rememberAll(memory: SemanticMemory): Promise<void> {
  for (const [id, text] of Object.entries(TEXTS)) {
    await memory.remember(text, { topic: id === "cat" || id === "kitten" ? "pets" : "other" }, undefined, {
      id,
    });
  }
}

describe("semantic memory over the cluster", () => {
  it("embeds through the pool and ranks the texts closest in meaning first", async () => {
    const memory = await SemanticMemory.open({
      file: ":memory:",
      model: "nomic-embed-text",
      embed: poolEmbedFunction(cluster.gateway.pool),
    });
    try {
      await rememberAll(memory);
      expect(memory.index.dimension).toBe(768);
      const pets = await memory.search("a cat sleeping on a mat", 2);
      expect(pets.map((hit) => hit.id).sort()).toEqual(["cat", "kitten"]);
      expect(pets[0]?.score).toBeGreaterThan(0.3);
      const money = await memory.search("GPU revenue this quarter", 2);
      expect(money.map((hit) => hit.id).sort()).toEqual(["chips", "gpu"]);
      const filtered = await memory.search("GPU revenue this quarter", 2, { metadata: { topic: "pets" } });
      expect(filtered.map((hit) => hit.id).sort()).toEqual(["cat", "kitten"]);
      // The simulated nodes answered the embeddings: they came through the pool, not from a shortcut.
      const served = cluster.sims.map((sim) => sim.engine.counters.embeddings);
      expect(served.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    } finally {
      await memory.close();
    }
  });

  it("batches concurrent remembers into few /api/embed requests", async () => {
    const before = cluster.sims.reduce((sum, sim) => sum + sim.engine.counters.embeddings, 0);
    const memory = await SemanticMemory.open({
      file: ":memory:",
      model: "nomic-embed-text",
      embed: poolEmbedFunction(cluster.gateway.pool),
      batchSize: 16,
      concurrency: 1,
    });
    try {
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => memory.remember(`note number ${i} about things`)),
      );
      const requests = cluster.sims.reduce((sum, sim) => sum + sim.engine.counters.embeddings, 0) - before;
      expect(memory.index.count()).toBe(40);
      expect(requests).toBeLessThanOrEqual(4);
      expect(memory.embedder.stats.batches).toBe(requests);
    } finally {
      await memory.close();
    }
  });

  it("rebuilds the index when the embedding model changes, never mixing dimensions", async () => {
    const file = join(dir, "model-change.db");
    const config = vectorConfigSchema.parse({ file, model: "nomic-embed-text" });
    const embed = httpEmbedFunction(cluster.url);
    const first = await openSemanticMemory(config, { dataDir: dir, embed });
    await rememberAll(first);
    await first.close();

    const progress: number[] = [];
    const second = await SemanticMemory.open({
      file,
      model: "mxbai-embed-large",
      embed,
      onRebuildProgress: ({ done }) => progress.push(done),
    });
    try {
      expect(second.stats().lastRebuild).toMatchObject({
        reembedded: 5,
        dropped: 0,
        fromModel: "nomic-embed-text",
        toModel: "mxbai-embed-large",
        dimension: 1024,
      });
      expect(progress.at(-1)).toBe(5);
      expect(second.index.dimension).toBe(1024);
      const hits = await second.search("a cat sleeping on a mat", 2);
      expect(hits.map((hit) => hit.id).sort()).toEqual(["cat", "kitten"]);
    } finally {
      await second.close();
    }
  });

  it("fails a remember with the cluster's own message when no node has the model", async () => {
    const memory = await SemanticMemory.open({
      file: ":memory:",
      model: "no-such-embedder",
      embed: poolEmbedFunction(cluster.gateway.pool),
    });
    try {
      await expect(memory.remember("anything")).rejects.toMatchObject({
        status: 404,
        message: expect.stringMatching(/model "no-such-embedder" not found/),
      });
      expect(memory.index.count()).toBe(0);
    } finally {
      await memory.close();
    }
  });
});

describe("POST /v1/hydra/memory/search", () => {
  let app: FastifyInstance;
  let memory: SemanticMemory;

  beforeAll(async () => {
    memory = await SemanticMemory.open({
      file: ":memory:",
      model: "nomic-embed-text",
      embed: poolEmbedFunction(cluster.gateway.pool),
    });
    await rememberAll(memory);
    app = Fastify();
    registerJsonBodyParser(app);
    installErrorHandler(app, 1024 * 1024);
    // A getter, as the gateway passes it: semantic memory opens after the routes are registered.
    await app.register(memorySearchRoutes, { memory: () => memory, maxK: 50 });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await memory?.close();
  });

  const search = (payload: unknown) =>
    app.inject({ method: "POST", url: MEMORY_SEARCH_PATH, payload: payload as object });

  it("answers the k nearest entries for a query text, with scores and metadata", async () => {
    const response = await search({ query: "a kitten on a mat", k: 2 });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ model: "nomic-embed-text", dimension: 768, k: 2 });
    expect(body.results).toHaveLength(2);
    expect(body.results[0]).toMatchObject({
      id: "kitten",
      namespace: "default",
      metadata: { topic: "pets" },
    });
    expect(body.results[0].score).toBeGreaterThan(body.results[1].score);
    expect(body.results[0].distance).toBeCloseTo(1 - body.results[0].score, 10);
  });

  it("searches with a vector given directly, and by filter", async () => {
    const [vector] = await memory.embedder.embed([TEXTS.pasta]);
    const response = await search({ vector: Array.from(vector as Float32Array), k: 1 });
    expect(response.json().results[0].id).toBe("pasta");
    const filtered = await search({ query: "pasta", filter: { metadata: { topic: "pets" } } });
    expect(
      filtered
        .json()
        .results.map((r: { id: string }) => r.id)
        .sort(),
    ).toEqual(["cat", "kitten"]);
  });

  it.each([
    [
      "a vector of the wrong dimension",
      { vector: [0.1, 0.2, 0.3] },
      /3 dimensions but the index holds 768-dimensional/,
    ],
    ["k of 0", { query: "cat", k: 0 }, /k must be at least 1/],
    ["k above maxK", { query: "cat", k: 51 }, /k must be at most 50 \(memory\.vectors\.maxK\)/],
    ["a fractional k", { query: "cat", k: 2.5 }, /k must be a whole number from 1 to 50/],
    ["an empty query", { query: "   " }, /query is empty; send the text to search for/],
    ["no query nor vector", { k: 3 }, /send query \(the text to search for\)/],
    ["both query and vector", { query: "cat", vector: [1] }, /either query \(a text\) or vector, not both/],
    ["a zero vector", { vector: new Array(768).fill(0) }, /all components are zero/],
    ["a bad filter", { query: "cat", filter: { metadata: { a: [1] } } }, /string, number, boolean or null/],
    ["an unknown field", { query: "cat", limit: 3 }, /limit/],
  ])("refuses %s with a 400 that says what to send", async (_name, payload, message) => {
    const response = await search(payload);
    expect(response.statusCode).toBe(400);
    expect(response.json().error).toMatch(message);
  });

  it("answers a dimension mismatch with its own error code", async () => {
    const response = await search({ vector: [1, 2] });
    expect(response.json().code).toBe("HYDRA_ERR_VECTOR_DIMENSION");
  });

  it("remembers and forgets through /v1/hydra/memory/vectors", async () => {
    const created = await app.inject({
      method: "POST",
      url: MEMORY_VECTORS_PATH,
      payload: { text: "Llamas graze on high mountain pastures", namespace: "animals", id: "llama" },
    });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ id: "llama", model: "nomic-embed-text", dimension: 768 });
    const found = await search({
      query: "llamas on mountain pastures",
      k: 1,
      filter: { namespace: "animals" },
    });
    expect(found.json().results[0].id).toBe("llama");
    const removed = await app.inject({ method: "DELETE", url: `${MEMORY_VECTORS_PATH}/llama` });
    expect(removed.json()).toEqual({ id: "llama", deleted: true });
    const again = await app.inject({ method: "DELETE", url: `${MEMORY_VECTORS_PATH}/llama` });
    expect(again.statusCode).toBe(404);
    expect(again.json().code).toBe("HYDRA_ERR_VECTOR_NOT_FOUND");
    const empty = await app.inject({ method: "POST", url: MEMORY_VECTORS_PATH, payload: { text: "" } });
    expect(empty.statusCode).toBe(400);
  });

  it("answers 503 with how to turn it on when semantic memory is off", async () => {
    const off = Fastify();
    registerJsonBodyParser(off);
    installErrorHandler(off, 1024 * 1024);
    await off.register(memorySearchRoutes, { memory: undefined });
    const response = await off.inject({ method: "POST", url: MEMORY_SEARCH_PATH, payload: { query: "x" } });
    expect(response.statusCode).toBe(503);
    expect(response.json().error).toMatch(/memory\.vectors\.enabled/);
    await off.close();
  });
});
