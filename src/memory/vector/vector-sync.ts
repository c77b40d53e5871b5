/**
 * Keeps a gateway's local vector index up to date with the shared PostgreSQL log: every change
 * after the index's watermark, in seq order, applied in one SQLite transaction per page together
 * with the new watermark (so a crash never applies a change twice or skips one). A catch-up runs
 * at start, on every NOTIFY, after the listener reconnects, every `pollIntervalMs` in case a
 * notification was lost, and when this gateway wrote something and waits to see it (`syncUntil`).
 * Catch-ups never overlap: a request during one makes it run once more.
 *
 * A row of this gateway's model brings its vector; a row of another model (a gateway configured
 * differently) brings only its text, which is embedded here with this gateway's model.
 */
import { EventEmitter } from "node:events";
import { modelKey } from "../../protocol/ollama/model-name.js";
import type { Embedder } from "./embedder.js";
import type { SharedRow, SharedVectorLog } from "./shared-log.js";
import type { StoredItem, VectorIndex, VectorItem } from "./vector-index.js";

export type RowAction =
  | { kind: "delete" }
  | { kind: "upsert"; vector: Float32Array }
  | { kind: "reembed"; text: string }
  | { kind: "skip" };

/**
 * What to do with one row of the log, given what the local index holds for its id (pure):
 * - a deletion removes the entry if it is here;
 * - a row of this index's model and dimension is taken as it is;
 * - a row of another model (or dimension) is embedded again from its text, unless the entry is
 *   here already with the same text, namespace and metadata (then there is nothing new);
 * - a row without text of another model cannot be used.
 */
export function planRow(
  row: SharedRow,
  local: StoredItem | undefined,
  model: string,
  dimension: number | undefined,
): RowAction {
  if (row.deleted) return local === undefined ? { kind: "skip" } : { kind: "delete" };
  const sameModel = modelKey(row.model) === modelKey(model);
  if (
    sameModel &&
    row.embedding !== undefined &&
    (dimension === undefined || row.embedding.length === dimension)
  ) {
    return { kind: "upsert", vector: row.embedding };
  }
  if (row.text === undefined) return { kind: "skip" };
  if (
    local !== undefined &&
    local.text === row.text &&
    local.namespace === row.namespace &&
    canonicalJson(local.metadata ?? null) === canonicalJson(row.metadata ?? null)
  ) {
    return { kind: "skip" };
  }
  return { kind: "reembed", text: row.text };
}

/** JSON with object keys sorted: PostgreSQL's jsonb does not keep the order they were written in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : inner,
  );
}

export interface VectorSyncOptions {
  index: VectorIndex;
  log: SharedVectorLog;
  /** Embeds rows written with another model. */
  embedder: Embedder;
  /** Default 10 000 ms. */
  pollIntervalMs?: number;
  /** Rows read per query (default 500). */
  pageSize?: number;
  logger?: { warn(obj: object, msg?: string): void; info(obj: object, msg?: string): void };
}

export interface SyncApplied {
  /** Rows read from the log. */
  rows: number;
  upserted: number;
  reembedded: number;
  deleted: number;
  watermark: number;
}

export interface VectorSyncEvents {
  /** A catch-up read something (even if it changed nothing). */
  applied: [SyncApplied];
  "sync-error": [unknown];
}

const DEFAULT_PAGE_SIZE = 500;
const DEFAULT_POLL_MS = 10_000;

export class VectorSync extends EventEmitter<VectorSyncEvents> {
  readonly #index: VectorIndex;
  readonly #log: SharedVectorLog;
  readonly #embedder: Embedder;
  readonly #pageSize: number;
  readonly #pollIntervalMs: number;
  readonly #logger: VectorSyncOptions["logger"];
  readonly #watermarkKey: string;
  #running: Promise<void> | undefined;
  #again = false;
  #timer: NodeJS.Timeout | undefined;
  #failing = false;
  #stopped = false;
  readonly #onChange = () => {
    this.requestSync().catch(() => {
      // Reported by #loop (logged once per outage, and as "sync-error"); the next change retries.
    });
  };

  constructor(options: VectorSyncOptions) {
    super();
    this.#index = options.index;
    this.#log = options.log;
    this.#embedder = options.embedder;
    this.#pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_MS;
    this.#logger = options.logger;
    this.#watermarkKey = `sync:${options.log.logId}`;
  }

  /** The seq of the last change applied locally. */
  get watermark(): number {
    return Number(this.#index.getMeta(this.#watermarkKey) ?? "0");
  }

  /** Catches up, then listens for changes and polls. Rejects if the first catch-up fails. */
  async start(): Promise<void> {
    await this.requestSync();
    this.#log.on("change", this.#onChange);
    await this.#log.listen();
    this.#timer = setInterval(this.#onChange, this.#pollIntervalMs);
    this.#timer.unref();
  }

  /** Runs a catch-up (or joins the one running, which then runs once more). */
  requestSync(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#again = true;
    if (this.#running === undefined) {
      this.#running = this.#loop().finally(() => {
        this.#running = undefined;
      });
    }
    return this.#running;
  }

  /** Resolves once every change up to `seq` (one this gateway just wrote) is in the local index. */
  async syncUntil(seq: number): Promise<void> {
    while (this.watermark < seq && !this.#stopped) await this.requestSync();
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#log.off("change", this.#onChange);
  }

  async #loop(): Promise<void> {
    try {
      while (this.#again && !this.#stopped) {
        this.#again = false;
        await this.#catchUp();
      }
      if (this.#failing) {
        this.#failing = false;
        this.#logger?.info({}, "vector sync: caught up with PostgreSQL again");
      }
    } catch (error) {
      if (!this.#failing) {
        this.#failing = true;
        this.#logger?.warn(
          { err: error instanceof Error ? error.message : String(error) },
          "vector sync: cannot read the shared log; local search goes on, retrying on the next change or poll",
        );
      }
      this.emit("sync-error", error);
      throw error;
    }
  }

  async #catchUp(): Promise<void> {
    for (;;) {
      const from = this.watermark;
      const rows = await this.#log.readSince(from, this.#pageSize);
      if (rows.length === 0 || this.#stopped) return;
      // Plan in order against what the index will hold by then (a page may touch an id twice).
      const overlay = new Map<string, StoredItem | undefined>();
      const localOf = (id: string) => (overlay.has(id) ? overlay.get(id) : this.#index.get(id));
      const plans = rows.map((row) => {
        const action = planRow(row, localOf(row.id), this.#index.model, this.#index.dimension);
        if (action.kind === "delete") overlay.set(row.id, undefined);
        else if (action.kind !== "skip") {
          overlay.set(row.id, {
            id: row.id,
            namespace: row.namespace,
            text: row.text,
            metadata: row.metadata,
          });
        }
        return { row, action };
      });
      const texts = plans.flatMap(({ action }) => (action.kind === "reembed" ? [action.text] : []));
      const embedded = texts.length === 0 ? [] : await this.#embedder.embed(texts);
      if (this.#stopped) return;
      const applied: SyncApplied = {
        rows: rows.length,
        upserted: 0,
        reembedded: 0,
        deleted: 0,
        watermark: from,
      };
      const last = (rows[rows.length - 1] as SharedRow).seq;
      this.#index.transaction(() => {
        let next = 0;
        for (const { row, action } of plans) {
          if (action.kind === "delete") {
            this.#index.delete(row.id);
            applied.deleted++;
            continue;
          }
          if (action.kind === "skip") continue;
          const vector = action.kind === "upsert" ? action.vector : (embedded[next++] as Float32Array);
          const item: VectorItem = { id: row.id, vector, namespace: row.namespace };
          if (row.text !== undefined) item.text = row.text;
          if (row.metadata !== undefined) item.metadata = row.metadata;
          this.#index.add([item]);
          if (action.kind === "upsert") applied.upserted++;
          else applied.reembedded++;
        }
        this.#index.setMeta(this.#watermarkKey, String(last));
      });
      applied.watermark = last;
      this.emit("applied", applied);
      if (rows.length < this.#pageSize) return;
    }
  }
}
