/**
 * Deterministic text embeddings: hashed character trigrams of each word plus whole-word
 * features, signed into a fixed number of dimensions (the "hashing trick") and L2-normalised.
 * Texts that share words and word fragments share dimensions, so similar sentences get a
 * higher cosine similarity than unrelated ones, and the same text always gives the same vector.
 */
import { hashString } from "./rng.js";

const WORD_WEIGHT = 1.0;
const TRIGRAM_WEIGHT = 0.5;
const BIGRAM_WEIGHT = 0.7;

/** An L2-normalised vector of `dimensions` floats for `text`; the zero-text vector is all zeros. */
export function embedText(text: string, dimensions: number): number[] {
  const vector = new Float64Array(dimensions);
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const add = (feature: string, weight: number) => {
    const h = hashString(feature);
    const index = h % dimensions;
    // A second, independent hash picks the sign, so collisions cancel out on average.
    const sign = hashString(feature, 0x9e3779b9) & 1 ? 1 : -1;
    vector[index] = (vector[index] ?? 0) + sign * weight;
  };
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    add(`w:${word}`, WORD_WEIGHT);
    const padded = `<${word}>`;
    for (let j = 0; j + 3 <= padded.length; j++) add(`g:${padded.slice(j, j + 3)}`, TRIGRAM_WEIGHT);
    const next = words[i + 1];
    if (next !== undefined) add(`b:${word} ${next}`, BIGRAM_WEIGHT);
  }
  return normalize(Array.from(vector));
}

/** Scales a vector to unit length (Ollama normalises /api/embed output the same way). */
export function normalize(vector: number[]): number[] {
  let sum = 0;
  for (const v of vector) sum += v * v;
  const norm = Math.sqrt(sum);
  if (norm < 1e-12) return vector.map(() => 0);
  return vector.map((v) => v / norm);
}

export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
