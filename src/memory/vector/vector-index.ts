/**
 * L4's local index: sqlite-vec in one SQLite file (default `<dataDir>/vectors.db`; ":memory:" for
 * tests). Searches are exact, brute force (every stored vector is compared with the query), so
 * recall is 1.0 by construction: by default on an in-memory copy of the vectors with a SIMD scan
 * (simd-scan.ts, several times faster than sqlite-vec's prebuilt scan, which has no AVX), else,
 * or when that copy cannot be held, by sqlite-vec's vec0 KNN itself.
 *
 * Tables:
 * - `vector_meta` (key, value): the embedding model and dimension of the stored vectors, the
 *   current vec0 table, and whatever the sync keeps there (its watermark);
 * - `vector_items` (rid, id, namespace, text, metadata JSON, updated_at): one row per entry;
 * - `vectors_g<N>`: the vec0 table (rowid = rid), unit vectors compared by L2 (vector-math.ts says
 *   why that ranks by cosine), with `namespace` as a filterable metadata column.
 *
 * One index holds vectors of one model and one dimension, never a mix. Opened with another model
 * than the stored one, the index must be rebuilt (`rebuild`: every stored text embedded again into
 * a new vec0 table that replaces the old one in one transaction; a crash meanwhile leaves the old
 * index, and the next start rebuilds again). Until then it refuses searches and additions.
 */
import Database from "better-sqlite3";
import * as sqliteVec from "sqlite-vec";
import { modelKey } from "../../protocol/ollama/model-name.js";
import { SQLITE_VEC_MAX_K } from "./config.js";
import { VectorDimensionError, VectorIndexUnavailableError, VectorQueryError } from "./errors.js";
import { filterToSql, type Metadata, metadataConditions, type VectorFilter } from "./filter.js";
import { type ScanFilter, SimdScanner } from "./simd-scan.js";
import { bytesToVector, cosineFromUnitDistance, toUnitVector, vectorToBytes } from "./vector-math.js";

export const DEFAULT_NAMESPACE = "default";

export interface VectorItem {
  id: string;
  vector: ArrayLike<number>;
  text?: string;
  metadata?: Metadata;
  namespace?: string;
}

export interface StoredItem {
  id: string;
  namespace: string;
  text: string | undefined;
  metadata: Metadata | undefined;
}

export interface VectorHit extends StoredItem {
  /** Cosine similarity with the query, in [-1, 1]; higher is closer. */
  score: number;
  /** Cosine distance, 1 - score. */
  distance: number;
}

export interface VectorIndexOptions {
  /** The SQLite file; ":memory:" keeps nothing. */
  file: string;
  /** The embedding model whose vectors this index holds (names as Ollama compares them). */
  model: string;
  /**
   * Search a copy of the vectors in memory with the SIMD scan (simd-scan.ts; default true), or
   * with sqlite-vec's own scan. Both are exact; the SIMD scan is several times faster and costs
   * 4 bytes per dimension per entry of memory.
   */
  accelerate?: boolean;
}

/** A change to the in-memory copy, applied once the transaction that made it has committed. */
type MirrorChange =
  | { kind: "set"; rid: number; unit: Float32Array; namespace: string }
  | { kind: "remove"; rid: number };

export interface RebuildProgress {
  /** Texts embedded again so far, of `total`. */
  done: number;
  total: number;
}

export interface RebuildResult {
  /** Entries whose text was embedded again with the new model. */
  reembedded: number;
  /** Entries without text: nothing to embed again, so they were removed. */
  dropped: number;
  fromModel: string;
  toModel: string;
  dimension: number | undefined;
}

export interface RebuildOptions {
  /** Texts per call of `embed`. */
  batchSize?: number;
  onProgress?(progress: RebuildProgress): void;
}

/** Embeds texts with the index's (new) model, in order. */
export type EmbedTexts = (texts: string[]) => Promise<Float32Array[]>;

export interface VectorIndexStats {
  entries: number;
  model: string;
  dimension: number | undefined;
  file: string;
  /** What searches run on: the SIMD scan of the in-memory copy, or sqlite-vec's scan. */
  engine: "simd" | "sqlite-vec";
  /** Bytes of memory the in-memory copy holds (0 without it). */
  memoryBytes: number;
}

interface ItemRow {
  id: string;
  namespace: string;
  text: string | null;
  metadata: string | null;
}

interface HitRow extends ItemRow {
  distance: number;
}

const ITEMS = "vector_items";
const META = "vector_meta";
const TABLE_PREFIX = "vectors_g";
const DEFAULT_REBUILD_BATCH = 64;

export class VectorIndex {
  readonly file: string;
  readonly #db: Database.Database;
  /** The model configured for this index: what new vectors come from. */
  readonly #model: string;
  /** The model the stored vectors come from; differs from #model until a rebuild. */
  #storedModel: string;
  #dimension: number | undefined;
  #table: string | undefined;
  #generation: number;
  #rebuilding = false;
  #closed = false;
  /** Prepared statements by SQL text; cleared when the vec0 table changes. */
  readonly #statements = new Map<string, Database.Statement>();
  readonly #accelerate: boolean;
  /** The in-memory copy searched by SIMD; undefined without one (then sqlite-vec searches). */
  #scanner: SimdScanner | undefined;
  /** Changes to the copy made by the transaction under way. */
  readonly #pending: MirrorChange[] = [];
  /** Namespaces as the small integers the scanner tags vectors with. */
  readonly #namespaceTags = new Map<string, number>();

  private constructor(options: VectorIndexOptions, db: Database.Database) {
    this.file = options.file;
    this.#db = db;
    this.#model = options.model;
    this.#accelerate = options.accelerate ?? true;
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${META} (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS ${ITEMS} (
        rid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        namespace TEXT NOT NULL,
        text TEXT,
        metadata TEXT,
        updated_at INTEGER NOT NULL
      );
    `);
    const stored = this.getMeta("model");
    const count = this.count();
    if (stored === undefined || count === 0) {
      // Nothing to rebuild: an empty index simply takes the configured model.
      this.#storedModel = options.model;
      this.setMeta("model", options.model);
    } else {
      this.#storedModel = stored;
    }
    this.#generation = 0;
    this.#readState();
    this.#dropLeftoverTables();
    this.#loadScanner();
  }

  /** Opens (creating if need be) the index in `file`, with sqlite-vec loaded. */
  static open(options: VectorIndexOptions): VectorIndex {
    const db = new Database(options.file);
    try {
      sqliteVec.load(db);
      if (options.file !== ":memory:") {
        // WAL: searches never wait for a writer; NORMAL: durable at each checkpoint, fast commits.
        db.pragma("journal_mode = WAL");
        db.pragma("synchronous = NORMAL");
      }
      return new VectorIndex(options, db);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** The model of the vectors searched: the stored one until a pending rebuild is done. */
  get model(): string {
    return this.#storedModel;
  }

  /** The length of every vector in the index; undefined while it has never held one. */
  get dimension(): number | undefined {
    return this.#dimension;
  }

  /** The stored vectors come from another model than the configured one: call `rebuild`. */
  get needsRebuild(): boolean {
    return modelKey(this.#storedModel) !== modelKey(this.#model);
  }

  get rebuilding(): boolean {
    return this.#rebuilding;
  }

  /**
   * Adds entries, or replaces those whose id is already there. Vectors are normalised; they must
   * all have the index's dimension (the first vector ever added sets it). All or nothing.
   */
  add(items: readonly VectorItem[]): void {
    this.#assertUsable();
    if (items.length === 0) return;
    const prepared = items.map((item) => ({ item, unit: toUnitVector(item.vector) }));
    const dimension = this.#dimension ?? prepared[0]?.unit.length;
    for (const { unit } of prepared) {
      if (unit.length !== dimension) {
        throw new VectorDimensionError(dimension ?? unit.length, unit.length, this.#storedModel);
      }
    }
    const now = Date.now();
    this.transaction(() => {
      if (this.#table === undefined) this.#createTable(dimension as number);
      const table = this.#table as string;
      const find = this.#statement(`SELECT rid FROM ${ITEMS} WHERE id = ?`);
      const update = this.#statement(
        `UPDATE ${ITEMS} SET namespace = ?, text = ?, metadata = ?, updated_at = ? WHERE rid = ?`,
      );
      const insert = this.#statement(
        `INSERT INTO ${ITEMS} (id, namespace, text, metadata, updated_at) VALUES (?, ?, ?, ?, ?)`,
      );
      const removeVector = this.#statement(`DELETE FROM ${table} WHERE rowid = ?`);
      const insertVector = this.#statement(
        `INSERT INTO ${table} (rowid, embedding, namespace) VALUES (?, ?, ?)`,
      );
      for (const { item, unit } of prepared) {
        const namespace = item.namespace ?? DEFAULT_NAMESPACE;
        const metadata = item.metadata === undefined ? null : JSON.stringify(item.metadata);
        const text = item.text ?? null;
        const existing = find.get(item.id) as { rid: number } | undefined;
        let rid: number;
        if (existing !== undefined) {
          rid = existing.rid;
          update.run(namespace, text, metadata, now, rid);
          // Delete and insert rather than UPDATE: the vector and its namespace column change together.
          removeVector.run(BigInt(rid));
        } else {
          rid = Number(insert.run(item.id, namespace, text, metadata, now).lastInsertRowid);
        }
        // vec0 takes only integer rowids, and better-sqlite3 binds integers exactly as BigInt.
        insertVector.run(BigInt(rid), vectorToBytes(unit), namespace);
        this.#pending.push({ kind: "set", rid, unit, namespace });
      }
    });
  }

  /**
   * The k entries nearest to `vector` (by cosine similarity, best first; ties by id) that pass
   * `filter`. Exact: every stored vector that passes the filter is compared.
   */
  search(vector: ArrayLike<number>, k: number, filter?: VectorFilter): VectorHit[] {
    this.#assertUsable();
    if (!Number.isInteger(k) || k < 1 || k > SQLITE_VEC_MAX_K) {
      throw new VectorQueryError(`k must be a whole number from 1 to ${SQLITE_VEC_MAX_K}; got ${k}`);
    }
    const unit = toUnitVector(vector);
    if (this.#table === undefined || this.#dimension === undefined) return [];
    if (unit.length !== this.#dimension) {
      throw new VectorDimensionError(this.#dimension, unit.length, this.#storedModel);
    }
    if (this.#scanner !== undefined) return this.#scan(this.#scanner, unit, k, filter);
    const where = filterToSql(filter, ITEMS);
    const sql =
      `SELECT i.id, i.namespace, i.text, i.metadata, knn.distance FROM (` +
      `SELECT v.rowid AS rid, v.distance AS distance FROM ${this.#table} v ` +
      `WHERE v.embedding MATCH ? AND k = ? ${where.clauses}` +
      `) knn JOIN ${ITEMS} i ON i.rid = knn.rid ORDER BY knn.distance, i.id`;
    const rows = this.#statement(sql).all(vectorToBytes(unit), k, ...where.params) as HitRow[];
    return rows.map((row) => {
      const score = cosineFromUnitDistance(row.distance);
      return { ...toStored(row), score, distance: 1 - score };
    });
  }

  /** The entry's text, metadata and namespace, without its vector. */
  get(id: string): StoredItem | undefined {
    const row = this.#statement(`SELECT id, namespace, text, metadata FROM ${ITEMS} WHERE id = ?`).get(id) as
      | ItemRow
      | undefined;
    return row === undefined ? undefined : toStored(row);
  }

  /** Removes the entry; false when there was none. */
  delete(id: string): boolean {
    this.#assertOpen();
    return this.transaction(() => {
      const row = this.#statement(`SELECT rid FROM ${ITEMS} WHERE id = ?`).get(id) as
        | { rid: number }
        | undefined;
      if (row === undefined) return false;
      if (this.#table !== undefined) {
        this.#statement(`DELETE FROM ${this.#table} WHERE rowid = ?`).run(BigInt(row.rid));
      }
      this.#statement(`DELETE FROM ${ITEMS} WHERE rid = ?`).run(row.rid);
      this.#pending.push({ kind: "remove", rid: row.rid });
      return true;
    });
  }

  count(): number {
    return (this.#statement(`SELECT count(*) AS n FROM ${ITEMS}`).get() as { n: number }).n;
  }

  stats(): VectorIndexStats {
    return {
      entries: this.count(),
      model: this.#storedModel,
      dimension: this.#dimension,
      file: this.file,
      engine: this.#scanner === undefined ? "sqlite-vec" : "simd",
      memoryBytes: this.#scanner?.bytes ?? 0,
    };
  }

  /**
   * Runs `fn` in one SQLite transaction (nested calls become savepoints): all of it or none. The
   * in-memory copy follows once the outermost transaction has committed; changes of a part that
   * rolled back are dropped with it.
   */
  transaction<T>(fn: () => T): T {
    const mark = this.#pending.length;
    const table = this.#table;
    const outermost = !this.#db.inTransaction;
    let result: T;
    try {
      result = this.#db.transaction(fn)();
    } catch (error) {
      this.#pending.length = mark;
      // The rollback also undid a vec0 table created meanwhile (DDL is transactional in SQLite).
      if (this.#table !== table) {
        this.#readState();
        this.#statements.clear();
        if (this.#scanner !== undefined && this.#scanner.dimension !== this.#dimension) this.#loadScanner();
      }
      throw error;
    }
    if (outermost) this.#applyPending();
    return result;
  }

  getMeta(key: string): string | undefined {
    const row = this.#statement(`SELECT value FROM ${META} WHERE key = ?`).get(key) as
      | { value: string }
      | undefined;
    return row?.value;
  }

  setMeta(key: string, value: string): void {
    this.#statement(
      `INSERT INTO ${META} (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    ).run(key, value);
  }

  /**
   * Embeds every stored text again with the configured model into a new vec0 table, then swaps it
   * in (one transaction) and records the model and dimension. Entries without text cannot be
   * embedded again and are removed. Searches and additions are refused meanwhile.
   */
  async rebuild(embed: EmbedTexts, options: RebuildOptions = {}): Promise<RebuildResult> {
    this.#assertOpen();
    if (this.#rebuilding) throw new VectorIndexUnavailableError("the vector index is already being rebuilt");
    const batchSize = options.batchSize ?? DEFAULT_REBUILD_BATCH;
    const fromModel = this.#storedModel;
    const total = (
      this.#statement(`SELECT count(*) AS n FROM ${ITEMS} WHERE text IS NOT NULL`).get() as { n: number }
    ).n;
    const generation = this.#generation + 1;
    const table = `${TABLE_PREFIX}${generation}`;
    this.#rebuilding = true;
    let dimension: number | undefined;
    try {
      this.#db.exec(`DROP TABLE IF EXISTS ${table}`);
      let done = 0;
      let after = 0;
      options.onProgress?.({ done, total });
      for (;;) {
        const page = this.#statement(
          `SELECT rid, text, namespace FROM ${ITEMS} WHERE text IS NOT NULL AND rid > ? ORDER BY rid LIMIT ?`,
        ).all(after, batchSize) as { rid: number; text: string; namespace: string }[];
        if (page.length === 0) break;
        const vectors = await embed(page.map((row) => row.text));
        if (vectors.length !== page.length) {
          throw new Error(`embedding ${page.length} texts returned ${vectors.length} vectors`);
        }
        const units = vectors.map((vector) => toUnitVector(vector));
        dimension ??= units[0]?.length;
        for (const unit of units) {
          if (unit.length !== dimension) {
            throw new VectorDimensionError(dimension ?? unit.length, unit.length, this.#model);
          }
        }
        this.#db.transaction(() => {
          if (done === 0) {
            this.#db.exec(
              `CREATE VIRTUAL TABLE ${table} USING vec0(embedding float[${dimension}], namespace text)`,
            );
          }
          const insert = this.#db.prepare(
            `INSERT INTO ${table} (rowid, embedding, namespace) VALUES (?, ?, ?)`,
          );
          page.forEach((row, i) => {
            insert.run(BigInt(row.rid), vectorToBytes(units[i] as Float32Array), row.namespace);
          });
        })();
        done += page.length;
        after = (page[page.length - 1] as { rid: number }).rid;
        options.onProgress?.({ done, total });
      }
      const dropped = this.#db.transaction(() => {
        const removed = this.#db.prepare(`DELETE FROM ${ITEMS} WHERE text IS NULL`).run().changes;
        if (this.#table !== undefined) this.#db.exec(`DROP TABLE IF EXISTS ${this.#table}`);
        this.setMeta("model", this.#model);
        this.setMeta("generation", String(generation));
        if (dimension === undefined) {
          this.#db.prepare(`DELETE FROM ${META} WHERE key IN ('dimension', 'table')`).run();
        } else {
          this.setMeta("dimension", String(dimension));
          this.setMeta("table", table);
        }
        return removed;
      })();
      this.#statements.clear();
      this.#storedModel = this.#model;
      this.#generation = generation;
      this.#dimension = dimension;
      this.#table = dimension === undefined ? undefined : table;
      this.#loadScanner();
      return { reembedded: done, dropped, fromModel, toModel: this.#model, dimension };
    } catch (error) {
      this.#statements.clear();
      if (table !== this.#table) this.#db.exec(`DROP TABLE IF EXISTS ${table}`);
      throw error;
    } finally {
      this.#rebuilding = false;
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#statements.clear();
    this.#scanner = undefined;
    this.#db.close();
  }

  /** Search by the SIMD scan, then the entries' fields from SQLite. */
  #scan(scanner: SimdScanner, unit: Float32Array, k: number, filter: VectorFilter | undefined): VectorHit[] {
    const scanFilter: ScanFilter = {};
    if (filter?.namespace !== undefined) {
      const tag = this.#namespaceTags.get(filter.namespace);
      if (tag === undefined) return [];
      scanFilter.tag = tag;
    }
    const metadata = metadataConditions(filter?.metadata);
    if (metadata !== undefined) {
      const rids = this.#statement(`SELECT rid FROM ${ITEMS} WHERE ${metadata.where}`)
        .all(...metadata.params)
        .map((row) => (row as { rid: number }).rid);
      if (rids.length === 0) return [];
      scanFilter.keys = new Set(rids);
    }
    const found = scanner.topK(unit, k, scanFilter);
    if (found.length === 0) return [];
    const rows = this.#statement(
      `SELECT rid, id, namespace, text, metadata FROM ${ITEMS} WHERE rid IN (SELECT value FROM json_each(?))`,
    ).all(JSON.stringify(found.map((hit) => hit.key))) as (ItemRow & { rid: number })[];
    const byRid = new Map(rows.map((row) => [row.rid, row]));
    const hits: VectorHit[] = [];
    for (const { key, score } of found) {
      const row = byRid.get(key);
      if (row === undefined) continue;
      const clamped = Math.max(-1, Math.min(1, score));
      hits.push({ ...toStored(row), score: clamped, distance: 1 - clamped });
    }
    return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The model's dimension, the current vec0 table and its generation, from the meta table. */
  #readState(): void {
    const dimension = this.getMeta("dimension");
    this.#dimension = dimension === undefined ? undefined : Number(dimension);
    this.#table = this.getMeta("table");
    this.#generation = Number(this.getMeta("generation") ?? "0");
  }

  /** (Re)builds the in-memory copy from the vec0 table; without it, searches use sqlite-vec. */
  #loadScanner(): void {
    this.#scanner = undefined;
    this.#namespaceTags.clear();
    if (!this.#accelerate || this.#dimension === undefined || this.#table === undefined) return;
    const scanner = SimdScanner.create(this.#dimension);
    if (scanner === undefined) return;
    try {
      scanner.reserve(this.count());
      const rows = this.#db
        .prepare(`SELECT rowid, embedding, namespace FROM ${this.#table}`)
        .iterate() as Iterable<{
        rowid: number;
        embedding: Buffer;
        namespace: string;
      }>;
      for (const row of rows) {
        scanner.set(Number(row.rowid), bytesToVector(row.embedding), this.#tagOf(row.namespace));
      }
      this.#scanner = scanner;
    } catch (error) {
      // Past WebAssembly's 4 GiB the copy cannot grow: sqlite-vec alone is exact too, only slower.
      if (!(error instanceof RangeError)) throw error;
    }
  }

  #applyPending(): void {
    const changes = this.#pending.splice(0);
    const scanner = this.#scanner;
    if (scanner === undefined) return;
    try {
      for (const change of changes) {
        if (change.kind === "set") scanner.set(change.rid, change.unit, this.#tagOf(change.namespace));
        else scanner.remove(change.rid);
      }
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      this.#scanner = undefined;
    }
  }

  #tagOf(namespace: string): number {
    let tag = this.#namespaceTags.get(namespace);
    if (tag === undefined) {
      tag = this.#namespaceTags.size;
      this.#namespaceTags.set(namespace, tag);
    }
    return tag;
  }

  #createTable(dimension: number): void {
    const generation = this.#generation + 1;
    const table = `${TABLE_PREFIX}${generation}`;
    this.#db.exec(`DROP TABLE IF EXISTS ${table}`);
    this.#db.exec(`CREATE VIRTUAL TABLE ${table} USING vec0(embedding float[${dimension}], namespace text)`);
    this.setMeta("table", table);
    this.setMeta("dimension", String(dimension));
    this.setMeta("generation", String(generation));
    this.#statements.clear();
    this.#table = table;
    this.#dimension = dimension;
    this.#generation = generation;
    this.#namespaceTags.clear();
    this.#scanner = this.#accelerate ? SimdScanner.create(dimension) : undefined;
  }

  /** vec0 tables of a rebuild that did not finish (a crash): the current one is in the meta table. */
  #dropLeftoverTables(): void {
    const rows = this.#db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL TABLE%'`)
      .all() as { name: string }[];
    for (const { name } of rows) {
      if (name.startsWith(TABLE_PREFIX) && name !== this.#table)
        this.#db.exec(`DROP TABLE IF EXISTS ${name}`);
    }
  }

  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #assertOpen(): void {
    if (this.#closed) throw new VectorIndexUnavailableError("the vector index is closed");
  }

  #assertUsable(): void {
    this.#assertOpen();
    if (this.#rebuilding) {
      throw new VectorIndexUnavailableError(
        `the vector index is being rebuilt for model "${this.#model}"; retry in a moment`,
      );
    }
    if (this.needsRebuild) {
      throw new VectorIndexUnavailableError(
        `the vector index holds vectors of model "${this.#storedModel}" but the configured model is "${this.#model}"; it must be rebuilt first`,
      );
    }
  }
}

function toStored(row: ItemRow): StoredItem {
  return {
    id: row.id,
    namespace: row.namespace,
    text: row.text ?? undefined,
    // Written by add() with JSON.stringify, so it parses.
    metadata: row.metadata === null ? undefined : (JSON.parse(row.metadata) as Metadata),
  };
}
