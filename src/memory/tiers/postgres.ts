/**
 * L3 in PostgreSQL (pg): the durable tier shared by every gateway using the same database and
 * schema. Each put is one INSERT ... ON CONFLICT statement, atomic on its own: a writer killed
 * mid-statement leaves the old row (PostgreSQL rolls back what its connection did not commit),
 * and an acknowledged put is committed (synchronous_commit as the server has it, on by default).
 *
 * Reads are one SELECT by primary key (named prepared statement); read times are written in a
 * batch a second later. The byte bound (`l3.maxBytes`, off by default) is enforced by the sweep,
 * not by each put, because several gateways write here at once.
 */
import type { Pool, QueryConfig, QueryResultRow } from "pg";
import { evictionVictims, isExpired } from "../policy.js";
import { type Migration, quoteIdentifier } from "../postgres/migrations.js";
import { openMigratedPool } from "../postgres/pool.js";
import { newCounters, type Tier, type TierName, type TierRecord, type TierUsage } from "../tier.js";
import { checksumOf } from "../value.js";
import { COLUMNS, type EntryRow, entryValues, toRecord, upsertSql } from "./sql-rows.js";

export interface PostgresTierOptions {
  url: string;
  schema: string;
  maxConnections: number;
  name?: TierName;
  /** 0 = no bound. */
  maxBytes: number;
  ttlMs: number;
  touchFlushMs?: number;
  /** Errors of idle connections (a restarted server); the pool reconnects by itself. */
  onError?: (error: Error) => void;
}

/** The memory tier's tables; applied by migrate() under the schema's advisory lock. */
export const MEMORY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "memory entries",
    sql: `CREATE TABLE memory_entries (
            key text PRIMARY KEY,
            kind smallint NOT NULL,
            value bytea NOT NULL,
            size integer NOT NULL,
            checksum bigint NOT NULL,
            created_at bigint NOT NULL,
            expires_at bigint,
            last_access_at bigint NOT NULL,
            tiers smallint NOT NULL,
            namespace text
          );
          CREATE INDEX memory_entries_last_access ON memory_entries (last_access_at);
          CREATE INDEX memory_entries_expires ON memory_entries (expires_at) WHERE expires_at IS NOT NULL;`,
  },
];

/** bigint columns arrive as strings. */
interface Row extends QueryResultRow, EntryRow<string> {}

const BATCH = 500;
const MAX_EVICTION_ROUNDS = 100;

export async function openPostgresTier(options: PostgresTierOptions): Promise<PostgresTier> {
  const pool = await openMigratedPool({
    url: options.url,
    maxConnections: options.maxConnections,
    applicationName: "hydra-memory",
    schema: options.schema,
    component: "memory",
    migrations: MEMORY_MIGRATIONS,
    setting: "memory.postgres.url",
    hint: "or remove memory.postgres.url",
    onError: options.onError,
  });
  return new PostgresTier(pool, options);
}

export class PostgresTier implements Tier {
  readonly name: TierName;
  readonly backend = "postgres" as const;
  readonly maxBytes: number;
  readonly ttlMs: number;
  readonly counters = newCounters();
  readonly #pool: Pool;
  readonly #table: string;
  /** Prepared statement names are per connection; the schema keeps two stores in one process apart. */
  readonly #prefix: string;
  readonly #touchFlushMs: number;
  #touched = new Map<string, number>();
  #flushTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();

  constructor(pool: Pool, options: PostgresTierOptions) {
    this.#pool = pool;
    this.name = options.name ?? "l3";
    this.maxBytes = options.maxBytes;
    this.ttlMs = options.ttlMs;
    this.#table = `${quoteIdentifier(options.schema)}.memory_entries`;
    this.#prefix = `hydra_mem_${options.schema}`;
    this.#touchFlushMs = options.touchFlushMs ?? 1_000;
  }

  get(key: string, now: number): Promise<TierRecord | undefined> {
    return this.#read(key, now, true);
  }

  peek(key: string, now: number): Promise<TierRecord | undefined> {
    return this.#read(key, now, false);
  }

  async put(record: TierRecord): Promise<void> {
    this.#touched.delete(record.key);
    await this.#query({
      name: `${this.#prefix}_put`,
      text: upsertSql(this.#table, (n) => `$${n}`),
      values: entryValues(record),
    });
  }

  async delete(key: string): Promise<boolean> {
    this.#touched.delete(key);
    const result = await this.#query({
      name: `${this.#prefix}_delete`,
      text: `DELETE FROM ${this.#table} WHERE key = $1`,
      values: [key],
    });
    return (result.rowCount ?? 0) > 0;
  }

  async idle(before: number, limit: number, now: number): Promise<TierRecord[]> {
    await this.flushTouches();
    const result = await this.#query<Row>({
      name: `${this.#prefix}_idle`,
      text: `SELECT ${COLUMNS} FROM ${this.#table} WHERE last_access_at < $1 ORDER BY last_access_at LIMIT $2`,
      values: [before, limit],
    });
    return result.rows.map(toRecord).filter((record) => !isExpired(record.expiresAt, now));
  }

  async sweep(now: number): Promise<void> {
    await this.flushTouches();
    for (;;) {
      const result = await this.#query({
        name: `${this.#prefix}_expire`,
        text: `DELETE FROM ${this.#table} WHERE key IN
                 (SELECT key FROM ${this.#table} WHERE expires_at IS NOT NULL AND expires_at <= $1 LIMIT $2)`,
        values: [now, BATCH],
      });
      const removed = result.rowCount ?? 0;
      this.counters.expirations += removed;
      if (removed < BATCH) break;
    }
    if (this.maxBytes > 0) await this.#evict();
  }

  async usage(): Promise<TierUsage> {
    const result = await this.#query<{ entries: string; bytes: string }>({
      name: `${this.#prefix}_usage`,
      text: `SELECT count(*) AS entries, coalesce(sum(size), 0) AS bytes FROM ${this.#table}`,
    });
    const row = result.rows[0];
    return { bytes: Number(row?.bytes ?? 0), entries: Number(row?.entries ?? 0) };
  }

  async close(): Promise<void> {
    await this.flushTouches().catch(() => {});
    await this.#pool.end();
  }

  /** Writes the pending read times (one statement for all of them). */
  flushTouches(): Promise<void> {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#touched.size === 0) return this.#flushing;
    const batch = this.#touched;
    this.#touched = new Map();
    this.#flushing = this.#flushing
      .then(() =>
        this.#query({
          name: `${this.#prefix}_touch`,
          text: `UPDATE ${this.#table} AS t SET last_access_at = GREATEST(t.last_access_at, v.at)
                 FROM unnest($1::text[], $2::bigint[]) AS v(key, at) WHERE t.key = v.key`,
          values: [[...batch.keys()], [...batch.values()]],
        }),
      )
      // Read times only order eviction: losing one batch to a dropped connection is harmless.
      .then(
        () => {},
        () => {},
      );
    return this.#flushing;
  }

  async #read(key: string, now: number, touch: boolean): Promise<TierRecord | undefined> {
    const result = await this.#query<Row>({
      name: `${this.#prefix}_get`,
      text: `SELECT ${COLUMNS} FROM ${this.#table} WHERE key = $1`,
      values: [key],
    });
    const row = result.rows[0];
    if (row === undefined) return undefined;
    const record = toRecord(row);
    if (isExpired(record.expiresAt, now)) return undefined;
    if (checksumOf(record.bytes) !== record.checksum) {
      await this.delete(key);
      this.counters.corrupt++;
      return undefined;
    }
    if (touch) {
      record.lastAccessAt = now;
      this.#touch(key, now);
    }
    return record;
  }

  #touch(key: string, now: number): void {
    this.#touched.set(key, now);
    if (this.#flushTimer !== undefined) return;
    this.#flushTimer = setTimeout(() => void this.flushTouches(), this.#touchFlushMs);
    this.#flushTimer.unref();
  }

  async #evict(): Promise<void> {
    let { bytes } = await this.usage();
    // Bounded rounds: with other gateways evicting at the same time, the next sweep finishes the job.
    for (let round = 0; bytes > this.maxBytes && round < MAX_EVICTION_ROUNDS; round++) {
      const oldest = await this.#query<{ key: string; size: number }>({
        name: `${this.#prefix}_oldest`,
        text: `SELECT key, size FROM ${this.#table} ORDER BY last_access_at, key LIMIT $1`,
        values: [BATCH],
      });
      const { keys } = evictionVictims(oldest.rows, bytes, this.maxBytes);
      if (keys.length === 0) return;
      const removed = await this.#query<{ size: number }>({
        name: `${this.#prefix}_evict`,
        text: `DELETE FROM ${this.#table} WHERE key = ANY($1::text[]) RETURNING size`,
        values: [keys],
      });
      // Another gateway may have removed some first: count only what this one did.
      for (const row of removed.rows) bytes -= row.size;
      this.counters.evictions += removed.rows.length;
      if (removed.rows.length === 0) ({ bytes } = await this.usage());
    }
  }

  #query<R extends QueryResultRow = QueryResultRow>(config: QueryConfig) {
    return this.#pool.query<R>(config);
  }
}
