/**
 * The embedder's cache: the most recently used embeddings, keyed by model and a hash of the text
 * (a SHA-256 keeps long texts out of memory while two different texts never share a key in
 * practice). A Map keeps insertion order, so re-inserting on a hit makes it an LRU.
 */
import { createHash } from "node:crypto";
import { modelKey } from "../../protocol/ollama/model-name.js";

export function embeddingCacheKey(model: string, text: string): string {
  return `${modelKey(model)}\u0000${createHash("sha256").update(text).digest("base64")}`;
}

export class EmbeddingCache {
  readonly capacity: number;
  readonly #entries = new Map<string, Float32Array>();
  evictions = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): Float32Array | undefined {
    const vector = this.#entries.get(key);
    if (vector !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, vector);
    }
    return vector;
  }

  set(key: string, vector: Float32Array): void {
    if (this.capacity === 0) return;
    this.#entries.delete(key);
    this.#entries.set(key, vector);
    while (this.#entries.size > this.capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
      this.evictions++;
    }
  }

  clear(): void {
    this.#entries.clear();
  }
}
