/**
 * The engine over each durable run log (SQLite under a data dir as configured by default, and the
 * real PostgreSQL): a whole run with its events, the step cache across runs, cancellation, and a
 * run taken over by a second engine on the same log.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type WorkflowConfigInput, workflowConfigSchema } from "../../src/workflow/config.js";
import type { WorkflowEngine } from "../../src/workflow/engine.js";
import { openWorkflowEngine } from "../../src/workflow/open.js";
import { gate, nextEvent, recordEvents } from "../../src/workflow/test-support.js";
import type { WorkflowDefinition } from "../../src/workflow/types.js";
import {
  dropPostgresSchema,
  POSTGRES_URL,
  requirePostgres,
  uniquePostgresSchema,
} from "../helpers/services.js";

const postgres = await requirePostgres();
const dir = mkdtempSync(join(tmpdir(), "hydra-workflow-engine-"));
const schemas: string[] = [];

afterAll(async () => {
  for (const schema of schemas) await dropPostgresSchema(schema);
  rmSync(dir, { recursive: true, force: true });
});

const backends: { name: string; enabled: boolean; config: () => WorkflowConfigInput }[] = [
  { name: "SQLite", enabled: true, config: () => ({ retry: { baseDelayMs: 0 } }) },
  {
    name: "PostgreSQL",
    enabled: postgres.available,
    config: () => {
      const schema = uniquePostgresSchema("workflow_engine");
      schemas.push(schema);
      return { retry: { baseDelayMs: 0 }, postgres: { url: POSTGRES_URL, schema } };
    },
  },
];

const fanOut: WorkflowDefinition = {
  name: "fan-out",
  steps: [
    { id: "plan", run: "plan", input: 3, cacheKey: "plan:3" },
    ...[0, 1, 2].map((i) => ({ id: `part-${i}`, run: "part", input: i, dependsOn: ["plan"] })),
    { id: "merge", run: "merge", dependsOn: ["part-0", "part-1", "part-2"] },
  ],
};

let counter = 0;

for (const backend of backends) {
  describe.runIf(backend.enabled)(`engine on ${backend.name}`, () => {
    async function open(config: WorkflowConfigInput): Promise<WorkflowEngine> {
      return openWorkflowEngine(workflowConfigSchema.parse(config), {
        dataDir: join(dir, `data-${counter}`),
      });
    }

    function registerFanOut(engine: WorkflowEngine, calls: string[]): void {
      engine.register("plan", ({ input }) => {
        calls.push("plan");
        return { parts: input };
      });
      engine.register("part", ({ input, attempt }) => {
        calls.push(`part-${input}`);
        if (input === 1 && attempt === 1) throw new Error("transient");
        return `part ${input}`;
      });
      engine.register("merge", ({ deps }) =>
        Object.keys(deps)
          .sort()
          .map((id) => deps[id]),
      );
    }

    it("runs a fan-out with a retry, logs every transition, and serves the cached step to the next run", async () => {
      counter++;
      const engine = await open(backend.config());
      try {
        const calls: string[] = [];
        registerFanOut(engine, calls);
        const seen = recordEvents(engine);
        const first = await engine.wait(await engine.start(fanOut));
        expect(first.state).toBe("succeeded");
        expect(first.outputs.merge).toEqual(["part 0", "part 1", "part 2"]);
        expect(first.levels).toEqual([["plan"], ["part-0", "part-1", "part-2"], ["merge"]]);
        expect(seen.filter((e) => e.type === "step.retrying").map((e) => "stepId" in e && e.stepId)).toEqual([
          "part-1",
        ]);
        // What the log holds is what wait() said.
        const stored = await engine.get(first.id);
        expect(stored?.state).toBe("succeeded");
        expect(stored?.outputs).toEqual(first.outputs);
        expect(stored?.steps.find((s) => s.stepId === "part-1")?.attempt).toBe(2);

        calls.length = 0;
        const second = await engine.wait(await engine.start(fanOut));
        expect(calls).not.toContain("plan");
        expect(second.steps[0]).toMatchObject({ stepId: "plan", cached: true, output: { parts: 3 } });
        expect((await engine.list({ limit: 2 })).map((run) => run.id)).toEqual([second.id, first.id]);
      } finally {
        await engine.close();
      }
      if (backend.name === "SQLite")
        expect(existsSync(join(dir, `data-${counter}`, "workflows.db"))).toBe(true);
    });

    it("cancels a running run and logs every step's final state", async () => {
      counter++;
      const engine = await open(backend.config());
      try {
        engine.register(
          "wait",
          ({ signal }) => new Promise((_, reject) => signal.addEventListener("abort", reject)),
        );
        const started = nextEvent(engine, "step.started");
        const runId = await engine.start({
          name: "cancel-me",
          steps: [
            { id: "w", run: "wait" },
            { id: "next", run: "wait", dependsOn: ["w"] },
          ],
        });
        await started;
        expect(await engine.cancel(runId)).toBe(true);
        const stored = await engine.get(runId);
        expect(stored?.state).toBe("cancelled");
        expect(stored?.steps.map((step) => step.state)).toEqual(["cancelled", "cancelled"]);
      } finally {
        await engine.close();
      }
    });

    it("lets a second engine on the same log finish a run the first one left", async () => {
      counter++;
      const config = backend.config();
      const first = await open(config);
      const calls: string[] = [];
      const hold = gate();
      let runId: string;
      try {
        first.register("step", async ({ stepId }) => {
          calls.push(`first:${stepId}`);
          if (stepId === "two") await hold.promise;
          return stepId;
        });
        const twoStarted = nextEvent(first, "step.started", (event) => event.stepId === "two");
        runId = await first.start({
          name: "handover",
          steps: [
            { id: "one", run: "step" },
            { id: "two", run: "step", dependsOn: ["one"] },
          ],
        });
        await twoStarted;
      } finally {
        await first.close();
      }
      const second = await open(config);
      try {
        second.register("step", ({ stepId }) => {
          calls.push(`second:${stepId}`);
          return `${stepId}!`;
        });
        expect((await second.resumeAll()).resumed).toEqual([runId]);
        const result = await second.wait(runId);
        expect(result.outputs).toEqual({ one: "one", two: "two!" });
        expect(calls).toEqual(["first:one", "first:two", "second:two"]);
      } finally {
        await second.close();
      }
    });
  });
}
