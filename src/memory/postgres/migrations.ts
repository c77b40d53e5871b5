/**
 * Schema migrations for Hydra's tables in PostgreSQL. Each component (the memory tiers, the vector
 * index, ...) has its own numbered list; `<schema>.migrations` records which versions ran. All of a
 * component's pending migrations run in one transaction under a transaction-scoped advisory lock
 * on the schema, so gateways starting at the same moment apply each version exactly once (the
 * second waits for the lock, then finds the work done) and a failed migration leaves nothing
 * half-applied.
 */
import { createHash } from "node:crypto";
import type { Pool } from "pg";
import { ConfigError } from "../../errors.js";
import { inTransaction } from "./transaction.js";

export interface Migration {
  /** 1, 2, 3, ... in order; never renumber or edit one that shipped: add the next. */
  version: number;
  name: string;
  /** Runs with search_path set to the schema, so table names need no qualification. */
  sql: string;
}

export interface MigrateOptions {
  schema: string;
  /** Whose migrations these are: "memory", "vectors", ... */
  component: string;
  migrations: readonly Migration[];
}

/** Quoted for SQL; `schema` is already restricted to [a-z0-9_] by the config. */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A stable 64-bit advisory lock key for the schema (signed, as pg_advisory_xact_lock wants it). */
export function migrationLockKey(schema: string): string {
  return createHash("sha256").update(`hydra:migrations:${schema}`).digest().readBigInt64BE(0).toString();
}

/** Applies what is missing; resolves to the versions applied now (empty when up to date). */
export async function migrate(pool: Pool, options: MigrateOptions): Promise<number[]> {
  const schema = quoteIdentifier(options.schema);
  const known = [...options.migrations].sort((a, b) => a.version - b.version);
  return inTransaction(pool, async (client) => {
    await client.query("SELECT pg_advisory_xact_lock($1::bigint)", [migrationLockKey(options.schema)]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${schema}.migrations (
         component text NOT NULL,
         version integer NOT NULL,
         name text NOT NULL,
         applied_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (component, version)
       )`,
    );
    const done = await client.query<{ version: number }>(
      `SELECT version FROM ${schema}.migrations WHERE component = $1`,
      [options.component],
    );
    const applied = new Set(done.rows.map((row) => row.version));
    const newest = Math.max(0, ...applied);
    const latest = known.at(-1)?.version ?? 0;
    if (newest > latest) {
      throw new ConfigError(
        `PostgreSQL schema ${options.schema} holds ${options.component} migration ${newest}, newer than this Hydra knows (${latest}); upgrade Hydra or use another memory.postgres.schema`,
      );
    }
    const ran: number[] = [];
    await client.query(`SET LOCAL search_path TO ${schema}`);
    for (const migration of known) {
      if (applied.has(migration.version)) continue;
      await client.query(migration.sql);
      await client.query(`INSERT INTO ${schema}.migrations (component, version, name) VALUES ($1, $2, $3)`, [
        options.component,
        migration.version,
        migration.name,
      ]);
      ran.push(migration.version);
    }
    return ran;
  });
}
