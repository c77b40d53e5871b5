/**
 * Workflow engine speed, two figures from the orchestration issue:
 *
 * - engine_overhead_ms_per_step: wall time of a run of 1000 no-op steps divided by 1000, with the
 *   embedded setup (in-process executor, SQLite run log under a temp data dir, default config:
 *   concurrency 8, a timeout timer per attempt). The handlers do nothing, so every millisecond is
 *   the engine's: validation, the run log's two commits per step, events, scheduling. Three
 *   shapes (a chain, 1000 independent steps, 10 layers of 100), median of several runs each; the
 *   headline is the worst shape. The in-memory log and PostgreSQL are measured for context.
 * - parallel_efficiency: DAGs whose steps sleep known durations; critical-path time (dag.ts's
 *   criticalPath over the sleeps) / measured wall time. 1.0 would be a free scheduler; the
 *   headline is the worst DAG (concurrency 64, so the limit never binds).
 *
 * Writes bench/results/workflow.json. The orchestrator's bench measures parallel efficiency on
 * the sim cluster too; this one isolates the engine.
 *
 *   npm run bench:workflow [-- --steps 1000] [-- --reps 5] [-- --no-postgres]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { seededRandom } from "../src/random/seeded-random.js";
import { buildDag, criticalPath } from "../src/workflow/dag.js";
import { WorkflowEngine } from "../src/workflow/engine.js";
import { MemoryRunStore } from "../src/workflow/run-log/memory.js";
import type { RunStore } from "../src/workflow/run-log.js";
import type { StepDefinition, WorkflowDefinition } from "../src/workflow/types.js";
import { dropSchema, POSTGRES_URL } from "./lib/postgres.js";
import { argument, log, machineWithLoad, median, round } from "./lib/stats.js";
import { chain, layered, measureOverhead, type OverheadResult } from "./lib/workflow-overhead.js";

const RESULTS = fileURLToPath(new URL("../../bench/results/", import.meta.url));
const TARGET_OVERHEAD_MS = 1;
const TARGET_EFFICIENCY = 0.85;

// ------------------------------------------------------------------ overhead

interface StoreSetup {
  name: string;
  open(): Promise<{ store: RunStore; cleanup(): Promise<void> } | { skipped: string }>;
  reps: number;
}

async function overheadOn(
  setup: StoreSetup,
  steps: number,
  reps: number,
): Promise<OverheadResult[] | { skipped: string }> {
  const opened = await setup.open();
  if ("skipped" in opened) return opened;
  try {
    return await measureOverhead(opened.store, setup.name, steps, Math.min(reps, setup.reps));
  } finally {
    await opened.store.close();
    await opened.cleanup();
  }
}

function storeSetups(dir: string, withPostgres: boolean): StoreSetup[] {
  const nothing = async () => {};
  return [
    {
      name: "sqlite",
      reps: 99,
      open: async () => {
        const { openSqliteRunStore } = await import("../src/workflow/run-log/sqlite.js");
        return { store: await openSqliteRunStore({ file: join(dir, "workflows.db") }), cleanup: nothing };
      },
    },
    { name: "memory", reps: 99, open: async () => ({ store: new MemoryRunStore(), cleanup: nothing }) },
    {
      name: "postgres",
      reps: 3,
      open: async () => {
        if (!withPostgres) return { skipped: "--no-postgres" };
        const { openPostgresRunStore } = await import("../src/workflow/run-log/postgres.js");
        const schema = `hydra_bench_workflow_${process.pid}`;
        try {
          const store = await openPostgresRunStore({ url: POSTGRES_URL, schema, maxConnections: 8 });
          return { store, cleanup: () => dropSchema(schema) };
        } catch (error) {
          return { skipped: (error as Error).message };
        }
      },
    },
  ];
}

// ------------------------------------------------------------------ parallel efficiency

interface TimedDag {
  name: string;
  steps: (StepDefinition & { input: { ms: number } })[];
}

function timedDags(): TimedDag[] {
  const random = seededRandom(42);
  const ms = (low: number, high: number) => low + Math.floor(random() * (high - low));
  const dags: TimedDag[] = [];
  // Fan-out / fan-in: plan, 8 parallel calls, merge.
  dags.push({
    name: "fan-out 8",
    steps: [
      { id: "plan", run: "sleep", input: { ms: 40 } },
      ...Array.from({ length: 8 }, (_, i) => ({
        id: `call-${i}`,
        run: "sleep",
        dependsOn: ["plan"],
        input: { ms: ms(80, 240) },
      })),
      {
        id: "merge",
        run: "sleep",
        dependsOn: Array.from({ length: 8 }, (_, i) => `call-${i}`),
        input: { ms: 40 },
      },
    ],
  });
  // Orchestration-like: analyze, decompose, 5 subtasks (two depend on others) each fanned out to 3
  // models, one synthesis per subtask, then assemble.
  const steps: TimedDag["steps"] = [
    { id: "analyze", run: "sleep", input: { ms: 30 } },
    { id: "decompose", run: "sleep", dependsOn: ["analyze"], input: { ms: 50 } },
  ];
  const subtaskDeps: Record<number, number[]> = { 3: [0], 4: [1, 2] };
  for (let t = 0; t < 5; t++) {
    const after = ["decompose", ...(subtaskDeps[t] ?? []).map((d) => `synth-${d}`)];
    for (let m = 0; m < 3; m++) {
      steps.push({ id: `task-${t}-model-${m}`, run: "sleep", dependsOn: after, input: { ms: ms(60, 200) } });
    }
    steps.push({
      id: `synth-${t}`,
      run: "sleep",
      dependsOn: [0, 1, 2].map((m) => `task-${t}-model-${m}`),
      input: { ms: 25 },
    });
  }
  steps.push({
    id: "assemble",
    run: "sleep",
    dependsOn: [0, 1, 2, 3, 4].map((t) => `synth-${t}`),
    input: { ms: 20 },
  });
  dags.push({ name: "orchestration 5x3", steps });
  // Random layered DAG: 5 layers of 6, random durations and dependencies.
  const layeredSteps = layered(5, 6, "sleep", random).map((step) => ({
    ...step,
    input: { ms: ms(20, 150) },
  }));
  dags.push({ name: "random 5x6", steps: layeredSteps });
  // A chain: pure scheduling latency between dependent steps.
  dags.push({
    name: "chain 12",
    steps: chain(12, "sleep").map((step) => ({ ...step, input: { ms: 30 } })),
  });
  return dags;
}

interface EfficiencyResult {
  dag: string;
  steps: number;
  critical_path_ms: number;
  critical_path: string[];
  sum_of_steps_ms: number;
  wall_ms: number[];
  efficiency: number;
}

async function measureEfficiency(dir: string, reps: number): Promise<EfficiencyResult[]> {
  const { openSqliteRunStore } = await import("../src/workflow/run-log/sqlite.js");
  const store = await openSqliteRunStore({ file: join(dir, "efficiency.db") });
  const engine = new WorkflowEngine({ store, concurrency: 64 });
  engine.register("sleep", async ({ input, signal }) => {
    await sleep((input as { ms: number }).ms, undefined, { signal });
    return null;
  });
  const results: EfficiencyResult[] = [];
  try {
    for (const dag of timedDags()) {
      const durations = new Map(dag.steps.map((step) => [step.id, step.input.ms]));
      const path = criticalPath(
        buildDag(dag.steps.map((step) => ({ id: step.id, dependsOn: step.dependsOn ?? [] }))),
        (id) => durations.get(id) ?? 0,
      );
      const definition: WorkflowDefinition = { name: dag.name, steps: dag.steps };
      const wall: number[] = [];
      for (let rep = 0; rep < reps; rep++) {
        const started = performance.now();
        const result = await engine.wait(await engine.start(definition));
        wall.push(performance.now() - started);
        if (result.state !== "succeeded") throw new Error(`${dag.name}: run ${result.state}`);
      }
      const entry: EfficiencyResult = {
        dag: dag.name,
        steps: dag.steps.length,
        critical_path_ms: path.durationMs,
        critical_path: path.path,
        sum_of_steps_ms: [...durations.values()].reduce((sum, value) => sum + value, 0),
        wall_ms: wall.map((ms) => round(ms, 1)),
        efficiency: round(path.durationMs / median(wall), 3),
      };
      results.push(entry);
      log(
        `  ${dag.name}: critical path ${entry.critical_path_ms} ms, wall ${round(median(wall), 1)} ms (median of ${reps}) -> efficiency ${entry.efficiency}; steps sum to ${entry.sum_of_steps_ms} ms`,
      );
    }
  } finally {
    await engine.close();
    await store.close();
  }
  return results;
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const steps = argument("steps", 1_000);
  const reps = argument("reps", 5);
  const withPostgres = !process.argv.includes("--no-postgres");
  const dir = mkdtempSync(join(tmpdir(), "hydra-bench-workflow-"));
  const loadBefore = loadavg();
  const overhead: Record<string, OverheadResult[] | { skipped: string }> = {};
  let efficiency: EfficiencyResult[];
  try {
    log(`workflow: engine overhead over ${steps} no-op steps per run`);
    for (const setup of storeSetups(dir, withPostgres)) {
      overhead[setup.name] = await overheadOn(setup, steps, reps);
      const result = overhead[setup.name];
      if (result !== undefined && "skipped" in result) log(`  ${setup.name}: skipped (${result.skipped})`);
    }
    log("workflow: parallel efficiency (steps sleep known durations; critical path / wall time)");
    efficiency = await measureEfficiency(dir, reps);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const embedded = overhead.sqlite as OverheadResult[];
  const overheadMs = Math.max(...embedded.map((entry) => entry.median_ms_per_step));
  const parallelEfficiency = Math.min(...efficiency.map((entry) => entry.efficiency));
  const met = {
    engine_overhead_ms_per_step: overheadMs <= TARGET_OVERHEAD_MS,
    parallel_efficiency: parallelEfficiency >= TARGET_EFFICIENCY,
  };
  const report = {
    benchmark: "workflow",
    date: new Date().toISOString(),
    machine: machineWithLoad(loadBefore),
    settings: {
      steps,
      reps,
      note: "overhead: wall time of whole runs of no-op steps / steps, embedded engine (in-process executor, SQLite run log, concurrency 8, default timeout timer per attempt), median of reps after a warm-up run; headline = worst shape. efficiency: steps sleep known durations, concurrency 64, SQLite run log; critical path / median wall time; headline = worst DAG",
    },
    engine_overhead_ms_per_step: overheadMs,
    parallel_efficiency: parallelEfficiency,
    targets: {
      engine_overhead_ms_per_step: `<= ${TARGET_OVERHEAD_MS} ms (embedded)`,
      parallel_efficiency: `>= ${TARGET_EFFICIENCY}`,
    },
    met: { ...met, all: met.engine_overhead_ms_per_step && met.parallel_efficiency },
    results: { overhead, efficiency },
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(`${RESULTS}workflow.json`, `${JSON.stringify(report, null, 2)}\n`);
  log(
    `engine_overhead_ms_per_step ${overheadMs} (target <= ${TARGET_OVERHEAD_MS}: ${met.engine_overhead_ms_per_step ? "met" : "NOT met"}); parallel_efficiency ${parallelEfficiency} (target >= ${TARGET_EFFICIENCY}: ${met.parallel_efficiency ? "met" : "NOT met"}); wrote bench/results/workflow.json`,
  );
}

await main();
