/**
 * L2 in SQLite (better-sqlite3): one file under the data dir, WAL journal, one set of prepared
 * statements. Each put is one transaction (upsert + eviction), so a process killed at any moment
 * leaves either the old copy or the new one, never a torn row.
 *
 * Durability: `synchronous = NORMAL` in WAL mode means a committed transaction is in the WAL file
 * (the OS has it) before `put` returns: it survives the process being killed, SIGKILL included.
 * A power loss or OS crash can lose the last transactions before a checkpoint (never corrupt the
 * file); `synchronous = FULL` would fsync every commit, about 10x slower per put, which a cache
 * does not need. See docs/memory.md.
 *
 * Reads are plain SELECTs: the read time used for LRU order is kept in memory and written in one
 * transaction a second later (or before anything that orders by it), so a get never writes.
 * One gateway per file: byte and entry counts are kept in this process.
 */
import type BetterSqlite3 from "better-sqlite3";
import { ConfigError } from "../../errors.js";
import { evictionVictims, isExpired } from "../policy.js";
import { openSqliteFile } from "../sqlite-file.js";
import { newCounters, type Tier, type TierName, type TierRecord, type TierUsage } from "../tier.js";
import { checksumOf } from "../value.js";
import { COLUMNS, type EntryRow, type EntryValues, entryValues, toRecord, upsertSql } from "./sql-rows.js";

export interface SqliteTierOptions {
  file: string;
  name?: TierName;
  maxBytes: number;
  ttlMs: number;
  /** How long read times wait before they are written (default 1000 ms). */
  touchFlushMs?: number;
}

type Row = EntryRow<number>;

/** Schema versions, applied in order; PRAGMA user_version records how many ran. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE memory_entries (
     key TEXT PRIMARY KEY NOT NULL,
     kind INTEGER NOT NULL,
     value BLOB NOT NULL,
     size INTEGER NOT NULL,
     checksum INTEGER NOT NULL,
     created_at INTEGER NOT NULL,
     expires_at INTEGER,
     last_access_at INTEGER NOT NULL,
     tiers INTEGER NOT NULL,
     namespace TEXT
   );
   CREATE INDEX memory_entries_last_access ON memory_entries (last_access_at);
   CREATE INDEX memory_entries_expires ON memory_entries (expires_at) WHERE expires_at IS NOT NULL;`,
];

/** Rows deleted per statement in a sweep or an eviction round. */
const BATCH = 256;
/** Pending read times beyond this are written at once, whatever the timer says. */
const MAX_PENDING_TOUCHES = 10_000;

export async function openSqliteTier(options: SqliteTierOptions): Promise<SqliteTier> {
  const db = await openSqliteFile(options.file, { key: "memory.l2.file", fallback: "<dataDir>/memory.db" });
  return new SqliteTier(db, options);
}

export class SqliteTier implements Tier {
  readonly name: TierName;
  readonly backend = "sqlite" as const;
  readonly maxBytes: number;
  readonly ttlMs: number;
  readonly counters = newCounters();
  readonly file: string;
  readonly #db: BetterSqlite3.Database;
  readonly #touchFlushMs: number;
  readonly #touched = new Map<string, number>();
  #flushTimer: NodeJS.Timeout | undefined;
  #bytes = 0;
  #entries = 0;
  readonly #statements;
  readonly #putTransaction: (record: TierRecord) => void;
  readonly #flushTransaction: () => void;

  constructor(db: BetterSqlite3.Database, options: SqliteTierOptions) {
    this.#db = db;
    this.file = options.file;
    this.name = options.name ?? "l2";
    this.maxBytes = options.maxBytes;
    this.ttlMs = options.ttlMs;
    this.#touchFlushMs = options.touchFlushMs ?? 1_000;
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    // A second process (or a checkpoint) holding the write lock makes writers wait, not fail.
    db.pragma("busy_timeout = 5000");
    migrate(db, options.file);
    this.#statements = {
      get: db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM memory_entries WHERE key = ?`),
      size: db.prepare<[string], { size: number }>("SELECT size FROM memory_entries WHERE key = ?"),
      upsert: db.prepare<EntryValues>(upsertSql("memory_entries", () => "?")),
      delete: db.prepare<[string], { size: number }>(
        "DELETE FROM memory_entries WHERE key = ? RETURNING size",
      ),
      oldest: db.prepare<[number], { key: string; size: number }>(
        "SELECT key, size FROM memory_entries ORDER BY last_access_at, key LIMIT ?",
      ),
      idle: db.prepare<[number, number], Row>(
        `SELECT ${COLUMNS} FROM memory_entries WHERE last_access_at < ? ORDER BY last_access_at, key LIMIT ?`,
      ),
      expire: db.prepare<[number, number], { size: number }>(
        `DELETE FROM memory_entries WHERE key IN
           (SELECT key FROM memory_entries WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?)
         RETURNING size`,
      ),
      touch: db.prepare<[number, string]>(
        "UPDATE memory_entries SET last_access_at = max(last_access_at, ?) WHERE key = ?",
      ),
      totals: db.prepare<[], { entries: number; bytes: number }>(
        "SELECT count(*) AS entries, coalesce(sum(size), 0) AS bytes FROM memory_entries",
      ),
    };
    const totals = this.#statements.totals.get();
    this.#entries = totals?.entries ?? 0;
    this.#bytes = totals?.bytes ?? 0;
    this.#putTransaction = db.transaction((record: TierRecord) => {
      const old = this.#statements.size.get(record.key);
      this.#statements.upsert.run(...entryValues(record));
      this.#touched.delete(record.key);
      this.#bytes += record.size - (old?.size ?? 0);
      if (old === undefined) this.#entries++;
      this.#evict(record.key);
    });
    this.#flushTransaction = db.transaction(() => {
      for (const [key, at] of this.#touched) this.#statements.touch.run(at, key);
      this.#touched.clear();
    });
  }

  async get(key: string, now: number): Promise<TierRecord | undefined> {
    const record = this.#read(key, now);
    if (record !== undefined) {
      record.lastAccessAt = now;
      this.#touch(key, now);
    }
    return record;
  }

  async peek(key: string, now: number): Promise<TierRecord | undefined> {
    return this.#read(key, now);
  }

  async put(record: TierRecord): Promise<void> {
    this.#putTransaction(record);
  }

  async delete(key: string): Promise<boolean> {
    this.#touched.delete(key);
    return this.#deleteRow(key);
  }

  async idle(before: number, limit: number, now: number): Promise<TierRecord[]> {
    this.flushTouches();
    return this.#statements.idle
      .all(before, limit)
      .map(toRecord)
      .filter((record) => !isExpired(record.expiresAt, now));
  }

  async sweep(now: number): Promise<void> {
    this.flushTouches();
    for (;;) {
      const removed = this.#db.transaction(() => this.#statements.expire.all(now, BATCH))();
      for (const row of removed) this.#bytes -= row.size;
      this.#entries -= removed.length;
      this.counters.expirations += removed.length;
      if (removed.length < BATCH) break;
    }
    if (this.#bytes > this.maxBytes) this.#db.transaction(() => this.#evict())();
  }

  async usage(): Promise<TierUsage> {
    return { bytes: this.#bytes, entries: this.#entries };
  }

  async close(): Promise<void> {
    if (!this.#db.open) return;
    this.flushTouches();
    this.#db.close();
  }

  /** Writes the pending read times now (tests and benchmarks call it to see them on disk). */
  flushTouches(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (this.#touched.size > 0 && this.#db.open) this.#flushTransaction();
  }

  #read(key: string, now: number): TierRecord | undefined {
    const row = this.#statements.get.get(key);
    if (row === undefined || isExpired(row.expires_at, now)) return undefined;
    if (checksumOf(row.value) !== row.checksum) {
      // Cannot happen with SQLite's transactions unless the file was damaged: drop the row, miss.
      this.#deleteRow(key);
      this.counters.corrupt++;
      return undefined;
    }
    return toRecord(row);
  }

  #deleteRow(key: string): boolean {
    const row = this.#statements.delete.get(key);
    if (row === undefined) return false;
    this.#bytes -= row.size;
    this.#entries--;
    return true;
  }

  #touch(key: string, now: number): void {
    this.#touched.set(key, now);
    if (this.#touched.size >= MAX_PENDING_TOUCHES) this.flushTouches();
    else if (this.#flushTimer === undefined) {
      this.#flushTimer = setTimeout(() => this.flushTouches(), this.#touchFlushMs);
      this.#flushTimer.unref();
    }
  }

  /** Inside a transaction: drops least recently read rows until under maxBytes (never `keep`). */
  #evict(keep?: string): void {
    while (this.#bytes > this.maxBytes) {
      // Eviction orders by read time: pending reads first, or a busy entry would look idle.
      if (this.#touched.size > 0) {
        for (const [key, at] of this.#touched) this.#statements.touch.run(at, key);
        this.#touched.clear();
      }
      const candidates = this.#statements.oldest.all(BATCH);
      const { keys } = evictionVictims(candidates, this.#bytes, this.maxBytes, keep);
      if (keys.length === 0) return;
      for (const key of keys) this.#deleteRow(key);
      this.counters.evictions += keys.length;
    }
  }
}

function migrate(db: BetterSqlite3.Database, file: string): void {
  // IMMEDIATE: two processes opening a new file at once do not both create the table.
  db.transaction(() => {
    const version = Number(db.pragma("user_version", { simple: true }));
    if (version > MIGRATIONS.length) {
      throw new ConfigError(
        `memory.l2.file ${file} has schema version ${version}, newer than this Hydra knows (${MIGRATIONS.length}); upgrade Hydra or use another file`,
      );
    }
    for (const sql of MIGRATIONS.slice(version)) db.exec(sql);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
