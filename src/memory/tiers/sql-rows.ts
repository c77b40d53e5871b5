/**
 * The `memory_entries` row as both SQL tiers (SQLite L2, PostgreSQL L3) store it: the same
 * columns, the same upsert, the same mapping to a TierRecord.
 */
import type { TierRecord } from "../tier.js";
import { kindCode, kindFromCode } from "../value.js";

export const COLUMNS =
  "key, kind, value, size, checksum, created_at, expires_at, last_access_at, tiers, namespace";

/** Upserts a record given as `entryValues`; `placeholder(n)` is `?` in SQLite, `$n` in PostgreSQL. */
export function upsertSql(table: string, placeholder: (n: number) => string): string {
  const values = COLUMNS.split(", ").map((_, index) => placeholder(index + 1));
  return `INSERT INTO ${table} (${COLUMNS}) VALUES (${values.join(", ")})
          ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, value = excluded.value, size = excluded.size,
            checksum = excluded.checksum, created_at = excluded.created_at, expires_at = excluded.expires_at,
            last_access_at = excluded.last_access_at, tiers = excluded.tiers, namespace = excluded.namespace`;
}

export type EntryValues = [
  key: string,
  kind: number,
  value: Buffer,
  size: number,
  checksum: number,
  createdAt: number,
  expiresAt: number | null,
  lastAccessAt: number,
  tiers: number,
  namespace: string | null,
];

/** The record's values in COLUMNS order. */
export function entryValues(record: TierRecord): EntryValues {
  return [
    record.key,
    kindCode(record.kind),
    record.bytes,
    record.size,
    record.checksum,
    record.createdAt,
    record.expiresAt,
    record.lastAccessAt,
    record.tiers,
    record.namespace,
  ];
}

/** A row read back; `Int` is string for PostgreSQL's bigint columns, number in SQLite. */
export interface EntryRow<Int extends number | string = number | string> {
  key: string;
  kind: number;
  value: Buffer;
  size: number;
  checksum: Int;
  created_at: Int;
  expires_at: Int | null;
  last_access_at: Int;
  tiers: number;
  namespace: string | null;
}

export function toRecord(row: EntryRow): TierRecord {
  return {
    key: row.key,
    kind: kindFromCode(row.kind),
    bytes: row.value,
    size: row.size,
    checksum: Number(row.checksum),
    createdAt: Number(row.created_at),
    expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    lastAccessAt: Number(row.last_access_at),
    tiers: row.tiers,
    namespace: row.namespace,
  };
}
