/**
 * Hydra's PostgreSQL migrations against the real server: versions recorded per component, each
 * applied once even when several gateways start at the same moment, all-or-nothing on failure.
 */
import type { Pool } from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/errors.js";
import { type Migration, migrate } from "../../src/memory/postgres/migrations.js";
import { MEMORY_MIGRATIONS } from "../../src/memory/tiers/postgres.js";
import {
  dropPostgresSchema,
  POSTGRES_URL,
  requirePostgres,
  uniquePostgresSchema,
} from "../helpers/services.js";

const postgres = await requirePostgres();
const schemas: string[] = [];
const pools: Pool[] = [];

afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  for (const schema of schemas) await dropPostgresSchema(schema);
});

async function pool(): Promise<Pool> {
  const { default: pg } = await import("pg");
  const created = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  pools.push(created);
  return created;
}

function schema(): string {
  const name = uniquePostgresSchema("migrations");
  schemas.push(name);
  return name;
}

async function versions(db: Pool, name: string, component = "memory"): Promise<number[]> {
  const result = await db.query<{ version: number }>(
    `SELECT version FROM "${name}".migrations WHERE component = $1 ORDER BY version`,
    [component],
  );
  return result.rows.map((row) => row.version);
}

describe.runIf(postgres.available)("PostgreSQL migrations", () => {
  it("creates the schema and tables and records the version; a second run does nothing", async () => {
    const db = await pool();
    const name = schema();
    expect(await migrate(db, { schema: name, component: "memory", migrations: MEMORY_MIGRATIONS })).toEqual([
      1,
    ]);
    expect(await versions(db, name)).toEqual([1]);
    const table = await db.query(`SELECT count(*) AS n FROM "${name}".memory_entries`);
    expect(Number(table.rows[0].n)).toBe(0);
    expect(await migrate(db, { schema: name, component: "memory", migrations: MEMORY_MIGRATIONS })).toEqual(
      [],
    );
  });

  it("applies each version exactly once when eight gateways migrate at the same moment", async () => {
    const name = schema();
    const pools = await Promise.all(Array.from({ length: 8 }, () => pool()));
    const results = await Promise.all(
      pools.map((db) => migrate(db, { schema: name, component: "memory", migrations: MEMORY_MIGRATIONS })),
    );
    expect(results.filter((ran) => ran.length > 0)).toEqual([[1]]);
    expect(await versions(pools[0] as Pool, name)).toEqual([1]);
  });

  it("adds only the new versions of a later release", async () => {
    const db = await pool();
    const name = schema();
    await migrate(db, { schema: name, component: "memory", migrations: MEMORY_MIGRATIONS });
    const next: Migration = {
      version: 2,
      name: "extra column",
      sql: "ALTER TABLE memory_entries ADD COLUMN note text",
    };
    expect(
      await migrate(db, { schema: name, component: "memory", migrations: [...MEMORY_MIGRATIONS, next] }),
    ).toEqual([2]);
    expect(await versions(db, name)).toEqual([1, 2]);
  });

  it("keeps components apart in one schema", async () => {
    const db = await pool();
    const name = schema();
    await migrate(db, { schema: name, component: "memory", migrations: MEMORY_MIGRATIONS });
    const other: Migration = { version: 1, name: "other table", sql: "CREATE TABLE other_things (id int)" };
    expect(await migrate(db, { schema: name, component: "other", migrations: [other] })).toEqual([1]);
    expect(await versions(db, name, "other")).toEqual([1]);
  });

  it("rolls everything back when a migration fails, leaving no version recorded", async () => {
    const db = await pool();
    const name = schema();
    const broken: Migration = {
      version: 2,
      name: "broken",
      sql: "ALTER TABLE no_such_table ADD COLUMN x int",
    };
    await expect(
      migrate(db, { schema: name, component: "memory", migrations: [...MEMORY_MIGRATIONS, broken] }),
    ).rejects.toThrow(/no_such_table/);
    const exists = await db.query("SELECT 1 FROM information_schema.schemata WHERE schema_name = $1", [name]);
    expect(exists.rowCount).toBe(0);
  });

  it("refuses a schema migrated by a newer Hydra, saying what to do", async () => {
    const db = await pool();
    const name = schema();
    const future: Migration = { version: 2, name: "future", sql: "SELECT 1" };
    await migrate(db, { schema: name, component: "memory", migrations: [...MEMORY_MIGRATIONS, future] });
    const attempt = migrate(db, { schema: name, component: "memory", migrations: MEMORY_MIGRATIONS });
    await expect(attempt).rejects.toBeInstanceOf(ConfigError);
    await expect(
      migrate(db, { schema: name, component: "memory", migrations: MEMORY_MIGRATIONS }),
    ).rejects.toThrow(/migration 2, newer than this Hydra knows \(1\); upgrade Hydra/);
  });
});
