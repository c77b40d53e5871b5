/**
 * Opens a pg pool and brings a component's tables up to date (migrations.ts). Shared by every
 * PostgreSQL store (memory L3, the vector log, the workflow run log) so they connect, name
 * themselves and report a schema they cannot prepare the same way.
 */
import type { Pool } from "pg";
import { redactUrl } from "../../config/redact-url.js";
import { ConfigError } from "../../errors.js";
import { type MigrateOptions, migrate } from "./migrations.js";

export interface OpenMigratedPoolOptions extends MigrateOptions {
  url: string;
  maxConnections: number;
  /** Shown in pg_stat_activity: "hydra-memory", ... */
  applicationName: string;
  /** The setting named by the error when the schema cannot be prepared: "memory.postgres.url", ... */
  setting: string;
  /** The error's last advice: "or remove memory.postgres.url". */
  hint: string;
  /** Errors of idle connections (a restarted server); the pool reconnects by itself. */
  onError?: (error: Error) => void;
}

/**
 * The pool, with the component's migrations applied. Rejects with a ConfigError naming `setting`
 * (the URL redacted) when the server cannot be reached or the schema cannot be prepared; the pool
 * is closed then.
 */
export async function openMigratedPool(options: OpenMigratedPoolOptions): Promise<Pool> {
  const { default: pg } = await import("pg");
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.maxConnections,
    connectionTimeoutMillis: 5_000,
    application_name: options.applicationName,
  });
  // Without a listener, an idle connection's error would end the process.
  pool.on("error", (error) => options.onError?.(error));
  try {
    await migrate(pool, {
      schema: options.schema,
      component: options.component,
      migrations: options.migrations,
    });
  } catch (error) {
    await pool.end().catch(() => {});
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `${options.setting} ${redactUrl(options.url)}: cannot prepare schema ${options.schema} (${(error as Error).message}); start PostgreSQL, check the URL and its rights, ${options.hint}`,
    );
  }
  return pool;
}
