/**
 * Semantic memory: remember texts, find the ones closest in meaning. The facade over the embedder
 * (texts → vectors from the cluster), the local sqlite-vec index, and, with PostgreSQL, the shared
 * log and its sync (so an entry remembered on one gateway is found on every gateway sharing the
 * database, within milliseconds when NOTIFY works, within `pollIntervalMs` at worst).
 *
 * Writes: without PostgreSQL, straight into the local index. With it, into the log first (the
 * durable, shared copy), then `remember` waits until the local sync has applied that change: the
 * log's order is the one order every gateway applies, so concurrent writers of one id end with the
 * same winner everywhere, and `remember` resolves only when its entry is searchable here.
 *
 * Opening with another embedding model than the index holds rebuilds the index (its texts are
 * embedded again) before anything else; so does a model that starts answering with vectors of
 * another length. Vectors of two models are never mixed.
 */
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { VectorConfig } from "./config.js";
import { Embedder, type EmbedFunction } from "./embedder.js";
import { VectorQueryError } from "./errors.js";
import type { Metadata, VectorFilter } from "./filter.js";
import { type SharedLogLogger, SharedVectorLog } from "./shared-log.js";
import {
  DEFAULT_NAMESPACE,
  type RebuildProgress,
  type RebuildResult,
  type StoredItem,
  type VectorHit,
  VectorIndex,
  type VectorIndexStats,
} from "./vector-index.js";
import { toUnitVector } from "./vector-math.js";
import { type SyncApplied, VectorSync } from "./vector-sync.js";

export interface SemanticMemoryLogger extends SharedLogLogger {}

export interface SharedStoreOptions {
  /** `postgres://...`: the database the gateways share. */
  connectionString: string;
  /** Schema of the table (created if missing). */
  schema: string;
  pollIntervalMs?: number;
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  maxConnections?: number;
}

export interface SemanticMemoryOptions {
  /** The sqlite-vec file; ":memory:" keeps nothing. */
  file: string;
  /** The embedding model. */
  model: string;
  /** Search with the SIMD scan of an in-memory copy (default true); see VectorIndexOptions. */
  accelerate?: boolean;
  /** How texts reach the cluster (`poolEmbedFunction(pool)` in the gateway). */
  embed: EmbedFunction;
  batchSize?: number;
  concurrency?: number;
  cacheEntries?: number;
  /** Longest text remembered or searched for (default 100 000 characters). */
  maxTextChars?: number;
  /** With PostgreSQL: embeddings shared with the other gateways. */
  shared?: SharedStoreOptions;
  log?: SemanticMemoryLogger;
  /** Progress of a rebuild (model change); logged every 10 % when a log is given. */
  onRebuildProgress?(progress: RebuildProgress): void;
}

export interface RememberEntry {
  text: string;
  metadata?: Metadata;
  namespace?: string;
  /** Default: a random UUID. The same id again replaces the entry. */
  id?: string;
}

export interface SemanticMemoryStats {
  index: VectorIndexStats;
  embedder: Embedder["stats"];
  shared: { schema: string; table: string; listening: boolean; watermark: number } | undefined;
  lastRebuild: RebuildResult | undefined;
}

export interface SemanticMemoryEvents {
  /** The local index applied changes from the shared log. */
  synced: [SyncApplied];
  rebuilt: [RebuildResult];
}

const DEFAULT_MAX_TEXT_CHARS = 100_000;

export class SemanticMemory extends EventEmitter<SemanticMemoryEvents> {
  readonly index: VectorIndex;
  readonly embedder: Embedder;
  readonly shared: SharedVectorLog | undefined;
  readonly sync: VectorSync | undefined;
  readonly maxTextChars: number;
  readonly #options: SemanticMemoryOptions;
  #lastRebuild: RebuildResult | undefined;
  #rebuild: Promise<RebuildResult> | undefined;
  #closed = false;

  private constructor(
    options: SemanticMemoryOptions,
    parts: {
      index: VectorIndex;
      embedder: Embedder;
      shared: SharedVectorLog | undefined;
      sync: VectorSync | undefined;
    },
  ) {
    super();
    this.#options = options;
    this.index = parts.index;
    this.embedder = parts.embedder;
    this.shared = parts.shared;
    this.sync = parts.sync;
    this.maxTextChars = options.maxTextChars ?? DEFAULT_MAX_TEXT_CHARS;
    this.sync?.on("applied", (applied) => this.emit("synced", applied));
  }

  /**
   * Opens the index (rebuilding it first if the model changed) and, with `shared`, the PostgreSQL
   * log, catching up with it before resolving. Rejects when PostgreSQL cannot be reached.
   */
  static async open(options: SemanticMemoryOptions): Promise<SemanticMemory> {
    if (options.file !== ":memory:") mkdirSync(dirname(options.file), { recursive: true });
    const index = VectorIndex.open({
      file: options.file,
      model: options.model,
      ...(options.accelerate === undefined ? {} : { accelerate: options.accelerate }),
    });
    const embedder = new Embedder({
      model: options.model,
      embed: options.embed,
      ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.cacheEntries === undefined ? {} : { cacheEntries: options.cacheEntries }),
    });
    let shared: SharedVectorLog | undefined;
    let sync: VectorSync | undefined;
    try {
      const rebuilt = index.needsRebuild ? await rebuildIndex(index, embedder, options) : undefined;
      const s = options.shared;
      if (s !== undefined) {
        shared = await SharedVectorLog.open({
          connectionString: s.connectionString,
          schema: s.schema,
          ...(s.maxConnections === undefined ? {} : { maxConnections: s.maxConnections }),
          ...(s.reconnectBaseMs === undefined ? {} : { reconnectBaseMs: s.reconnectBaseMs }),
          ...(s.reconnectMaxMs === undefined ? {} : { reconnectMaxMs: s.reconnectMaxMs }),
          ...(options.log === undefined ? {} : { log: options.log }),
        });
        sync = new VectorSync({
          index,
          log: shared,
          embedder,
          ...(s.pollIntervalMs === undefined ? {} : { pollIntervalMs: s.pollIntervalMs }),
          ...(options.log === undefined ? {} : { logger: options.log }),
        });
      }
      const memory = new SemanticMemory(options, { index, embedder, shared, sync });
      memory.#lastRebuild = rebuilt;
      await sync?.start();
      return memory;
    } catch (error) {
      sync?.stop();
      await shared?.close();
      index.close();
      throw error;
    }
  }

  /** Embeds `text` and stores it; resolves to its id once it is searchable here. */
  async remember(
    text: string,
    metadata?: Metadata,
    namespace?: string,
    options: { id?: string } = {},
  ): Promise<{ id: string }> {
    const entry: RememberEntry = { text };
    if (metadata !== undefined) entry.metadata = metadata;
    if (namespace !== undefined) entry.namespace = namespace;
    if (options.id !== undefined) entry.id = options.id;
    const [id] = await this.rememberMany([entry]);
    return { id: id as string };
  }

  /** Several entries in one embedding batch and one write; resolves to their ids, in order. */
  async rememberMany(entries: readonly RememberEntry[]): Promise<string[]> {
    this.#assertOpen();
    if (entries.length === 0) return [];
    for (const entry of entries) this.#checkText(entry.text, "text");
    const vectors = await this.#embed(entries.map((entry) => entry.text));
    const items = entries.map((entry, i) => ({
      id: entry.id ?? randomUUID(),
      vector: vectors[i] as Float32Array,
      text: entry.text,
      namespace: entry.namespace ?? DEFAULT_NAMESPACE,
      ...(entry.metadata === undefined ? {} : { metadata: entry.metadata }),
    }));
    if (this.shared === undefined || this.sync === undefined) {
      this.index.add(items);
    } else {
      const seq = await this.shared.append(
        items.map((item) => ({
          id: item.id,
          model: this.index.model,
          namespace: item.namespace,
          text: item.text,
          ...(item.metadata === undefined ? {} : { metadata: item.metadata }),
          // Stored as the index stores it: unit length.
          embedding: toUnitVector(item.vector),
        })),
      );
      await this.sync.syncUntil(seq);
    }
    return items.map((item) => item.id);
  }

  /**
   * The k entries closest in meaning to `query` (a text, embedded with the model; or a vector of
   * the index's dimension), best first, that pass `filter`.
   */
  async search(query: string | ArrayLike<number>, k = 10, filter?: VectorFilter): Promise<VectorHit[]> {
    this.#assertOpen();
    if (typeof query === "string") {
      this.#checkText(query, "query");
      const [vector] = await this.#embed([query]);
      return this.index.search(vector as Float32Array, k, filter);
    }
    return this.index.search(query, k, filter);
  }

  /** Removes the entry here and, with PostgreSQL, on every gateway; false when there was none. */
  async forget(id: string): Promise<boolean> {
    this.#assertOpen();
    if (this.shared === undefined || this.sync === undefined) return this.index.delete(id);
    const present = this.index.get(id) !== undefined;
    const seq = await this.shared.remove([id]);
    if (seq === undefined) return present && this.index.delete(id);
    await this.sync.syncUntil(seq);
    return true;
  }

  get(id: string): StoredItem | undefined {
    return this.index.get(id);
  }

  stats(): SemanticMemoryStats {
    return {
      index: this.index.stats(),
      embedder: this.embedder.stats,
      shared:
        this.shared === undefined
          ? undefined
          : {
              schema: this.shared.schema,
              table: this.shared.table,
              listening: this.shared.listening,
              watermark: this.sync?.watermark ?? 0,
            },
      lastRebuild: this.#lastRebuild,
    };
  }

  /** Re-embeds every stored text with the configured model (one rebuild at a time). */
  rebuild(): Promise<RebuildResult> {
    this.#rebuild ??= this.#runRebuild().finally(() => {
      this.#rebuild = undefined;
    });
    return this.#rebuild;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.sync?.stop();
    await this.shared?.close();
    await this.#rebuild?.catch(() => {});
    this.index.close();
  }

  async #runRebuild(): Promise<RebuildResult> {
    const result = await rebuildIndex(this.index, this.embedder, this.#options);
    this.#lastRebuild = result;
    this.emit("rebuilt", result);
    return result;
  }

  /** Embeds, and rebuilds first if the model now answers with another dimension than the index holds. */
  async #embed(texts: string[]): Promise<Float32Array[]> {
    const vectors = await this.embedder.embed(texts);
    const dimension = this.index.dimension;
    const got = vectors[0]?.length;
    // Even an emptied index keeps its dimension; a rebuild of an empty one only resets it.
    if (dimension !== undefined && got !== undefined && got !== dimension) {
      await this.rebuild();
    }
    return vectors;
  }

  #checkText(text: unknown, what: string): void {
    if (typeof text !== "string" || text.trim() === "") {
      throw new VectorQueryError(
        `${what} is empty; send the text to ${what === "query" ? "search for" : "remember"}`,
      );
    }
    if (text.length > this.maxTextChars) {
      throw new VectorQueryError(
        `${what} is ${text.length} characters, more than the limit of ${this.maxTextChars} (memory.vectors.maxTextChars); send a shorter text`,
      );
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new Error("semantic memory is closed");
  }
}

/** Opens semantic memory from `memory.vectors` (and `memory.postgres` when it has a URL). */
export function openSemanticMemory(
  config: VectorConfig,
  context: {
    dataDir: string;
    embed: EmbedFunction;
    postgres?: { url?: string | undefined; schema: string };
    log?: SemanticMemoryLogger;
  },
): Promise<SemanticMemory> {
  const options: SemanticMemoryOptions = {
    file: config.file ?? join(context.dataDir, "vectors.db"),
    model: config.model,
    accelerate: config.accelerate,
    embed: context.embed,
    batchSize: config.batchSize,
    concurrency: config.concurrency,
    cacheEntries: config.cacheEntries,
    maxTextChars: config.maxTextChars,
  };
  if (context.log !== undefined) options.log = context.log;
  const url = context.postgres?.url;
  if (url !== undefined && context.postgres !== undefined) {
    options.shared = {
      connectionString: url,
      schema: context.postgres.schema,
      pollIntervalMs: config.sync.pollIntervalMs,
      reconnectBaseMs: config.sync.reconnectBaseMs,
      reconnectMaxMs: config.sync.reconnectMaxMs,
    };
  }
  return SemanticMemory.open(options);
}

/** Embeds every stored text again with the embedder's model, logging progress every 10 %. */
async function rebuildIndex(
  index: VectorIndex,
  embedder: Embedder,
  options: Pick<SemanticMemoryOptions, "log" | "onRebuildProgress">,
): Promise<RebuildResult> {
  const log = options.log;
  let lastTenth = -1;
  log?.info(
    { from: index.model, to: embedder.model, entries: index.count() },
    "vector index: the embedding model changed; embedding the stored texts again",
  );
  const result = await index.rebuild((texts) => embedder.embed(texts), {
    batchSize: embedder.batchSize,
    onProgress: (progress) => {
      options.onRebuildProgress?.(progress);
      const tenth = progress.total === 0 ? 10 : Math.floor((progress.done / progress.total) * 10);
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        log?.info({ ...progress }, "vector index: rebuilding");
      }
    },
  });
  log?.info({ ...result }, "vector index: rebuilt");
  return result;
}
