/**
 * Opens a SQLite database file for one of Hydra's stores (memory L2, the workflow run log),
 * creating its directory, and turns a failure into a ConfigError naming the setting to fix.
 * better-sqlite3 is loaded on first use, so a gateway that never opens a store never loads it.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type BetterSqlite3 from "better-sqlite3";
import { ConfigError } from "../errors.js";

export async function openSqliteFile(
  file: string,
  /** The setting and its default for the message: "memory.l2.file", "<dataDir>/memory.db". */
  setting: { key: string; fallback: string },
): Promise<BetterSqlite3.Database> {
  const { default: Database } = await import("better-sqlite3");
  try {
    mkdirSync(dirname(file), { recursive: true });
    return new Database(file);
  } catch (error) {
    throw new ConfigError(
      `${setting.key} ${file}: cannot open the SQLite database (${(error as Error).message}); fix the path or its permissions (default: ${setting.fallback})`,
    );
  }
}
