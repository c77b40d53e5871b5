/**
 * Texts to embeddings with one model, through an injected function (the gateway's sends
 * `/api/embed` through the pool: pool-embed.ts). What it adds:
 * - a cache: an embedding already made (same model, same text) is not asked for again;
 * - coalescing: the same text asked for by several callers at once is embedded once;
 * - batching: texts asked for in the same moment go out together, at most `batchSize` per
 *   request and `concurrency` requests at a time; texts asked for while those run join the next
 *   batch (so under load batches fill up by themselves, and when idle nothing waits);
 * - a check of every answer: one finite vector per text, all of one length. The dimension is
 *   learned from the first answer; when the model starts answering with another (it was replaced
 *   under the same name), the cache is emptied and `onDimensionChange` says so, so the index can
 *   be rebuilt rather than mixed.
 */
import { isHydraError } from "../../errors.js";
import { EmbeddingCache, embeddingCacheKey } from "./embedding-cache.js";
import { EmbeddingError } from "./errors.js";

/** Embeds `inputs` with `model`, one vector per input in order (Ollama's /api/embed). */
export type EmbedFunction = (model: string, inputs: string[]) => Promise<number[][]>;

export interface EmbedderOptions {
  model: string;
  embed: EmbedFunction;
  /** Texts per request (default 64). */
  batchSize?: number;
  /** Requests in flight at once (default 2). */
  concurrency?: number;
  /** Embeddings kept (default 10 000; 0: no cache). */
  cacheEntries?: number;
  /** The model answered with vectors of another length than before. */
  onDimensionChange?(change: { from: number; to: number; model: string }): void;
}

export interface EmbedderStats {
  /** Calls of `embed`. */
  calls: number;
  /** Texts asked for, over all calls. */
  texts: number;
  cacheHits: number;
  /** Texts that joined the same text already on its way. */
  coalesced: number;
  /** Requests made to the embed function, and the texts they carried. */
  batches: number;
  batchedTexts: number;
  errors: number;
  dimensionChanges: number;
  cacheEntries: number;
}

interface Waiter {
  resolve(vector: Float32Array): void;
  reject(error: unknown): void;
}

/** One distinct text waiting for (or being given) its embedding, with everyone who asked. */
interface Pending {
  key: string;
  text: string;
  waiters: Waiter[];
}

const DEFAULT_BATCH_SIZE = 64;
const DEFAULT_CONCURRENCY = 2;
const DEFAULT_CACHE_ENTRIES = 10_000;

export class Embedder {
  readonly model: string;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly #embed: EmbedFunction;
  readonly #cache: EmbeddingCache;
  readonly #onDimensionChange: EmbedderOptions["onDimensionChange"];
  #dimension: number | undefined;
  readonly #queue: Pending[] = [];
  /** Texts queued or in flight, by cache key: a second caller joins instead of asking again. */
  readonly #pending = new Map<string, Pending>();
  #inFlight = 0;
  #scheduled = false;
  readonly #stats = {
    calls: 0,
    texts: 0,
    cacheHits: 0,
    coalesced: 0,
    batches: 0,
    batchedTexts: 0,
    errors: 0,
    dimensionChanges: 0,
  };

  constructor(options: EmbedderOptions) {
    this.model = options.model;
    this.#embed = options.embed;
    this.batchSize = Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE);
    this.concurrency = Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY);
    this.#cache = new EmbeddingCache(options.cacheEntries ?? DEFAULT_CACHE_ENTRIES);
    this.#onDimensionChange = options.onDimensionChange;
  }

  /** The length of this model's vectors, known after its first answer. */
  get dimension(): number | undefined {
    return this.#dimension;
  }

  get stats(): EmbedderStats {
    return { ...this.#stats, cacheEntries: this.#cache.size };
  }

  /** One vector per text, in order. Each is the caller's own copy. */
  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    this.#stats.calls++;
    this.#stats.texts += texts.length;
    if (texts.length === 0) return [];
    const vectors = await Promise.all(texts.map((text) => this.#embedOne(text)));
    return vectors.map((vector) => vector.slice());
  }

  async embedOne(text: string): Promise<Float32Array> {
    const [vector] = await this.embed([text]);
    return vector as Float32Array;
  }

  #embedOne(text: string): Promise<Float32Array> {
    const key = embeddingCacheKey(this.model, text);
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      this.#stats.cacheHits++;
      return Promise.resolve(cached);
    }
    return new Promise<Float32Array>((resolve, reject) => {
      const waiter = { resolve, reject };
      const pending = this.#pending.get(key);
      if (pending !== undefined) {
        this.#stats.coalesced++;
        pending.waiters.push(waiter);
        return;
      }
      const entry: Pending = { key, text, waiters: [waiter] };
      this.#pending.set(key, entry);
      this.#queue.push(entry);
      this.#schedule();
    });
  }

  /** Sends on the next turn of the event loop, so that callers of this turn share the batch. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight < this.concurrency && this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.batchSize);
      this.#inFlight++;
      void this.#send(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  async #send(batch: Pending[]): Promise<void> {
    this.#stats.batches++;
    this.#stats.batchedTexts += batch.length;
    let vectors: Float32Array[];
    try {
      const answer = await this.#embed(
        this.model,
        batch.map((entry) => entry.text),
      );
      vectors = this.#check(answer, batch.length);
    } catch (error) {
      this.#stats.errors++;
      // A HydraError (no node has the model, the cluster is busy) already says what to do.
      const failure = isHydraError(error)
        ? error
        : new EmbeddingError(this.model, error instanceof Error ? error.message : String(error), {
            cause: error,
          });
      for (const entry of batch) {
        this.#pending.delete(entry.key);
        for (const waiter of entry.waiters) waiter.reject(failure);
      }
      return;
    }
    batch.forEach((entry, i) => {
      const vector = vectors[i] as Float32Array;
      this.#pending.delete(entry.key);
      this.#cache.set(entry.key, vector);
      for (const waiter of entry.waiters) waiter.resolve(vector);
    });
  }

  /** The answer as float32 vectors, or an EmbeddingError that says what was wrong with it. */
  #check(answer: unknown, expected: number): Float32Array[] {
    if (!Array.isArray(answer) || answer.length !== expected) {
      const got = Array.isArray(answer) ? `${answer.length} vectors` : "no list of vectors";
      throw new EmbeddingError(this.model, `asked for ${expected} embeddings, the cluster answered ${got}`);
    }
    const vectors = answer.map((row: unknown, i) => {
      if (!Array.isArray(row) || row.length === 0) {
        throw new EmbeddingError(
          this.model,
          `embedding ${i} of the answer is not a non-empty list of numbers`,
        );
      }
      const vector = new Float32Array(row.length);
      for (let j = 0; j < row.length; j++) {
        const value: unknown = row[j];
        if (typeof value !== "number" || !Number.isFinite(value)) {
          throw new EmbeddingError(this.model, `embedding ${i} has a non-finite component at ${j}`);
        }
        vector[j] = value;
      }
      return vector;
    });
    const dimension = (vectors[0] as Float32Array).length;
    if (vectors.some((vector) => vector.length !== dimension)) {
      throw new EmbeddingError(this.model, "the answer mixes vectors of different lengths");
    }
    if (this.#dimension !== undefined && this.#dimension !== dimension) {
      // The model behind the name changed: embeddings of the old one must not be served again.
      const from = this.#dimension;
      this.#cache.clear();
      this.#stats.dimensionChanges++;
      this.#dimension = dimension;
      this.#onDimensionChange?.({ from, to: dimension, model: this.model });
    }
    this.#dimension = dimension;
    return vectors;
  }
}
