/**
 * The orchestrator's benchmark, three figures from the orchestration issue:
 *
 * - parallel_efficiency: DAGs whose every step is one real model call through the gateway's pool
 *   (`poolModelCaller`, so the router places it) on a simulated cluster with known speed (fixed
 *   decode rate, answers cut by `num_predict`), run by the workflow engine on its SQLite run log.
 *   Critical path = longest path through the DAG over each step's own measured duration (from the
 *   engine's `step.succeeded` events); efficiency = critical path / wall time of the run. Three
 *   shapes (fan-out of 6, diamond 1→4→1, two chains of 3), median of several runs; headline = worst.
 * - engine_overhead_ms_per_step: wall time of a run of 1000 no-op steps / 1000 (embedded: in-process
 *   executor, SQLite run log under a temp dir, concurrency 8), as bench/workflow.ts measures it;
 *   headline = worst of three shapes (chain, independent, 10 layers).
 * - synthesis quality on the sim task bank: 5 sim models (skills 0.3 … 0.7) answer every task with
 *   code and tests of their own (some wrong), offline with `simulatedAnswer` for 3 seeds; the pass
 *   rate on the task's hidden tests of the best single model, the original's line-vote merge,
 *   `vote`, `verify` (only the models' own tests, never the hidden ones) and the oracle "any
 *   candidate correct". Every pick is graded by running its code against the hidden tests.
 *
 * Writes bench/results/orchestrate.json; progress on stderr.
 *
 *   npm run bench:orchestrate [-- --reps 3] [-- --seeds 3] [-- --steps 1000]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { hydraConfigSchema } from "../src/config/schema.js";
import { createGateway, type Gateway } from "../src/gateway/server.js";
import { poolModelCaller } from "../src/orchestrator/model-client.js";
import { extractCode } from "../src/orchestrator/synthesis/extract.js";
import { lineVoteMerge } from "../src/orchestrator/synthesis/index.js";
import { synthesize } from "../src/orchestrator/synthesis/strategies.js";
import type { Candidate } from "../src/orchestrator/synthesis/types.js";
import { type SimNodeHandle, startSimNode } from "../src/sim/index.js";
import { type CheckJob, listTasks, runChecks, simulatedAnswer } from "../src/sim/tasks/index.js";
import { buildDag, criticalPath } from "../src/workflow/dag.js";
import { WorkflowEngine } from "../src/workflow/engine.js";
import { openSqliteRunStore } from "../src/workflow/run-log/sqlite.js";
import type { StepDefinition, WorkflowDefinition } from "../src/workflow/types.js";
import { argument, log, machineWithLoad, median, round } from "./lib/stats.js";
import { measureOverhead, type OverheadResult } from "./lib/workflow-overhead.js";

const RESULTS = fileURLToPath(new URL("../../bench/results/", import.meta.url));
const TARGET_EFFICIENCY = 0.85;
const TARGET_OVERHEAD_MS = 1;
const TARGET_VERIFY_OF_ORACLE = 0.9;
const TARGET_VERIFY_OVER_BEST_POINTS = 15;

const MODEL = "bench-model";
const DECODE_TPS = 100;
const NODES = 3;
const SLOTS = 8;
const SKILLS = [0.3, 0.4, 0.5, 0.6, 0.7];

// ------------------------------------------------------------------ parallel efficiency

/** Each step asks for `tokens` tokens: tokens / DECODE_TPS seconds of decoding. */
type CallStep = StepDefinition & { input: { tokens: number } };

function dagShapes(): { name: string; steps: CallStep[] }[] {
  const call = (id: string, tokens: number, dependsOn: string[] = []): CallStep => ({
    id,
    run: "call",
    dependsOn,
    input: { tokens },
  });
  const fanOutTokens = [20, 35, 25, 40, 30, 15];
  const diamondTokens = [30, 25, 40, 20];
  return [
    { name: "fan-out 6", steps: fanOutTokens.map((t, i) => call(`s${i}`, t)) },
    {
      name: "diamond 1-4-1",
      steps: [
        call("top", 15),
        ...diamondTokens.map((t, i) => call(`mid${i}`, t, ["top"])),
        call(
          "bottom",
          20,
          diamondTokens.map((_, i) => `mid${i}`),
        ),
      ],
    },
    {
      name: "two chains of 3",
      steps: [
        call("a0", 20),
        call("a1", 30, ["a0"]),
        call("a2", 25, ["a1"]),
        call("b0", 35),
        call("b1", 15, ["b0"]),
        call("b2", 30, ["b1"]),
      ],
    },
  ];
}

interface EfficiencyResult {
  dag: string;
  steps: number;
  /** Critical path over the nominal decode times (tokens / decode rate), ms. */
  nominal_critical_path_ms: number;
  critical_path: string[];
  /** Per run: critical path over the steps' measured durations, ms. */
  critical_path_ms: number[];
  wall_ms: number[];
  efficiency_per_run: number[];
  /** Median of the runs' efficiencies. */
  efficiency: number;
  /** Nominal critical path / median wall: also counts each call's HTTP and gateway time as overhead. */
  efficiency_vs_nominal: number;
}

async function startCluster(dir: string): Promise<{ sims: SimNodeHandle[]; gateway: Gateway }> {
  const sims: SimNodeHandle[] = [];
  for (let i = 0; i < NODES; i++) {
    sims.push(
      await startSimNode({
        name: `sim-${i + 1}`,
        num_parallel: SLOTS,
        vram_mb: 64_000,
        prefill_tps: 1_000_000,
        decode_tps: DECODE_TPS,
        load_mbps: 1_000_000,
        keep_alive: -1,
        response_tokens: { min: 200, max: 200 },
        models: [{ name: MODEL, size_mb: 1000, loaded: true }],
      }),
    );
  }
  const config = hydraConfigSchema.parse({
    dataDir: join(dir, "data"),
    server: { port: 0 },
    log: { level: "silent" },
    responseCache: { enabled: false },
    nodes: sims.map((sim) => ({ url: sim.url, name: sim.name, slots: SLOTS })),
  });
  const gateway = createGateway(config);
  await gateway.start();
  return { sims, gateway };
}

async function measureEfficiency(dir: string, reps: number): Promise<EfficiencyResult[]> {
  const { sims, gateway } = await startCluster(dir);
  const store = await openSqliteRunStore({ file: join(dir, "efficiency.db") });
  const engine = new WorkflowEngine({ store, concurrency: 16 });
  const caller = poolModelCaller(gateway.pool);
  let seed = 0;
  engine.register("call", async ({ input, signal }) => {
    const { tokens } = input as { tokens: number };
    const answer = await caller({
      model: MODEL,
      messages: [{ role: "user", content: `Say ${tokens} tokens, please (${++seed}).` }],
      options: { num_predict: tokens, seed },
      signal,
    });
    return { node: answer.node, tokens: answer.outputTokens };
  });
  const durations = new Map<string, number>();
  engine.on("step.succeeded", (event) => durations.set(`${event.runId}/${event.stepId}`, event.durationMs));
  const results: EfficiencyResult[] = [];
  try {
    // Warm-up: connections, JIT, the router's first statistics.
    const warm = dagShapes()[0];
    if (warm !== undefined) await engine.wait(await engine.start({ name: "warm-up", steps: warm.steps }));
    for (const shape of dagShapes()) {
      const dag = buildDag(shape.steps.map((step) => ({ id: step.id, dependsOn: step.dependsOn ?? [] })));
      const nominal = new Map(shape.steps.map((step) => [step.id, (step.input.tokens / DECODE_TPS) * 1000]));
      const nominalPath = criticalPath(dag, (id) => nominal.get(id) ?? 0);
      const definition: WorkflowDefinition = { name: shape.name, steps: shape.steps };
      const wall: number[] = [];
      const critical: number[] = [];
      for (let rep = 0; rep < reps; rep++) {
        const started = performance.now();
        const runId = await engine.start(definition);
        const result = await engine.wait(runId);
        wall.push(performance.now() - started);
        if (result.state !== "succeeded") throw new Error(`${shape.name}: run ${result.state}`);
        critical.push(criticalPath(dag, (id) => durations.get(`${runId}/${id}`) ?? 0).durationMs);
      }
      const perRun = wall.map((w, i) => (critical[i] ?? 0) / w);
      const entry: EfficiencyResult = {
        dag: shape.name,
        steps: shape.steps.length,
        nominal_critical_path_ms: round(nominalPath.durationMs, 1),
        critical_path: nominalPath.path,
        critical_path_ms: critical.map((ms) => round(ms, 1)),
        wall_ms: wall.map((ms) => round(ms, 1)),
        efficiency_per_run: perRun.map((e) => round(e, 3)),
        efficiency: round(median(perRun), 3),
        efficiency_vs_nominal: round(nominalPath.durationMs / median(wall), 3),
      };
      results.push(entry);
      log(
        `  ${shape.name}: critical path ${round(median(critical), 1)} ms (nominal ${entry.nominal_critical_path_ms}), wall ${round(median(wall), 1)} ms -> efficiency ${entry.efficiency} (median of ${reps}; vs nominal ${entry.efficiency_vs_nominal})`,
      );
    }
  } finally {
    await engine.close();
    await store.close();
    await gateway.close();
    await Promise.all(sims.map((sim) => sim.close()));
  }
  return results;
}

// ------------------------------------------------------------------ synthesis quality

const METHODS = ["line_vote", "vote", "verify", "oracle"] as const;

interface SynthesisCase {
  taskId: string;
  seed: number;
  /** Per model: its code passes the hidden tests. */
  models: Record<string, boolean>;
  line_vote: boolean;
  vote: boolean;
  verify: boolean;
  oracle: boolean;
  verify_reason: string;
}

async function measureSynthesis(seeds: number) {
  const tasks = listTasks();
  const models = SKILLS.map((skill) => ({ name: `sim-skill-${skill}`, skill }));
  // Every program to grade, as one batch for runChecks at the end.
  const jobs: CheckJob[] = [];
  const grade = (language: CheckJob["language"], code: string | undefined, tests: readonly string[]) => {
    if (code === undefined || code.trim() === "") return -1;
    jobs.push({ language, code, tests });
    return jobs.length - 1;
  };
  interface Pending {
    taskId: string;
    seed: number;
    models: Record<string, number>;
    line_vote: number;
    vote: number;
    verify: number;
    verify_reason: string;
  }
  const pending: Pending[] = [];
  const total = tasks.length * seeds;
  const started = performance.now();
  let done = 0;
  let verifyMs = 0;
  for (const task of tasks) {
    for (let seed = 1; seed <= seeds; seed++) {
      const candidates: Candidate[] = models.map((model, i) => ({
        id: `c${i + 1}`,
        model: model.name,
        text: simulatedAnswer({ task, model: model.name, skill: model.skill, seed, withTests: true }).text,
      }));
      const options = { language: task.language, functionName: task.functionName } as const;
      const perModel: Record<string, number> = {};
      for (const candidate of candidates) {
        perModel[candidate.model] = grade(
          task.language,
          extractCode(candidate.text, options)?.code,
          task.hiddenTests,
        );
      }
      const lineVote = lineVoteMerge(candidates, options);
      const voted = await synthesize("vote", candidates, options);
      const verifyStarted = performance.now();
      // Only the tests the models wrote in their answers (harvested by default); never the hidden ones.
      const verified = await synthesize("verify", candidates, options);
      verifyMs += performance.now() - verifyStarted;
      const chosenCode = (chosen: typeof voted.chosen) =>
        chosen === undefined ? undefined : (chosen.code ?? extractCode(chosen.text, options)?.code);
      pending.push({
        taskId: task.id,
        seed,
        models: perModel,
        line_vote: grade(task.language, lineVote.code, task.hiddenTests),
        vote: grade(task.language, chosenCode(voted.chosen), task.hiddenTests),
        verify: grade(task.language, chosenCode(verified.chosen), task.hiddenTests),
        verify_reason: verified.reason,
      });
      done++;
      if (done % 20 === 0 || done === total) {
        log(
          `  ${done}/${total} task x seed synthesized (${round((performance.now() - started) / 1000, 1)} s)`,
        );
      }
    }
  }
  log(`  grading ${jobs.length} programs against the hidden tests`);
  const checks = await runChecks(jobs);
  const passed = (index: number) => index >= 0 && checks[index]?.passed === true;
  const cases: SynthesisCase[] = pending.map((p) => {
    const perModel = Object.fromEntries(Object.entries(p.models).map(([m, i]) => [m, passed(i)]));
    return {
      taskId: p.taskId,
      seed: p.seed,
      models: perModel,
      line_vote: passed(p.line_vote),
      vote: passed(p.vote),
      verify: passed(p.verify),
      oracle: Object.values(perModel).some(Boolean),
      verify_reason: p.verify_reason,
    };
  });
  const rate = (count: number) => round(count / Math.max(1, cases.length), 4);
  const perModelRate = Object.fromEntries(
    models.map((m) => [m.name, rate(cases.filter((c) => c.models[m.name]).length)]),
  );
  const best = Object.entries(perModelRate).reduce((a, b) => (b[1] > a[1] ? b : a), [
    "",
    Number.NEGATIVE_INFINITY,
  ] as [string, number]);
  const rates = Object.fromEntries(METHODS.map((m) => [m, rate(cases.filter((c) => c[m]).length)])) as Record<
    (typeof METHODS)[number],
    number
  >;
  return {
    tasks: tasks.length,
    seeds,
    cases: cases.length,
    models: models.map((m) => ({ name: m.name, skill: m.skill, pass_rate: perModelRate[m.name] })),
    best_single_model: { model: best[0], pass_rate: best[1] },
    pass_rate: { best_single_model: best[1], ...rates },
    verify_mean_ms: round(verifyMs / Math.max(1, cases.length), 1),
    failures: {
      verify_wrong_oracle_right: cases
        .filter((c) => c.oracle && !c.verify)
        .map((c) => ({
          task: c.taskId,
          seed: c.seed,
          reason: c.verify_reason,
        })),
    },
  };
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const reps = argument("reps", 3);
  const seeds = argument("seeds", 3);
  const steps = argument("steps", 1_000);
  const dir = mkdtempSync(join(tmpdir(), "hydra-bench-orchestrate-"));
  const loadBefore = loadavg();
  let efficiency: EfficiencyResult[];
  let overhead: OverheadResult[];
  let synthesis: Awaited<ReturnType<typeof measureSynthesis>>;
  try {
    log(`orchestrate: parallel efficiency (model calls on ${NODES} sim nodes, ${DECODE_TPS} tokens/s)`);
    efficiency = await measureEfficiency(dir, reps);
    log(`orchestrate: engine overhead over ${steps} no-op steps (SQLite run log)`);
    const store = await openSqliteRunStore({ file: join(dir, "overhead.db") });
    try {
      overhead = await measureOverhead(store, "sqlite", steps, reps);
    } finally {
      await store.close();
    }
    log(
      `orchestrate: synthesis quality, ${SKILLS.length} sim models of skills ${SKILLS.join(", ")}, ${seeds} seeds`,
    );
    synthesis = await measureSynthesis(seeds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const parallelEfficiency = Math.min(...efficiency.map((e) => e.efficiency));
  const overheadMs = Math.max(...overhead.map((e) => e.median_ms_per_step));
  const rates = synthesis.pass_rate;
  const verifyOfOracle = round(rates.verify / Math.max(1e-9, rates.oracle), 4);
  const verifyOverBest = round((rates.verify - rates.best_single_model) * 100, 2);
  const met = {
    parallel_efficiency: parallelEfficiency >= TARGET_EFFICIENCY,
    engine_overhead_ms_per_step: overheadMs <= TARGET_OVERHEAD_MS,
    verify_of_oracle: verifyOfOracle >= TARGET_VERIFY_OF_ORACLE,
    verify_over_best_single_points: verifyOverBest >= TARGET_VERIFY_OVER_BEST_POINTS,
  };
  const allMet = Object.values(met).every(Boolean);
  const report = {
    benchmark: "orchestrate",
    date: new Date().toISOString(),
    machine: machineWithLoad(loadBefore),
    settings: {
      reps,
      seeds,
      steps,
      cluster: { nodes: NODES, slots_per_node: SLOTS, decode_tps: DECODE_TPS, model: MODEL },
      skills: SKILLS,
      note: "efficiency: each step is one /api/chat through the gateway's pool (poolModelCaller) to a sim node, answer cut by num_predict; critical path over the steps' measured durations (step.succeeded events) / wall time of the run, median of reps; headline = worst DAG. overhead: 1000 no-op steps, embedded engine, SQLite run log, concurrency 8, median of reps after a warm-up; headline = worst shape. synthesis: offline simulatedAnswer with tests, graded on the bank's hidden tests; verify sees only the models' own tests",
    },
    parallel_efficiency: parallelEfficiency,
    engine_overhead_ms_per_step: overheadMs,
    synthesis_pass_rate: rates,
    verify_of_oracle: verifyOfOracle,
    verify_over_best_single_points: verifyOverBest,
    targets: {
      parallel_efficiency: {
        target: `>= ${TARGET_EFFICIENCY}`,
        measured: parallelEfficiency,
        met: met.parallel_efficiency,
      },
      engine_overhead_ms_per_step: {
        target: `<= ${TARGET_OVERHEAD_MS} ms (embedded)`,
        measured: overheadMs,
        met: met.engine_overhead_ms_per_step,
      },
      verify_of_oracle: {
        target: `>= ${TARGET_VERIFY_OF_ORACLE}`,
        measured: verifyOfOracle,
        met: met.verify_of_oracle,
      },
      verify_over_best_single_points: {
        target: `>= ${TARGET_VERIFY_OVER_BEST_POINTS}`,
        measured: verifyOverBest,
        met: met.verify_over_best_single_points,
      },
    },
    all_targets_met: allMet,
    results: { efficiency, overhead, synthesis },
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(`${RESULTS}orchestrate.json`, `${JSON.stringify(report, null, 2)}\n`);
  const pct = (v: number) => `${round(v * 100, 1)} %`;
  const mark = (ok: boolean) => (ok ? "met" : "NOT met");
  log(
    `parallel_efficiency ${parallelEfficiency} (target >= ${TARGET_EFFICIENCY}: ${mark(met.parallel_efficiency)})`,
  );
  log(
    `engine_overhead_ms_per_step ${overheadMs} (target <= ${TARGET_OVERHEAD_MS}: ${mark(met.engine_overhead_ms_per_step)})`,
  );
  log(
    `pass rates: best single ${pct(rates.best_single_model)} (${synthesis.best_single_model.model}), line-vote ${pct(rates.line_vote)}, vote ${pct(rates.vote)}, verify ${pct(rates.verify)}, oracle ${pct(rates.oracle)}`,
  );
  log(
    `verify = ${pct(verifyOfOracle)} of the oracle (target >= ${pct(TARGET_VERIFY_OF_ORACLE)}: ${mark(met.verify_of_oracle)}), ${verifyOverBest} points over the best single model (target >= ${TARGET_VERIFY_OVER_BEST_POINTS}: ${mark(met.verify_over_best_single_points)})`,
  );
  log(`all targets met: ${allMet}; wrote bench/results/orchestrate.json`);
}

await main();
