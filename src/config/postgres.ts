/**
 * PostgreSQL settings shared by every part of Hydra that can keep its data there (memory L3,
 * the workflow run log): the same URL rules and schema-name rules everywhere.
 */
import { z } from "zod";

const POSTGRES_SCHEMES = new Set(["postgres:", "postgresql:"]);

export function isPostgresUrl(value: string): boolean {
  try {
    const parsed = new URL(value);
    return POSTGRES_SCHEMES.has(parsed.protocol) && parsed.hostname !== "";
  } catch {
    return false;
  }
}

/** `postgres://user[:password]@host:port/database`. */
export const postgresUrlSchema = z.string().refine(isPostgresUrl, {
  error: "must be a URL like postgres://user@127.0.0.1:5432/hydra (postgres:// or postgresql://)",
});

/** The schema holding Hydra's tables (created and migrated by Hydra at start). */
export const postgresSchemaNameSchema = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, {
    error: "must be a lower-case SQL identifier (letters, digits, _; up to 63 characters)",
  })
  .default("hydra");
