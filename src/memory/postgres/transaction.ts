/**
 * One PostgreSQL transaction on a pooled connection: BEGIN, the work, COMMIT; ROLLBACK when the
 * work throws (the work's error is the one that surfaces); the connection goes back to the pool
 * either way. Shared by every PostgreSQL store (migrations, the vector log, the run log).
 */
import type { Pool, PoolClient } from "pg";

export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
