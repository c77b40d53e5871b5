/**
 * `memory.vectors`: L4, the vector index for semantic search. Embeddings come from the cluster
 * (`/api/embed` through the pool) with `model`; the index is sqlite-vec in a file under the data
 * dir; with `memory.postgres.url` set, embeddings are also kept in PostgreSQL so that gateways
 * sharing the database see each other's entries. Every key has a default.
 */
import { z } from "zod";

/** sqlite-vec answers at most this many neighbours per query (its own limit). */
export const SQLITE_VEC_MAX_K = 4096;

const positiveMs = (what: string, fallback: number) =>
  z
    .number({ error: `${what} must be a number of milliseconds` })
    .int({ error: `${what} must be a whole number of milliseconds` })
    .positive({ error: `${what} must be > 0 milliseconds` })
    .default(fallback);

export const vectorSyncConfigSchema = z.strictObject({
  /**
   * Besides LISTEN/NOTIFY (which makes a new entry searchable on the other gateways within
   * milliseconds), each gateway reads what it may have missed this often.
   */
  pollIntervalMs: positiveMs("pollIntervalMs", 10_000),
  /** After the PostgreSQL connection that listens is lost, the first reconnect waits this long ... */
  reconnectBaseMs: positiveMs("reconnectBaseMs", 200),
  /** ... doubling up to this. */
  reconnectMaxMs: positiveMs("reconnectMaxMs", 5_000),
});

export const vectorConfigSchema = z.strictObject({
  /** Off: no vector index is opened and /v1/hydra/memory/search answers 503. */
  enabled: z.boolean().default(true),
  /**
   * The embedding model, served by the cluster. Changing it rebuilds the index at the next start
   * (stored texts are embedded again); vectors of two models are never mixed.
   */
  model: z
    .string()
    .min(1, { error: "model must name an embedding model, e.g. nomic-embed-text" })
    .default("nomic-embed-text"),
  /** The sqlite-vec database file; default `<dataDir>/vectors.db`. ":memory:" keeps nothing. */
  file: z.string().min(1).optional(),
  /** Texts sent to the cluster in one `/api/embed` request; more wait for the next batch. */
  batchSize: z.number().int().min(1).max(2048).default(64),
  /** `/api/embed` requests in flight at once; texts asked for meanwhile join the next batch. */
  concurrency: z.number().int().min(1).max(64).default(2),
  /** Embeddings kept in memory (least recently used first out), keyed by model and text hash; 0: none. */
  cacheEntries: z.number().int().nonnegative().default(10_000),
  /**
   * Search an in-memory copy of the vectors with a WebAssembly SIMD scan (exact, several times
   * faster than sqlite-vec's own scan; costs 4 bytes × dimension per entry of memory, about 3 KB
   * for a 768-dim model). Off: sqlite-vec's scan (also exact).
   */
  accelerate: z.boolean().default(true),
  /** Largest `k` a search may ask for (sqlite-vec allows at most 4096). */
  maxK: z.number().int().min(1).max(SQLITE_VEC_MAX_K).default(100),
  /** Longest query or remembered text in characters; longer ones get 400. */
  maxTextChars: z.number().int().positive().default(100_000),
  /** PostgreSQL sync between gateways (used only with `memory.postgres.url`). */
  sync: vectorSyncConfigSchema.default(vectorSyncConfigSchema.parse({})),
});

export type VectorConfig = z.infer<typeof vectorConfigSchema>;
export type VectorConfigInput = z.input<typeof vectorConfigSchema>;
