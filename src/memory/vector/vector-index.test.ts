import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { embedText } from "../../sim/embeddings.js";
import {
  VectorDimensionError,
  VectorIndexUnavailableError,
  VectorQueryError,
  VectorValueError,
} from "./errors.js";
import { exactTopK } from "./exact-search.js";
import { matchesFilter, type VectorFilter } from "./filter.js";
import { randomUnitVectors, vectorAt } from "./random-vectors.js";
import { VectorIndex } from "./vector-index.js";

const open: VectorIndex[] = [];
const dirs: string[] = [];

function openIndex(model = "embed-a", file = ":memory:", accelerate = true): VectorIndex {
  const index = VectorIndex.open({ file, model, accelerate });
  open.push(index);
  return index;
}

const openIndexWith = (model: string, file: string, accelerate: boolean) =>
  openIndex(model, file, accelerate);

function tempFile(): string {
  const dir = mkdtempSync(join(tmpdir(), "hydra-vectors-"));
  dirs.push(dir);
  return join(dir, "vectors.db");
}

afterEach(() => {
  for (const index of open.splice(0)) index.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fake embedding model: `dimension` floats from the text (the simulator's n-gram embeddings). */
function fakeEmbed(dimension: number) {
  return async (texts: string[]) => texts.map((text) => Float32Array.from(embedText(text, dimension)));
}

const ENGINES = [
  ["the SIMD scan", true],
  ["sqlite-vec's scan", false],
] as const;

describe.each(ENGINES)("VectorIndex search with %s", (_engine, accelerate) => {
  const dimension = 48;
  const count = 1500;
  const data = randomUnitVectors(count, dimension, 7);
  const ids = Array.from({ length: count }, (_, i) => `v${i}`);
  const namespaces = ["alpha", "beta", "gamma"];
  const metadata = ids.map((_, i) => ({
    kind: i % 5 === 0 ? "doc" : "note",
    rank: i % 7,
    flag: i % 2 === 0,
    ...(i % 11 === 0 ? { owner: null } : {}),
    one: i % 3 === 0 ? 1 : i % 3 === 1 ? true : "1",
  }));

  function filled(): VectorIndex {
    const index = openIndex("embed-a", ":memory:", accelerate);
    index.add(
      ids.map((id, i) => ({
        id,
        vector: vectorAt(data, dimension, i),
        text: `text ${i}`,
        namespace: namespaces[i % 3] as string,
        metadata: metadata[i] as Record<string, unknown>,
      })),
    );
    expect(index.stats().engine).toBe(accelerate ? "simd" : "sqlite-vec");
    return index;
  }

  it("finds the same top-k ids, in the same order, with the same scores as exact search", () => {
    const index = filled();
    for (let q = 0; q < 25; q++) {
      const query = vectorAt(randomUnitVectors(1, dimension, 1000 + q), dimension, 0);
      const hits = index.search(query, 10);
      const exact = exactTopK({ ids, data, dimension }, query, 10);
      expect(hits.map((hit) => hit.id)).toEqual(exact.map((hit) => hit.id));
      hits.forEach((hit, i) => {
        expect(hit.score).toBeCloseTo((exact[i] as { score: number }).score, 5);
        expect(hit.distance).toBeCloseTo(1 - hit.score, 10);
      });
    }
  });

  it("finds a stored vector itself first, with similarity 1", () => {
    const index = filled();
    const [hit] = index.search(vectorAt(data, dimension, 42), 1);
    expect(hit?.id).toBe("v42");
    expect(hit?.score).toBeCloseTo(1, 5);
    expect(hit).toMatchObject({ text: "text 42", namespace: "alpha", metadata: metadata[42] });
  });

  it("answers every entry, best first, when k exceeds the count", () => {
    const index = openIndex("embed-a", ":memory:", accelerate);
    index.add([
      { id: "a", vector: [1, 0, 0] },
      { id: "b", vector: [0.6, 0.8, 0] },
    ]);
    const hits = index.search([1, 0, 0], 50);
    expect(hits.map((hit) => [hit.id, Number(hit.score.toFixed(4))])).toEqual([
      ["a", 1],
      ["b", 0.6],
    ]);
  });

  const filters: [string, VectorFilter][] = [
    ["a namespace", { namespace: "beta" }],
    ["a string field", { metadata: { kind: "doc" } }],
    ["a number field", { metadata: { rank: 3 } }],
    ["a boolean field", { metadata: { flag: false } }],
    ["a null field", { metadata: { owner: null } }],
    ["1 but not true or '1'", { metadata: { one: 1 } }],
    ["true but not 1", { metadata: { one: true } }],
    ["'1' but not 1", { metadata: { one: "1" } }],
    ["a namespace and two fields", { namespace: "gamma", metadata: { kind: "note", flag: true } }],
    ["nothing that exists", { metadata: { kind: "nope" } }],
  ];

  it.each(filters)("with a filter on %s, answers the k nearest matching entries (exact)", (_name, filter) => {
    const index = filled();
    const accept = (i: number) =>
      matchesFilter({ namespace: namespaces[i % 3] as string, metadata: metadata[i] }, filter);
    for (let q = 0; q < 5; q++) {
      const query = vectorAt(randomUnitVectors(1, dimension, 2000 + q), dimension, 0);
      const hits = index.search(query, 10, filter);
      const exact = exactTopK({ ids, data, dimension }, query, 10, accept);
      expect(hits.map((hit) => hit.id)).toEqual(exact.map((hit) => hit.id));
      for (const hit of hits) expect(matchesFilter(hit, filter)).toBe(true);
    }
  });
});

describe.each(ENGINES)("VectorIndex entries with %s", (_engine, accelerate) => {
  const openIndex = (model = "embed-a", file = ":memory:") => openIndexWith(model, file, accelerate);

  it("takes its dimension from the first vector and refuses any other length, in add and search", () => {
    const index = openIndex();
    expect(index.dimension).toBeUndefined();
    index.add([{ id: "a", vector: [1, 2, 3] }]);
    expect(index.dimension).toBe(3);
    expect(() => index.add([{ id: "b", vector: [1, 2] }])).toThrow(VectorDimensionError);
    const error = (() => {
      try {
        index.search([1, 2, 3, 4], 1);
      } catch (caught) {
        return caught as VectorDimensionError;
      }
    })();
    expect(error).toBeInstanceOf(VectorDimensionError);
    expect(error?.status).toBe(400);
    expect(error?.message).toMatch(
      /4 dimensions but the index holds 3-dimensional vectors of model "embed-a"/,
    );
    expect(index.count()).toBe(1);
  });

  it("adds nothing when one vector of a batch is bad", () => {
    const index = openIndex();
    index.add([{ id: "a", vector: [1, 0] }]);
    expect(() =>
      index.add([
        { id: "b", vector: [0, 1] },
        { id: "c", vector: [0, 1, 0] },
      ]),
    ).toThrow(VectorDimensionError);
    expect(index.count()).toBe(1);
  });

  it("refuses vectors without a direction and k out of range, saying why", () => {
    const index = openIndex();
    index.add([{ id: "a", vector: [1, 0] }]);
    expect(() => index.add([{ id: "z", vector: [0, 0] }])).toThrow(VectorValueError);
    expect(() => index.search([Number.NaN, 1], 1)).toThrow(/component 0 is NaN/);
    expect(() => index.search([1, 0], 0)).toThrow(VectorQueryError);
    expect(() => index.search([1, 0], 5000)).toThrow(/k must be a whole number from 1 to 4096/);
  });

  it("answers nothing, and no error, while empty", () => {
    expect(openIndex().search([1, 2, 3], 5)).toEqual([]);
  });

  it("replaces an entry added again under its id, and forgets a deleted one", () => {
    const index = openIndex();
    index.add([
      { id: "a", vector: [1, 0], text: "old", namespace: "n1" },
      { id: "b", vector: [0, 1] },
    ]);
    index.add([{ id: "a", vector: [0, 1], text: "new", metadata: { v: 2 }, namespace: "n2" }]);
    expect(index.count()).toBe(2);
    expect(index.get("a")).toEqual({ id: "a", namespace: "n2", text: "new", metadata: { v: 2 } });
    expect(index.search([0, 1], 2, { namespace: "n2" }).map((hit) => hit.id)).toEqual(["a"]);
    expect(index.search([1, 0], 1, { namespace: "n1" })).toEqual([]);
    expect(index.delete("a")).toBe(true);
    expect(index.delete("a")).toBe(false);
    expect(index.get("a")).toBeUndefined();
    expect(index.search([0, 1], 5).map((hit) => hit.id)).toEqual(["b"]);
  });

  it("keeps its entries, model and dimension in its file", () => {
    const file = tempFile();
    const first = VectorIndex.open({ file, model: "embed-a" });
    first.add([{ id: "a", vector: [3, 4], text: "kept", metadata: { x: 1 } }]);
    first.setMeta("sync:test", "17");
    first.close();
    const again = openIndex("embed-a:latest", file);
    expect(again.needsRebuild).toBe(false);
    expect(again.dimension).toBe(2);
    expect(again.getMeta("sync:test")).toBe("17");
    expect(again.search([3, 4], 1)).toMatchObject([{ id: "a", text: "kept", metadata: { x: 1 } }]);
  });
});

describe("VectorIndex transactions", () => {
  it("a rolled-back transaction leaves neither SQLite nor the in-memory copy changed", () => {
    const index = openIndex();
    index.add([{ id: "kept", vector: [1, 0] }]);
    expect(() =>
      index.transaction(() => {
        index.add([{ id: "rolled-back", vector: [0.9, 0.1] }]);
        index.delete("kept");
        throw new Error("abort");
      }),
    ).toThrow("abort");
    expect(index.search([1, 0], 5).map((hit) => hit.id)).toEqual(["kept"]);
    expect(index.count()).toBe(1);
  });

  it("a savepoint that rolled back inside a committed transaction drops only its own changes", () => {
    const index = openIndex();
    index.transaction(() => {
      index.add([{ id: "outer", vector: [1, 0] }]);
      try {
        index.transaction(() => {
          index.add([{ id: "inner", vector: [0, 1] }]);
          throw new Error("inner");
        });
      } catch {
        // The outer transaction goes on without the inner part.
      }
    });
    expect(index.search([0, 1], 5).map((hit) => hit.id)).toEqual(["outer"]);
    expect(index.get("inner")).toBeUndefined();
  });

  it("a rolled-back first addition leaves the index without a dimension", () => {
    const index = openIndex();
    expect(() =>
      index.transaction(() => {
        index.add([{ id: "a", vector: [1, 0, 0] }]);
        throw new Error("abort");
      }),
    ).toThrow("abort");
    expect(index.dimension).toBeUndefined();
    index.add([{ id: "b", vector: [1, 0] }]);
    expect(index.search([1, 0], 1)[0]?.id).toBe("b");
  });

  it("loads its in-memory copy from the file when reopened", () => {
    const file = tempFile();
    const first = VectorIndex.open({ file, model: "embed-a" });
    const data = randomUnitVectors(300, 24, 5);
    first.add(
      Array.from({ length: 300 }, (_, i) => ({
        id: `v${i}`,
        vector: vectorAt(data, 24, i),
        namespace: `n${i % 4}`,
      })),
    );
    first.delete("v7");
    const query = vectorAt(randomUnitVectors(1, 24, 6), 24, 0);
    const before = first.search(query, 10, { namespace: "n3" }).map((hit) => hit.id);
    first.close();
    const again = openIndex("embed-a", file);
    expect(again.stats()).toMatchObject({ engine: "simd", entries: 299 });
    expect(again.search(query, 10, { namespace: "n3" }).map((hit) => hit.id)).toEqual(before);
  });
});

describe("VectorIndex model change", () => {
  it("opened with another model, refuses to search until rebuilt, then holds the new model's vectors", async () => {
    const file = tempFile();
    const before = VectorIndex.open({ file, model: "embed-a" });
    const embedA = fakeEmbed(16);
    const texts = ["the cat sat on the mat", "stock prices fell sharply", "a kitten sleeps on a rug"];
    const vectors = await embedA(texts);
    before.add(texts.map((text, i) => ({ id: `t${i}`, vector: vectors[i] as Float32Array, text })));
    before.add([{ id: "bare", vector: vectors[0] as Float32Array }]);
    before.close();

    const index = openIndex("embed-b", file);
    expect(index.needsRebuild).toBe(true);
    expect(index.model).toBe("embed-a");
    expect(() => index.search(vectors[0] as Float32Array, 1)).toThrow(VectorIndexUnavailableError);
    expect(() => index.add([{ id: "x", vector: [1, 2] }])).toThrow(/must be rebuilt first/);

    const progress: number[] = [];
    const result = await index.rebuild(fakeEmbed(32), {
      batchSize: 2,
      onProgress: ({ done }) => progress.push(done),
    });
    expect(result).toEqual({
      reembedded: 3,
      dropped: 1,
      fromModel: "embed-a",
      toModel: "embed-b",
      dimension: 32,
    });
    expect(progress).toEqual([0, 2, 3]);
    expect(index.needsRebuild).toBe(false);
    expect(index.model).toBe("embed-b");
    expect(index.dimension).toBe(32);
    expect(index.count()).toBe(3);
    const [query] = await fakeEmbed(32)(["the cat sat on the mat"]);
    expect(index.search(query as Float32Array, 1)[0]?.id).toBe("t0");
    expect(() => index.search(vectors[0] as Float32Array, 1)).toThrow(VectorDimensionError);
    index.close();
    open.pop();
    const reopened = openIndex("embed-b", file);
    expect(reopened.dimension).toBe(32);
    expect(reopened.search(query as Float32Array, 3).map((hit) => hit.id)).toContain("t2");
  });

  it("after a rebuild that failed half-way, still holds the old model and rebuilds again", async () => {
    const file = tempFile();
    const before = VectorIndex.open({ file, model: "embed-a" });
    const embedA = fakeEmbed(8);
    const texts = ["one", "two", "three", "four"];
    const vectors = await embedA(texts);
    before.add(texts.map((text, i) => ({ id: text, vector: vectors[i] as Float32Array, text })));
    before.close();

    const index = openIndex("embed-b", file);
    let calls = 0;
    await expect(
      index.rebuild(
        async (batch) => {
          calls++;
          if (calls === 2) throw new Error("node went away");
          return fakeEmbed(12)(batch);
        },
        { batchSize: 2 },
      ),
    ).rejects.toThrow(/node went away/);
    expect(index.needsRebuild).toBe(true);
    expect(index.model).toBe("embed-a");
    expect(index.count()).toBe(4);
    const result = await index.rebuild(fakeEmbed(12));
    expect(result.reembedded).toBe(4);
    expect(index.search((await fakeEmbed(12)(["three"]))[0] as Float32Array, 1)[0]?.id).toBe("three");
  });

  it("an empty index takes the configured model without a rebuild", () => {
    const file = tempFile();
    VectorIndex.open({ file, model: "embed-a" }).close();
    const index = openIndex("embed-b", file);
    expect(index.needsRebuild).toBe(false);
    expect(index.model).toBe("embed-b");
  });
});
