import { afterEach, describe, expect, it } from "vitest";
import { embedText } from "../../sim/embeddings.js";
import type { EmbedFunction } from "./embedder.js";
import { VectorQueryError } from "./errors.js";
import { SemanticMemory } from "./semantic-memory.js";

const opened: SemanticMemory[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((memory) => memory.close()));
});

async function memoryWith(embed: EmbedFunction, maxTextChars?: number): Promise<SemanticMemory> {
  const memory = await SemanticMemory.open({
    file: ":memory:",
    model: "nomic-embed-text",
    embed,
    ...(maxTextChars === undefined ? {} : { maxTextChars }),
  });
  opened.push(memory);
  return memory;
}

const ngram =
  (dimension: () => number): EmbedFunction =>
  async (_model, inputs) =>
    inputs.map((text) => embedText(text, dimension()));

describe("SemanticMemory without PostgreSQL", () => {
  it("remembers, finds by meaning, filters by namespace, and forgets", async () => {
    const memory = await memoryWith(ngram(() => 256));
    const { id } = await memory.remember("The cat sat on the mat", { kind: "pet" }, "animals");
    await memory.remember("GPU revenue grew strongly this quarter");
    expect((await memory.search("a cat on a mat", 1))[0]).toMatchObject({ id, namespace: "animals" });
    expect(
      (await memory.search("a cat on a mat", 5, { namespace: "default" })).map((hit) => hit.text),
    ).toEqual(["GPU revenue grew strongly this quarter"]);
    expect(await memory.forget(id)).toBe(true);
    expect(await memory.forget(id)).toBe(false);
    expect(memory.stats().index.entries).toBe(1);
  });

  it("refuses an empty or over-long text with what to send instead", async () => {
    const memory = await memoryWith(
      ngram(() => 8),
      20,
    );
    await expect(memory.search("  ")).rejects.toThrow(/query is empty; send the text to search for/);
    await expect(memory.remember("")).rejects.toBeInstanceOf(VectorQueryError);
    await expect(memory.remember("x".repeat(21))).rejects.toThrow(/more than the limit of 20 .*maxTextChars/);
  });

  it("rebuilds when the model starts answering with another dimension, never mixing the two", async () => {
    let dimension = 256;
    const memory = await memoryWith(ngram(() => dimension));
    await memory.remember("The cat sat on the mat", undefined, undefined, { id: "cat" });
    await memory.remember("Pasta boils in salted water", undefined, undefined, { id: "pasta" });
    dimension = 384;
    const rebuilt = new Promise((resolve) => memory.once("rebuilt", resolve));
    const hits = await memory.search("a cat on a mat", 1);
    expect(await rebuilt).toMatchObject({ reembedded: 2, dimension: 384 });
    expect(hits[0]?.id).toBe("cat");
    expect(memory.index.dimension).toBe(384);
  });
});
