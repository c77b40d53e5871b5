/**
 * The run log's promises, checked the same way on every store: SQLite (the embedded default),
 * PostgreSQL (the real server; skipped outside CI when absent) and in memory.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { WorkflowRunExistsError } from "../../src/workflow/errors.js";
import { MemoryRunStore } from "../../src/workflow/run-log/memory.js";
import { openPostgresRunStore } from "../../src/workflow/run-log/postgres.js";
import { openSqliteRunStore } from "../../src/workflow/run-log/sqlite.js";
import type { RunStore } from "../../src/workflow/run-log.js";
import type { WorkflowSpec } from "../../src/workflow/types.js";
import {
  dropPostgresSchema,
  POSTGRES_URL,
  requirePostgres,
  uniquePostgresSchema,
} from "../helpers/services.js";

const postgres = await requirePostgres();
const dir = mkdtempSync(join(tmpdir(), "hydra-workflow-log-"));
const schemas: string[] = [];
const stores: RunStore[] = [];

afterAll(async () => {
  for (const store of stores) await store.close();
  for (const schema of schemas) await dropPostgresSchema(schema);
  rmSync(dir, { recursive: true, force: true });
});

const spec: WorkflowSpec = {
  name: "contract",
  onFailure: "stop",
  steps: ["a", "b", "c"].map((id, i) => ({
    id,
    dependsOn: i === 0 ? [] : ["a"],
    run: "h",
    input: { id },
    retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 },
    timeoutMs: 0,
  })),
};

let counter = 0;

const backends: { name: string; enabled: boolean; open: () => Promise<RunStore> }[] = [
  { name: "memory", enabled: true, open: async () => new MemoryRunStore() },
  {
    name: "sqlite",
    enabled: true,
    open: () => openSqliteRunStore({ file: join(dir, `log-${counter++}.db`) }),
  },
  {
    name: "postgres",
    enabled: postgres.available,
    open: () => {
      const schema = uniquePostgresSchema("workflow_log");
      schemas.push(schema);
      return openPostgresRunStore({ url: POSTGRES_URL, schema, maxConnections: 4 });
    },
  },
];

for (const backend of backends) {
  describe.runIf(backend.enabled)(`run log: ${backend.name}`, () => {
    let store: RunStore;

    beforeEach(async () => {
      store = await backend.open();
      stores.push(store);
    });

    it("stores a new run as running with every step pending, in definition order", async () => {
      await store.createRun({ id: "r1", spec, input: { q: "why?" }, createdAt: 1_000 });
      const run = await store.loadRun("r1");
      expect(run).toEqual({
        id: "r1",
        name: "contract",
        state: "running",
        createdAt: 1_000,
        updatedAt: 1_000,
        spec,
        input: { q: "why?" },
        steps: ["a", "b", "c"].map((stepId) => ({ stepId, state: "pending", attempt: 0, cached: false })),
      });
      expect(await store.loadRun("missing")).toBeUndefined();
    });

    it("refuses a second run with the same id", async () => {
      await store.createRun({ id: "dup", spec, input: null, createdAt: 1 });
      await expect(store.createRun({ id: "dup", spec, input: null, createdAt: 2 })).rejects.toBeInstanceOf(
        WorkflowRunExistsError,
      );
    });

    it("replaces a step's state, and commits the output with succeeded", async () => {
      await store.createRun({ id: "r", spec, input: null, createdAt: 1 });
      expect(
        await store.recordStepState("r", { stepId: "a", state: "running", attempt: 1, startedAt: 5 }),
      ).toBe(1);
      expect((await store.loadRun("r"))?.steps[0]).toEqual({
        stepId: "a",
        state: "running",
        attempt: 1,
        cached: false,
        startedAt: 5,
      });
      await store.recordStepState("r", {
        stepId: "a",
        state: "succeeded",
        attempt: 1,
        outputJson: JSON.stringify({ text: "ünïcødé \u0000 ok", n: [1, 2.5, null] }),
        startedAt: 5,
        finishedAt: 9,
      });
      expect((await store.loadRun("r"))?.steps[0]).toEqual({
        stepId: "a",
        state: "succeeded",
        attempt: 1,
        cached: false,
        output: { text: "ünïcødé \u0000 ok", n: [1, 2.5, null] },
        startedAt: 5,
        finishedAt: 9,
      });
    });

    it("keeps errors with their code", async () => {
      await store.createRun({ id: "r", spec, input: null, createdAt: 1 });
      const error = {
        message: "timed out",
        code: "HYDRA_ERR_WORKFLOW_STEP_TIMEOUT",
        name: "StepTimeoutError",
      };
      await store.recordStepState("r", { stepId: "b", state: "pending", attempt: 2, error });
      expect((await store.loadRun("r"))?.steps[1]).toMatchObject({ state: "pending", attempt: 2, error });
    });

    it("never changes a step that succeeded", async () => {
      await store.createRun({ id: "r", spec, input: null, createdAt: 1 });
      await store.recordStepState("r", {
        stepId: "a",
        state: "succeeded",
        attempt: 1,
        outputJson: '"first"',
      });
      expect(await store.recordStepState("r", { stepId: "a", state: "running", attempt: 2 })).toBe(0);
      expect(
        await store.recordStepState("r", [
          { stepId: "a", state: "skipped", attempt: 1 },
          { stepId: "b", state: "skipped", attempt: 0 },
        ]),
      ).toBe(1);
      const steps = (await store.loadRun("r"))?.steps;
      expect(steps?.[0]).toMatchObject({ state: "succeeded", output: "first" });
      expect(steps?.[1]?.state).toBe("skipped");
    });

    it("stores a cache entry with the step that produced it, and finds it by handler and key", async () => {
      await store.createRun({ id: "r", spec, input: null, createdAt: 1 });
      await store.recordStepState(
        "r",
        { stepId: "a", state: "succeeded", attempt: 1, outputJson: '{"v":1}' },
        { handler: "h", key: "k", outputJson: '{"v":1}', stepId: "a" },
      );
      expect(await store.getCached("h", "k")).toMatchObject({ output: { v: 1 }, runId: "r", stepId: "a" });
      expect(await store.getCached("other", "k")).toBeUndefined();
      expect(await store.getCached("h", "other")).toBeUndefined();
      await store.createRun({ id: "r2", spec, input: null, createdAt: 2 });
      await store.recordStepState(
        "r2",
        { stepId: "a", state: "succeeded", attempt: 1, outputJson: '{"v":2}' },
        { handler: "h", key: "k", outputJson: '{"v":2}', stepId: "a" },
      );
      expect(await store.getCached("h", "k")).toMatchObject({ output: { v: 2 }, runId: "r2" });
    });

    it("finishes a run together with its remaining steps, once", async () => {
      await store.createRun({ id: "r", spec, input: null, createdAt: 1 });
      const error = { message: 'step "a" failed', code: "HYDRA_ERR_WORKFLOW_STEP_FAILED" };
      expect(
        await store.recordRunState("r", { state: "failed", error, at: 50 }, [
          { stepId: "b", state: "skipped", attempt: 0, error: { message: "not run" }, finishedAt: 50 },
        ]),
      ).toBe(true);
      const run = await store.loadRun("r");
      expect(run).toMatchObject({ state: "failed", error, updatedAt: 50, finishedAt: 50 });
      expect(run?.steps[1]).toMatchObject({ state: "skipped", error: { message: "not run" } });
      // A final run stays final, and its steps with it.
      expect(
        await store.recordRunState("r", { state: "succeeded", at: 60 }, [
          { stepId: "c", state: "skipped", attempt: 0 },
        ]),
      ).toBe(false);
      expect((await store.loadRun("r"))?.state).toBe("failed");
      expect((await store.loadRun("r"))?.steps[2]?.state).toBe("pending");
      expect(await store.recordRunState("missing", { state: "failed", at: 1 })).toBe(false);
    });

    it("lists runs newest first, by state, in pages", async () => {
      for (let i = 1; i <= 5; i++)
        await store.createRun({ id: `run-${i}`, spec, input: null, createdAt: i * 10 });
      await store.recordRunState("run-2", { state: "succeeded", at: 100 });
      expect((await store.listRuns()).map((run) => run.id)).toEqual([
        "run-5",
        "run-4",
        "run-3",
        "run-2",
        "run-1",
      ]);
      expect((await store.listRuns({ state: "running" })).map((run) => run.id)).toEqual([
        "run-5",
        "run-4",
        "run-3",
        "run-1",
      ]);
      expect((await store.listRuns({ limit: 2 })).map((run) => run.id)).toEqual(["run-5", "run-4"]);
      expect((await store.listRuns({ limit: 2, before: 40 })).map((run) => run.id)).toEqual([
        "run-3",
        "run-2",
      ]);
      expect((await store.listRuns({ state: "succeeded" }))[0]).toEqual({
        id: "run-2",
        name: "contract",
        state: "succeeded",
        createdAt: 20,
        updatedAt: 100,
        finishedAt: 100,
      });
    });

    it("deletes a run with its steps", async () => {
      await store.createRun({ id: "gone", spec, input: null, createdAt: 1 });
      expect(await store.deleteRun("gone")).toBe(true);
      expect(await store.loadRun("gone")).toBeUndefined();
      expect(await store.deleteRun("gone")).toBe(false);
      await store.createRun({ id: "gone", spec, input: null, createdAt: 2 });
      expect((await store.loadRun("gone"))?.steps).toHaveLength(3);
    });
  });
}

describe("run log: SQLite file", () => {
  it("keeps runs across reopening the file", async () => {
    const file = join(dir, "reopen.db");
    const first = await openSqliteRunStore({ file });
    await first.createRun({ id: "kept", spec, input: 1, createdAt: 1 });
    await first.recordStepState("kept", { stepId: "a", state: "succeeded", attempt: 1, outputJson: "42" });
    await first.close();
    const second = await openSqliteRunStore({ file });
    stores.push(second);
    expect((await second.loadRun("kept"))?.steps[0]?.output).toBe(42);
  });

  it("says which setting to fix when the file cannot be opened", async () => {
    // A directory that cannot exist: its parent is a file.
    const blocker = join(dir, "a-file");
    writeFileSync(blocker, "");
    await expect(openSqliteRunStore({ file: join(blocker, "sub", "workflows.db") })).rejects.toThrow(
      /workflow\.file .*cannot open the SQLite database/,
    );
  });
});

describe.runIf(postgres.available)("run log: PostgreSQL schema", () => {
  it("migrates once, even when two stores open the same schema at once", async () => {
    const schema = uniquePostgresSchema("workflow_migrate");
    schemas.push(schema);
    const [a, b] = await Promise.all([
      openPostgresRunStore({ url: POSTGRES_URL, schema, maxConnections: 2 }),
      openPostgresRunStore({ url: POSTGRES_URL, schema, maxConnections: 2 }),
    ]);
    stores.push(a, b);
    await a.createRun({ id: "shared", spec, input: null, createdAt: 1 });
    expect((await b.loadRun("shared"))?.id).toBe("shared");
  });

  it("says which setting to fix when PostgreSQL cannot be reached", async () => {
    await expect(
      openPostgresRunStore({
        url: "postgres://postgres@127.0.0.1:1/test",
        schema: "hydra",
        maxConnections: 1,
      }),
    ).rejects.toThrow(/workflow\.postgres\.url .*remove workflow\.postgres\.url to use SQLite/);
  });
});
