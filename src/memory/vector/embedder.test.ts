import { describe, expect, it } from "vitest";
import { ModelNotFoundError } from "../../errors.js";
import { Embedder, type EmbedFunction } from "./embedder.js";
import { EmbeddingError } from "./errors.js";

/** A fake /api/embed: [length, first char code, dimension-filler...], recording every call. */
function fakeCluster(dimension = 3) {
  const calls: { model: string; inputs: string[] }[] = [];
  let release: (() => void) | undefined;
  let gate: Promise<void> | undefined;
  const embed: EmbedFunction = async (model, inputs) => {
    calls.push({ model, inputs: [...inputs] });
    if (gate !== undefined) await gate;
    return inputs.map((text) => {
      const row = [text.length, text.charCodeAt(0) || 0];
      while (row.length < dimension) row.push(1);
      return row;
    });
  };
  return {
    embed,
    calls,
    /** Holds every answer until `open()`. */
    hold() {
      gate = new Promise((resolve) => {
        release = resolve;
      });
    },
    open() {
      gate = undefined;
      release?.();
    },
  };
}

describe("Embedder", () => {
  it("embeds texts in order, with the dimension learned from the first answer", async () => {
    const cluster = fakeCluster(4);
    const embedder = new Embedder({ model: "m", embed: cluster.embed });
    expect(embedder.dimension).toBeUndefined();
    const vectors = await embedder.embed(["ab", "xyz"]);
    expect(vectors.map((v) => Array.from(v))).toEqual([
      [2, 97, 1, 1],
      [3, 120, 1, 1],
    ]);
    expect(embedder.dimension).toBe(4);
    expect(cluster.calls).toEqual([{ model: "m", inputs: ["ab", "xyz"] }]);
  });

  it("serves a text embedded before from its cache, per model", async () => {
    const cluster = fakeCluster();
    const embedder = new Embedder({ model: "m", embed: cluster.embed });
    await embedder.embed(["a", "b"]);
    const again = await embedder.embed(["b", "a", "c"]);
    expect(again.map((v) => v[0])).toEqual([1, 1, 1]);
    expect(cluster.calls.map((call) => call.inputs)).toEqual([["a", "b"], ["c"]]);
    expect(embedder.stats).toMatchObject({ cacheHits: 2, batches: 2, batchedTexts: 3, cacheEntries: 3 });
    const other = new Embedder({ model: "other", embed: cluster.embed });
    await other.embed(["a"]);
    expect(cluster.calls).toHaveLength(3);
  });

  it("hands out copies: a caller changing its vector does not change the cache", async () => {
    const embedder = new Embedder({ model: "m", embed: fakeCluster().embed });
    const [first] = await embedder.embed(["abc"]);
    (first as Float32Array)[0] = 999;
    const [second] = await embedder.embed(["abc"]);
    expect(second?.[0]).toBe(3);
  });

  it("forgets the least recently used embeddings beyond cacheEntries", async () => {
    const cluster = fakeCluster();
    const embedder = new Embedder({ model: "m", embed: cluster.embed, cacheEntries: 2 });
    await embedder.embed(["a"]);
    await embedder.embed(["b"]);
    await embedder.embed(["a"]); // a is now the most recent
    await embedder.embed(["c"]); // evicts b
    await embedder.embed(["a", "b"]);
    expect(cluster.calls.map((call) => call.inputs)).toEqual([["a"], ["b"], ["c"], ["b"]]);
  });

  it("batches what concurrent callers ask for, at most batchSize texts per request", async () => {
    const cluster = fakeCluster();
    const embedder = new Embedder({ model: "m", embed: cluster.embed, batchSize: 4, concurrency: 8 });
    const texts = Array.from({ length: 10 }, (_, i) => `text ${i}`);
    const results = await Promise.all(texts.map((text) => embedder.embed([text])));
    expect(results.map(([v]) => v?.[0])).toEqual(texts.map((text) => text.length));
    expect(cluster.calls.map((call) => call.inputs.length)).toEqual([4, 4, 2]);
    expect(cluster.calls.flatMap((call) => call.inputs)).toEqual(texts);
  });

  it("embeds a text asked for by several callers at once only once", async () => {
    const cluster = fakeCluster();
    const embedder = new Embedder({ model: "m", embed: cluster.embed });
    const [a, b, c] = await Promise.all([
      embedder.embed(["same", "x"]),
      embedder.embed(["same"]),
      embedder.embed(["x", "same"]),
    ]);
    expect(cluster.calls.map((call) => call.inputs)).toEqual([["same", "x"]]);
    expect([a?.[0]?.[0], b?.[0]?.[0], c?.[1]?.[0]]).toEqual([4, 4, 4]);
    expect(embedder.stats.coalesced).toBe(3);
  });

  it("with every request slot busy, gathers new texts into the next batch", async () => {
    const cluster = fakeCluster();
    const embedder = new Embedder({ model: "m", embed: cluster.embed, concurrency: 1, batchSize: 100 });
    cluster.hold();
    const first = embedder.embed(["first"]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(cluster.calls).toHaveLength(1);
    const later = ["l1", "l2", "l3"].map((text) => embedder.embed([text]));
    await new Promise((resolve) => setImmediate(resolve));
    expect(cluster.calls).toHaveLength(1);
    cluster.open();
    await Promise.all([first, ...later]);
    expect(cluster.calls.map((call) => call.inputs)).toEqual([["first"], ["l1", "l2", "l3"]]);
  });

  it("fails every caller of a failed batch, and asks again next time", async () => {
    let fail = true;
    const embed: EmbedFunction = async (_model, inputs) => {
      if (fail) throw new Error("connection reset");
      return inputs.map(() => [1, 0]);
    };
    const embedder = new Embedder({ model: "m", embed });
    const results = await Promise.allSettled([embedder.embed(["a"]), embedder.embed(["a", "b"])]);
    for (const result of results) {
      expect(result.status).toBe("rejected");
      const reason = (result as PromiseRejectedResult).reason as EmbeddingError;
      expect(reason).toBeInstanceOf(EmbeddingError);
      expect(reason.status).toBe(502);
      expect(reason.message).toMatch(/embedding with model "m" failed: connection reset/);
    }
    fail = false;
    await expect(embedder.embed(["a"])).resolves.toHaveLength(1);
    expect(embedder.stats.errors).toBe(1);
  });

  it("passes the cluster's own errors through (e.g. the model is missing)", async () => {
    const embedder = new Embedder({
      model: "nomic-embed-text",
      embed: async (model) => {
        throw new ModelNotFoundError(model);
      },
    });
    await expect(embedder.embed(["a"])).rejects.toBeInstanceOf(ModelNotFoundError);
  });

  it.each([
    ["too few vectors", [[1, 2]], /asked for 2 embeddings, the cluster answered 1 vectors/],
    ["mixed lengths", [[1, 2], [1]], /mixes vectors of different lengths/],
    [
      "a non-number",
      [
        [1, 2],
        [1, "x"],
      ],
      /non-finite component at 1/,
    ],
    ["an empty vector", [[1, 2], []], /embedding 1 of the answer is not a non-empty list/],
  ])("refuses an answer with %s", async (_name, answer, message) => {
    const embedder = new Embedder({ model: "m", embed: async () => answer as number[][] });
    await expect(embedder.embed(["a", "b"])).rejects.toThrow(message);
  });

  it("notices a model that answers with another dimension: empties its cache and says so", async () => {
    let dimension = 3;
    const changes: unknown[] = [];
    const embedder = new Embedder({
      model: "m",
      embed: async (_model, inputs) => inputs.map(() => new Array(dimension).fill(1)),
      onDimensionChange: (change) => changes.push(change),
    });
    await embedder.embed(["a"]);
    dimension = 5;
    await embedder.embed(["b"]);
    expect(changes).toEqual([{ from: 3, to: 5, model: "m" }]);
    expect(embedder.dimension).toBe(5);
    const [a] = await embedder.embed(["a"]);
    expect(a).toHaveLength(5);
    expect(embedder.stats.dimensionChanges).toBe(1);
  });
});
