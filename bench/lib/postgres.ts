/** The benches' PostgreSQL: the machine's local server (trust auth, database `test`). */
export const POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/test";

/** Removes a bench's own schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
