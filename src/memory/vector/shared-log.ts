/**
 * L4's shared part: every entry's embedding kept in PostgreSQL, so that gateways sharing one
 * database see each other's memories. PostgreSQL here has no vector extension (pgvector), and needs
 * none: it is the durable, ordered log of entries; each gateway searches its own sqlite-vec index
 * and keeps it up to date from this log (vector-sync.ts).
 *
 * One table, `<schema>.vector_entries` (id, model) → namespace, text, metadata (jsonb), dim,
 * embedding (bytea: float32, unit length), deleted, origin, seq, created_at, updated_at:
 * - every change (a new entry, a replaced one, a deletion, which keeps a tombstone) takes a new
 *   `seq` from a sequence, so "everything after seq N" is every change a gateway has not seen;
 * - writers take a transaction-level advisory lock before taking their seq, so seqs commit in
 *   order: a reader that has seen seq N never later finds a smaller one committed (without the
 *   lock, two concurrent writers could commit 11 before 10, and a reader at 11 would skip 10);
 * - each write NOTIFYs a channel of this table at commit; gateways LISTEN on a connection of their
 *   own and read what is new. A lost connection is re-made with back-off, then they catch up.
 * - a row per (id, model): gateways configured with different embedding models each keep their
 *   own embedding of an entry, and never read another model's vector as theirs.
 * The tables are made by migrations (VECTOR_MIGRATIONS, run by the memory tiers' migration runner
 * when the log is opened). `vector_entries_log` holds one random id naming this log, so that a
 * local index knows when it is looking at another (or a re-created) database.
 * pg is loaded on `open()`, so a gateway without PostgreSQL never loads it.
 */
import { createHash, randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { Client, Pool, PoolClient } from "pg";
import type { Migration } from "../postgres/migrations.js";
import { openMigratedPool } from "../postgres/pool.js";
import { inTransaction } from "../postgres/transaction.js";
import type { Metadata } from "./filter.js";
import { bytesToVector, vectorToBytes } from "./vector-math.js";

export interface SharedEntry {
  id: string;
  model: string;
  namespace: string;
  text?: string;
  metadata?: Metadata;
  /** Unit length (the index's form). */
  embedding: Float32Array;
}

export interface SharedRow {
  seq: number;
  id: string;
  model: string;
  namespace: string;
  text: string | undefined;
  metadata: Metadata | undefined;
  dimension: number;
  /** Undefined for a deletion. */
  embedding: Float32Array | undefined;
  deleted: boolean;
  /** The instance id of the gateway that wrote the row. */
  origin: string;
}

export interface SharedVectorLogOptions {
  connectionString: string;
  /** Schema holding the table (created if missing); a lower-case SQL identifier. */
  schema: string;
  /** Connections for reads and writes (the listener has one more of its own). Default 4. */
  maxConnections?: number;
  /** First reconnect delay of the listener, doubling up to `reconnectMaxMs`. */
  reconnectBaseMs?: number;
  reconnectMaxMs?: number;
  /** Default: a random UUID. */
  instanceId?: string;
  log?: SharedLogLogger;
}

export interface SharedLogLogger {
  warn(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface SharedVectorLogEvents {
  /** Something may be new in the log: a NOTIFY arrived, or the listener (re)connected. */
  change: [];
  /** The listening connection is up (again). */
  listening: [];
  /** The listening connection was lost; it is being re-made. */
  "listener-lost": [{ error: string }];
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const TABLE = "vector_entries";

interface DbRow {
  seq: string;
  id: string;
  model: string;
  namespace: string;
  text: string | null;
  metadata: Metadata | null;
  dim: number;
  embedding: Buffer | null;
  deleted: boolean;
  origin: string;
}

export class SharedVectorLog extends EventEmitter<SharedVectorLogEvents> {
  readonly instanceId: string;
  /** Random id of this log, made when its table was created. */
  readonly logId: string;
  readonly schema: string;
  readonly table: string;
  /** The NOTIFY channel of this table. */
  readonly channel: string;
  readonly #options: SharedVectorLogOptions;
  readonly #pool: Pool;
  readonly #makeClient: () => Client;
  /** `"schema"."table"`, quoted. */
  readonly #qualified: string;
  readonly #sequence: string;
  readonly #lockKey: string;
  #listener: Client | undefined;
  #listening = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #reconnectAttempt = 0;
  #closed = false;

  private constructor(
    options: SharedVectorLogOptions,
    names: { logId: string; instanceId: string },
    pool: Pool,
    makeClient: () => Client,
  ) {
    super();
    this.#options = options;
    this.schema = options.schema;
    this.table = TABLE;
    this.logId = names.logId;
    this.instanceId = names.instanceId;
    this.#pool = pool;
    this.#makeClient = makeClient;
    this.#qualified = `"${options.schema}".${TABLE}`;
    this.#sequence = `"${options.schema}".${TABLE}_seq`;
    this.#lockKey = lockKeyOf(options.schema);
    this.channel = channelOf(options.schema);
  }

  /** Connects, creates the schema and table if need be, and reads the log's id. */
  static async open(options: SharedVectorLogOptions): Promise<SharedVectorLog> {
    if (!IDENTIFIER.test(options.schema)) {
      throw new Error(
        `invalid PostgreSQL schema name ${JSON.stringify(options.schema)}: use a lower-case SQL identifier`,
      );
    }
    const { Client } = await import("pg");
    const pool = await openMigratedPool({
      url: options.connectionString,
      maxConnections: options.maxConnections ?? 4,
      applicationName: "hydra-vectors",
      schema: options.schema,
      component: "vectors",
      migrations: VECTOR_MIGRATIONS,
      setting: "memory.postgres.url",
      hint: "or remove memory.postgres.url",
      // The next query simply gets a new connection.
      onError: (error) => options.log?.warn({ err: error.message }, "vector log: idle connection lost"),
    });
    try {
      const logId = await readLogId(pool, options.schema);
      return new SharedVectorLog(
        options,
        { logId, instanceId: options.instanceId ?? randomUUID() },
        pool,
        () => new Client({ connectionString: options.connectionString, keepAlive: true }),
      );
    } catch (error) {
      await pool.end().catch(() => {});
      throw error;
    }
  }

  get listening(): boolean {
    return this.#listening;
  }

  /**
   * Writes entries (a new row per (id, model), or a new version of it), NOTIFYs, and resolves to
   * the seq of the last one once committed.
   */
  async append(entries: readonly SharedEntry[]): Promise<number> {
    if (entries.length === 0) throw new Error("append: nothing to write");
    return this.#write(async (client) => {
      let last = 0;
      for (const entry of entries) {
        const result = await client.query<{ seq: string }>(
          `INSERT INTO ${this.#qualified} (id, model, namespace, text, metadata, dim, embedding, deleted, origin)
           VALUES ($1, $2, $3, $4, $5, $6, $7, false, $8)
           ON CONFLICT (id, model) DO UPDATE SET
             seq = nextval('${this.#sequence}'), namespace = EXCLUDED.namespace, text = EXCLUDED.text,
             metadata = EXCLUDED.metadata, dim = EXCLUDED.dim, embedding = EXCLUDED.embedding,
             deleted = false, origin = EXCLUDED.origin, updated_at = now()
           RETURNING seq`,
          [
            entry.id,
            entry.model,
            entry.namespace,
            entry.text ?? null,
            entry.metadata === undefined ? null : JSON.stringify(entry.metadata),
            entry.embedding.length,
            vectorToBytes(entry.embedding),
            this.instanceId,
          ],
        );
        last = Math.max(last, Number(result.rows[0]?.seq));
      }
      return last;
    });
  }

  /**
   * Marks the entries deleted under every model (a tombstone with a new seq, so other gateways
   * learn of it); resolves to the last seq, or undefined when none of them was there.
   */
  async remove(ids: readonly string[]): Promise<number | undefined> {
    if (ids.length === 0) return undefined;
    return this.#write(async (client) => {
      const result = await client.query<{ seq: string }>(
        `UPDATE ${this.#qualified} SET seq = nextval('${this.#sequence}'), deleted = true, embedding = NULL,
           text = NULL, metadata = NULL, origin = $2, updated_at = now()
         WHERE id = ANY($1) AND NOT deleted RETURNING seq`,
        [ids, this.instanceId],
      );
      if (result.rows.length === 0) return undefined;
      return Math.max(...result.rows.map((row) => Number(row.seq)));
    });
  }

  /** Changes after `seq`, oldest first, at most `limit`. */
  async readSince(seq: number, limit: number): Promise<SharedRow[]> {
    const result = await this.#pool.query<DbRow>(
      `SELECT seq, id, model, namespace, text, metadata, dim, embedding, deleted, origin
       FROM ${this.#qualified} WHERE seq > $1 ORDER BY seq LIMIT $2`,
      [seq, limit],
    );
    return result.rows.map((row) => ({
      seq: Number(row.seq),
      id: row.id,
      model: row.model,
      namespace: row.namespace,
      text: row.text ?? undefined,
      metadata: row.metadata ?? undefined,
      dimension: row.dim,
      embedding: row.embedding === null ? undefined : bytesToVector(row.embedding),
      deleted: row.deleted,
      origin: row.origin,
    }));
  }

  /** Live entries (not deleted) per model, for stats. */
  async countLive(): Promise<Record<string, number>> {
    const result = await this.#pool.query<{ model: string; n: string }>(
      `SELECT model, count(*) AS n FROM ${this.#qualified} WHERE NOT deleted GROUP BY model`,
    );
    return Object.fromEntries(result.rows.map((row) => [row.model, Number(row.n)]));
  }

  /**
   * Starts listening for changes; resolves once LISTEN is in place (or rejects if the first
   * connection fails: later losses are re-made in the background). Each (re)connection emits
   * `change`, since whatever was written while nobody listened is in the log.
   */
  async listen(): Promise<void> {
    if (this.#listener !== undefined || this.#closed) return;
    await this.#connectListener();
  }

  /** Ends the listening connection and the pool. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    const listener = this.#listener;
    this.#listener = undefined;
    this.#listening = false;
    await Promise.all([listener?.end().catch(() => {}), this.#pool.end().catch(() => {})]);
  }

  /** For tests: the backend pid of the listening connection (to terminate it). */
  listenerProcessId(): number | undefined {
    // pg keeps the backend pid on the client once connected; it is not in the public types.
    return (this.#listener as unknown as { processID?: number } | undefined)?.processID;
  }

  #write<T>(body: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.#pool, async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [this.#lockKey]);
      const result = await body(client);
      await client.query("SELECT pg_notify($1, $2)", [this.channel, this.instanceId]);
      return result;
    });
  }

  async #connectListener(): Promise<void> {
    const client = this.#makeClient();
    this.#listener = client;
    client.on("notification", (message) => {
      if (message.channel === this.channel) this.emit("change");
    });
    client.on("error", (error) => this.#lost(client, error.message));
    client.on("end", () => this.#lost(client, "connection ended"));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch (error) {
      this.#listener = undefined;
      await client.end().catch(() => {});
      throw error;
    }
    if (this.#closed || this.#listener !== client) {
      await client.end().catch(() => {});
      return;
    }
    this.#listening = true;
    this.#reconnectAttempt = 0;
    this.emit("listening");
    this.emit("change");
  }

  #lost(client: Client, error: string): void {
    if (this.#closed || this.#listener !== client) return;
    this.#listener = undefined;
    this.#listening = false;
    client.end().catch(() => {});
    this.#options.log?.warn(
      { err: error },
      "vector log: lost the PostgreSQL connection that listens; reconnecting",
    );
    this.emit("listener-lost", { error });
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    const base = this.#options.reconnectBaseMs ?? 200;
    const max = this.#options.reconnectMaxMs ?? 5_000;
    const delay = Math.min(max, base * 2 ** this.#reconnectAttempt);
    this.#reconnectAttempt++;
    this.#reconnectTimer = setTimeout(() => {
      this.#connectListener().catch((error: unknown) => {
        this.#options.log?.debug(
          { err: error instanceof Error ? error.message : String(error) },
          "vector log: reconnect failed",
        );
        this.#scheduleReconnect();
      });
    }, delay);
    this.#reconnectTimer.unref();
  }
}

/**
 * The vector log's migrations (run by the memory tiers' runner, component "vectors", in the same
 * `<schema>.migrations` record). Never edit one that shipped: add the next.
 */
export const VECTOR_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "vector entries log",
    sql: `
      CREATE SEQUENCE ${TABLE}_seq;
      CREATE TABLE ${TABLE} (
        id text NOT NULL,
        model text NOT NULL,
        seq bigint NOT NULL DEFAULT nextval('${TABLE}_seq'),
        namespace text NOT NULL,
        text text,
        metadata jsonb,
        dim integer NOT NULL,
        embedding bytea,
        deleted boolean NOT NULL DEFAULT false,
        origin text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (id, model)
      );
      CREATE UNIQUE INDEX ${TABLE}_seq_key ON ${TABLE} (seq);
      CREATE TABLE ${TABLE}_log (log_id text PRIMARY KEY);
      INSERT INTO ${TABLE}_log (log_id) VALUES (gen_random_uuid()::text);
    `,
  },
];

/** The id made by the first migration. */
async function readLogId(pool: Pool, schema: string): Promise<string> {
  const result = await pool.query<{ log_id: string }>(`SELECT log_id FROM "${schema}".${TABLE}_log LIMIT 1`);
  const row = result.rows[0];
  if (row === undefined) throw new Error(`"${schema}".${TABLE}_log is empty: the vector log's id is missing`);
  return row.log_id;
}

function lockKeyOf(schema: string): string {
  return `hydra:vectors:${schema}.${TABLE}`;
}

/** NOTIFY is per database, not per schema: the channel names the schema and table (hashed to fit). */
function channelOf(schema: string): string {
  return `hydra_vectors_${createHash("sha256").update(`${schema}.${TABLE}`).digest("hex").slice(0, 16)}`;
}
