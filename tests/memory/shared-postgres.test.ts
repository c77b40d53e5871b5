/**
 * Two gateways' stores in separate processes sharing one PostgreSQL schema (L3) see each other's
 * writes: this process writes, a child process (tests/memory/fixtures/memory-child.ts, compiled)
 * reads it and writes back, and this process reads that.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { type MemoryConfigInput, memoryConfigSchema } from "../../src/memory/config.js";
import { openTieredMemory } from "../../src/memory/open.js";
import {
  dropPostgresSchema,
  POSTGRES_URL,
  requirePostgres,
  uniquePostgresSchema,
} from "../helpers/services.js";

const CHILD = fileURLToPath(new URL("../../dist/tests/memory/fixtures/memory-child.js", import.meta.url));
const run = promisify(execFile);
const postgres = await requirePostgres();
const dir = mkdtempSync(join(tmpdir(), "hydra-shared-pg-"));
const schema = uniquePostgresSchema("shared");

afterAll(async () => {
  await dropPostgresSchema(schema);
  rmSync(dir, { recursive: true, force: true });
});

describe.runIf(postgres.available)("two processes sharing PostgreSQL", () => {
  it("each sees what the other wrote", async () => {
    if (!existsSync(CHILD)) throw new Error(`${CHILD} is missing: run 'npm run build' first (npm test does)`);
    // Each gateway has its own L1 and L2; only L3 is shared.
    const config = (name: string): MemoryConfigInput => ({
      postgres: { url: POSTGRES_URL, schema },
      l2: { file: join(dir, `${name}.db`) },
    });
    const memory = await openTieredMemory(
      memoryConfigSchema.parse({ ...config("parent"), sweepIntervalMs: 0 }),
      {
        dataDir: dir,
      },
    );
    if (memory === undefined) throw new Error("memory is disabled");
    try {
      await memory.put("from-parent", { by: "parent", n: 1 });
      const { stdout } = await run(
        process.execPath,
        [
          CHILD,
          "peer",
          JSON.stringify(config("child")),
          dir,
          "from-parent",
          "from-child",
          "hello from the child",
        ],
        { timeout: 20_000 },
      );
      const [line, done] = stdout.trim().split("\n");
      expect(JSON.parse(line ?? "")).toEqual({ read: { by: "parent", n: 1 }, tier: "l3" });
      expect(done).toBe("done");
      expect(await memory.get("from-child")).toMatchObject({ value: "hello from the child", tier: "l3" });
    } finally {
      await memory.close();
    }
  });
});
