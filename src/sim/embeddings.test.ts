import { describe, expect, it } from "vitest";
import { cosineSimilarity, embedText } from "./embeddings.js";

describe("embeddings", () => {
  it("gives the same unit-length vector for the same text", () => {
    const a = embedText("The cat sat on the mat", 768);
    expect(a).toHaveLength(768);
    expect(embedText("The cat sat on the mat", 768)).toEqual(a);
    expect(Math.hypot(...a)).toBeCloseTo(1, 10);
  });

  it("puts similar sentences closer than unrelated ones", () => {
    const dims = 384;
    const cat = embedText("The cat sat on the mat", dims);
    const kitten = embedText("A cat was sitting on the mat", dims);
    const gpu = embedText("Quarterly revenue of GPU vendors grew strongly", dims);
    expect(cosineSimilarity(cat, kitten)).toBeGreaterThan(cosineSimilarity(cat, gpu) + 0.3);
  });

  it("returns zeros for text without words", () => {
    expect(embedText("  ", 8)).toEqual(new Array(8).fill(0));
  });
});
