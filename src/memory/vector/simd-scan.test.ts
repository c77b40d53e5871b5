import { describe, expect, it } from "vitest";
import { exactTopK } from "./exact-search.js";
import { randomUnitVectors, vectorAt } from "./random-vectors.js";
import { SimdScanner } from "./simd-scan.js";

function scanner(dimension: number): SimdScanner {
  const created = SimdScanner.create(dimension);
  if (created === undefined) throw new Error("this Node has no WebAssembly SIMD");
  return created;
}

describe("SimdScanner", () => {
  it.each([7, 16, 33, 768])(
    "finds the exact top-k of %i-dim vectors, as many as to grow its memory",
    (dims) => {
      const count = 2_500;
      const data = randomUnitVectors(count, dims, dims);
      const ids = Array.from({ length: count }, (_, i) => String(i));
      const scan = scanner(dims);
      for (let i = 0; i < count; i++) scan.set(i, vectorAt(data, dims, i));
      expect(scan.size).toBe(count);
      for (let q = 0; q < 5; q++) {
        const query = vectorAt(randomUnitVectors(1, dims, 500 + q), dims, 0);
        const hits = scan.topK(query, 10);
        const exact = exactTopK({ ids, data, dimension: dims }, query, 10);
        expect(hits.map((hit) => String(hit.key))).toEqual(exact.map((hit) => hit.id));
        hits.forEach((hit, i) => {
          expect(hit.score).toBeCloseTo(exact[i]?.score ?? 0, 5);
        });
      }
    },
  );

  it("replaces a vector set again under its key, and forgets a removed one (moving the last into its place)", () => {
    const scan = scanner(2);
    scan.set(1, Float32Array.from([1, 0]));
    scan.set(2, Float32Array.from([0, 1]));
    scan.set(3, Float32Array.from([-1, 0]));
    scan.set(1, Float32Array.from([0, -1]));
    expect(scan.topK(Float32Array.from([0, -1]), 1)).toEqual([{ key: 1, score: 1 }]);
    expect(scan.remove(1)).toBe(true);
    expect(scan.remove(1)).toBe(false);
    expect(scan.size).toBe(2);
    expect(scan.topK(Float32Array.from([-1, 0]), 5).map((hit) => hit.key)).toEqual([3, 2]);
  });

  it("keeps only vectors with the tag, or with keys in the set", () => {
    const scan = scanner(2);
    scan.set(10, Float32Array.from([1, 0]), 0);
    scan.set(11, Float32Array.from([0.8, 0.6]), 1);
    scan.set(12, Float32Array.from([0.6, 0.8]), 1);
    const query = Float32Array.from([1, 0]);
    expect(scan.topK(query, 5, { tag: 1 }).map((hit) => hit.key)).toEqual([11, 12]);
    expect(scan.topK(query, 1, { keys: new Set([12, 10]) }).map((hit) => hit.key)).toEqual([10]);
    expect(scan.topK(query, 5, { tag: 0, keys: new Set([11]) })).toEqual([]);
  });

  it("answers nothing while empty, and refuses another dimension", () => {
    const scan = scanner(3);
    expect(scan.topK(Float32Array.from([1, 0, 0]), 3)).toEqual([]);
    expect(() => scan.set(1, Float32Array.from([1, 0]))).toThrow(/3-dim/);
  });
});
