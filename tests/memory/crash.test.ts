/**
 * A writer process killed with SIGKILL in the middle of its puts leaves no partial entry and loses
 * nothing it acknowledged — in SQLite (L2, the embedded durable tier) and in PostgreSQL (L3). The
 * writer is a real child process (tests/memory/fixtures/memory-child.ts, compiled) that prints
 * "ack <key>" after each put resolves; values carry their own SHA-256, so a torn value is caught
 * whatever the store's own checksum says.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { crc32 } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import type { MemoryConfigInput } from "../../src/memory/config.js";
import { memoryConfigSchema } from "../../src/memory/config.js";
import { openTieredMemory } from "../../src/memory/open.js";
import {
  dropPostgresSchema,
  POSTGRES_URL,
  requirePostgres,
  uniquePostgresSchema,
} from "../helpers/services.js";

// The compiled fixture (`npm test` builds first).
const CHILD = fileURLToPath(new URL("../../dist/tests/memory/fixtures/memory-child.js", import.meta.url));
const postgres = await requirePostgres();
const dir = mkdtempSync(join(tmpdir(), "hydra-crash-"));
const schemas: string[] = [];

afterAll(async () => {
  for (const schema of schemas) await dropPostgresSchema(schema);
  rmSync(dir, { recursive: true, force: true });
});

interface StoredRow {
  key: string;
  value: Buffer;
  checksum: number;
}

interface WriterValue {
  i: number;
  payload: string;
  sha256: string;
}

/**
 * Runs a writer until it acknowledged `acks` puts, waits a little more so the kill lands inside a
 * put, SIGKILLs it, and returns the keys it acknowledged (whole lines only) and whether a put was
 * under way when it died (its "begin" line without an "ack").
 */
async function killWriterMidway(
  config: MemoryConfigInput,
  keyPrefix: string,
  acks: number,
): Promise<{ acknowledged: string[]; midPut: boolean }> {
  if (!existsSync(CHILD)) throw new Error(`${CHILD} is missing: run 'npm run build' first (npm test does)`);
  const child: ChildProcess = spawn(
    process.execPath,
    [CHILD, "writer", JSON.stringify(config), dir, keyPrefix],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  let err = "";
  child.stderr?.on("data", (data: Buffer) => {
    err += data.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`the writer exited early (${code}): ${err}`));
    child.once("exit", onExit);
    child.stdout?.on("data", (data: Buffer) => {
      out += data.toString();
      if ((out.match(/^ack /gm) ?? []).length >= acks) {
        child.off("exit", onExit);
        resolve();
      }
    });
  });
  // 0-15 ms more: the next puts are under way, one of them is cut.
  await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 16)));
  child.kill("SIGKILL");
  const [, signal] = await once(child, "exit");
  expect(signal).toBe("SIGKILL");
  const lines = out.split("\n");
  lines.pop(); // a line the kill cut short was not acknowledged
  return {
    acknowledged: lines.filter((line) => line.startsWith("ack ")).map((line) => line.slice(4)),
    midPut: lines.at(-1)?.startsWith("begin ") ?? false,
  };
}

/**
 * Kills writers until at least one died inside a put (about half of the kills do), 3 to 10 runs;
 * returns every acknowledged key.
 */
async function killWriters(config: MemoryConfigInput): Promise<string[]> {
  const acknowledged: string[] = [];
  let midPutKills = 0;
  for (let run = 0; run < 10 && (run < 3 || midPutKills === 0); run++) {
    const killed = await killWriterMidway(config, `r${run}-w`, 15 + run * 5);
    expect(killed.acknowledged.length).toBeGreaterThan(0);
    acknowledged.push(...killed.acknowledged);
    if (killed.midPut) midPutKills++;
  }
  expect(midPutKills, "kills that landed inside a put").toBeGreaterThan(0);
  return acknowledged;
}

/** Every stored row is whole: the store's checksum matches, the JSON parses, the payload's SHA-256 matches. */
function checkIntact(rows: readonly StoredRow[]): Map<string, WriterValue> {
  const values = new Map<string, WriterValue>();
  for (const row of rows) {
    expect(crc32(row.value), `checksum of ${row.key}`).toBe(row.checksum);
    const value = JSON.parse(row.value.toString("utf8")) as WriterValue;
    expect(createHash("sha256").update(value.payload).digest("hex"), `payload of ${row.key}`).toBe(
      value.sha256,
    );
    expect(row.key.endsWith(String(value.i))).toBe(true);
    values.set(row.key, value);
  }
  return values;
}

async function checkThroughStore(config: MemoryConfigInput, keys: readonly string[]): Promise<void> {
  const memory = await openTieredMemory(memoryConfigSchema.parse({ ...config, sweepIntervalMs: 0 }), {
    dataDir: dir,
  });
  if (memory === undefined) throw new Error("memory is disabled");
  try {
    for (const key of keys) {
      const hit = await memory.get(key);
      expect(hit, `acknowledged ${key}`).toBeDefined();
      const value = hit?.value as unknown as WriterValue;
      expect(createHash("sha256").update(value.payload).digest("hex")).toBe(value.sha256);
    }
  } finally {
    await memory.close();
  }
}

describe("a writer killed with SIGKILL mid-write", () => {
  it("SQLite (L2): every acknowledged entry is there and whole, nothing torn", async () => {
    const file = join(dir, "crash.db");
    const config: MemoryConfigInput = { l2: { file } };
    const acknowledged = await killWriters(config);
    const { default: Database } = await import("better-sqlite3");
    const db = new Database(file);
    let rows: StoredRow[];
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      rows = db.prepare<[], StoredRow>("SELECT key, value, checksum FROM memory_entries").all();
    } finally {
      db.close();
    }
    const stored = checkIntact(rows);
    for (const key of acknowledged) expect(stored.has(key), `acknowledged ${key}`).toBe(true);
    // At most one put per run was committed without its "ack" reaching us.
    expect(stored.size).toBeLessThanOrEqual(acknowledged.length + 10);
    await checkThroughStore(config, acknowledged);
  });

  it.runIf(postgres.available)(
    "PostgreSQL (L3): every acknowledged entry is there and whole, nothing torn",
    async () => {
      const schema = uniquePostgresSchema("crash");
      schemas.push(schema);
      const config: MemoryConfigInput = { l2: { enabled: false }, postgres: { url: POSTGRES_URL, schema } };
      const acknowledged = await killWriters(config);
      const { default: pg } = await import("pg");
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      let rows: StoredRow[];
      try {
        const result = await client.query<{ key: string; value: Buffer; checksum: string }>(
          `SELECT key, value, checksum FROM "${schema}".memory_entries`,
        );
        rows = result.rows.map((row) => ({ ...row, checksum: Number(row.checksum) }));
      } finally {
        await client.end();
      }
      const stored = checkIntact(rows);
      for (const key of acknowledged) expect(stored.has(key), `acknowledged ${key}`).toBe(true);
      expect(stored.size).toBeLessThanOrEqual(acknowledged.length + 10);
      await checkThroughStore(config, acknowledged);
    },
  );
});
