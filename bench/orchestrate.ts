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
 * verify runs once per case (gatherVerifyEvidence); its decision is then made, purely, three ways:
 * as the gateway does by default (every model counts the same), with per-model reliability
 * learned from verify's own earlier outcomes in the bank's order ("verify_learned"), and with
 * reliability learned on every third task and frozen, judged on the other tasks (held out).
 *
 *   npm run bench:orchestrate [-- --reps 3] [-- --seeds 3] [-- --steps 1000]
 *   npm run bench:orchestrate -- --only synthesis   (writes bench/results/orchestrate-synthesis.json)
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
import {
  emptyReliabilityBook,
  type ReliabilityBook,
  recordOutcomes,
  reliabilityOf,
} from "../src/orchestrator/synthesis/reliability.js";
import { type SynthesisOptions, synthesize } from "../src/orchestrator/synthesis/strategies.js";
import type { Candidate } from "../src/orchestrator/synthesis/types.js";
import {
  decideVerify,
  gatherVerifyEvidence,
  reliabilityOutcomes,
  type VerifyEvidence,
  type VerifyReport,
} from "../src/orchestrator/synthesis/verify.js";
import { vote } from "../src/orchestrator/synthesis/vote.js";
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

const METHODS = ["line_vote", "vote", "verify", "verify_learned", "oracle"] as const;
type Method = (typeof METHODS)[number];

/** Warm-up tasks of the split: every third task of the bank (both languages), the rest held out. */
const WARM_UP_EVERY = 3;

interface SynthesisCase {
  taskId: string;
  seed: number;
  warmUp: boolean;
  /** Per model: its code passes the hidden tests. */
  models: Record<string, boolean>;
  line_vote: boolean;
  vote: boolean;
  verify: boolean;
  verify_learned: boolean;
  /** Verify with the book learned on the warm-up tasks only, frozen (held-out cases only). */
  verify_warm: boolean;
  oracle: boolean;
  verify_reason: string;
  verify_learned_reason: string;
}

/** The chosen candidate's code, with synthesize()'s fallback to a vote when verify has none. */
function verifyPick(
  report: VerifyReport,
  candidates: readonly Candidate[],
  options: SynthesisOptions,
): { code: string | undefined; reason: string } {
  const chosen = report.chosen ?? vote(candidates, options).chosen;
  const code = chosen === undefined ? undefined : (chosen.code ?? extractCode(chosen.text, options)?.code);
  return {
    code,
    reason: report.chosen === undefined ? `fell back to a vote: ${report.reason}` : report.reason,
  };
}

/**
 * Learned reliability as verify's weights: each model's posterior on the "code" task type.
 * Learned only from verify's own outcomes (who ended up in the verified group), never from
 * the hidden tests or the sim's configured skills.
 */
function weightsFrom(book: ReliabilityBook, candidates: readonly Candidate[]): Map<string, number> {
  return new Map(candidates.map((c) => [c.id, reliabilityOf(book, c.model, "code")]));
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
  interface Gathered {
    task: (typeof tasks)[number];
    taskIndex: number;
    seed: number;
    candidates: Candidate[];
    options: SynthesisOptions;
    evidence: VerifyEvidence;
    models: Record<string, number>;
    line_vote: number;
    vote: number;
  }
  const gathered: Gathered[] = [];
  const total = tasks.length * seeds;
  const started = performance.now();
  let verifyMs = 0;
  for (const [taskIndex, task] of tasks.entries()) {
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
      // Run once; every way of deciding below is a pure function of this evidence. Only the
      // tests the models wrote in their answers (harvested by default); never the hidden ones.
      const evidence = await gatherVerifyEvidence(candidates, options);
      verifyMs += performance.now() - verifyStarted;
      const voteCode =
        voted.chosen?.code ?? (voted.chosen ? extractCode(voted.chosen.text, options)?.code : undefined);
      gathered.push({
        task,
        taskIndex,
        seed,
        candidates,
        options,
        evidence,
        models: perModel,
        line_vote: grade(task.language, lineVote.code, task.hiddenTests),
        vote: grade(task.language, voteCode, task.hiddenTests),
      });
      if (gathered.length % 20 === 0 || gathered.length === total) {
        log(
          `  ${gathered.length}/${total} task x seed run (${round((performance.now() - started) / 1000, 1)} s)`,
        );
      }
    }
  }

  const decide = (g: Gathered, weights?: Map<string, number>) => {
    const decideStarted = performance.now();
    const report = decideVerify(g.evidence, weights === undefined ? {} : { weights });
    verifyMs += performance.now() - decideStarted;
    return report;
  };
  const isWarmUp = (g: Gathered) => g.taskIndex % WARM_UP_EVERY === 0;

  // verify as the gateway runs it by default: every model counts the same.
  const plain = gathered.map((g) => verifyPick(decide(g), g.candidates, g.options));

  // verify learning as it goes, in the bank's order: each case sees only earlier outcomes.
  let online = emptyReliabilityBook();
  const learned = gathered.map((g) => {
    const report = decide(g, weightsFrom(online, g.candidates));
    const outcomes = reliabilityOutcomes(report);
    if (outcomes !== undefined) online = recordOutcomes(online, outcomes, "code");
    return verifyPick(report, g.candidates, g.options);
  });

  // Warm-up / held-out: learn on the warm-up tasks (as above), then judge the held-out tasks
  // with that book frozen.
  let warm = emptyReliabilityBook();
  for (const g of gathered.filter(isWarmUp)) {
    const outcomes = reliabilityOutcomes(decide(g, weightsFrom(warm, g.candidates)));
    if (outcomes !== undefined) warm = recordOutcomes(warm, outcomes, "code");
  }
  const frozen = gathered.map((g) =>
    isWarmUp(g) ? undefined : verifyPick(decide(g, weightsFrom(warm, g.candidates)), g.candidates, g.options),
  );

  const pending = gathered.map((g, k) => ({
    g,
    verify: grade(g.task.language, plain[k]?.code, g.task.hiddenTests),
    verify_learned: grade(g.task.language, learned[k]?.code, g.task.hiddenTests),
    verify_warm: frozen[k] === undefined ? -1 : grade(g.task.language, frozen[k]?.code, g.task.hiddenTests),
  }));

  log(`  grading ${jobs.length} programs against the hidden tests`);
  const checks = await runChecks(jobs);
  const passed = (index: number) => index >= 0 && checks[index]?.passed === true;
  const cases: SynthesisCase[] = pending.map((p, k) => {
    const perModel = Object.fromEntries(Object.entries(p.g.models).map(([m, i]) => [m, passed(i)]));
    return {
      taskId: p.g.task.id,
      seed: p.g.seed,
      warmUp: isWarmUp(p.g),
      models: perModel,
      line_vote: passed(p.g.line_vote),
      vote: passed(p.g.vote),
      verify: passed(p.verify),
      verify_learned: passed(p.verify_learned),
      verify_warm: passed(p.verify_warm),
      oracle: Object.values(perModel).some(Boolean),
      verify_reason: plain[k]?.reason ?? "",
      verify_learned_reason: learned[k]?.reason ?? "",
    };
  });

  const summarize = (subset: readonly SynthesisCase[], methods: readonly (Method | "verify_warm")[]) => {
    const rate = (count: number) => round(count / Math.max(1, subset.length), 4);
    const perModelRate = Object.fromEntries(
      models.map((m) => [m.name, rate(subset.filter((c) => c.models[m.name]).length)]),
    );
    const best = Object.entries(perModelRate).reduce((a, b) => (b[1] > a[1] ? b : a), [
      "",
      Number.NEGATIVE_INFINITY,
    ] as [string, number]);
    const rates = Object.fromEntries(methods.map((m) => [m, rate(subset.filter((c) => c[m]).length)]));
    return { cases: subset.length, perModelRate, best, rates };
  };
  const all = summarize(cases, METHODS);
  const heldOut = summarize(
    cases.filter((c) => !c.warmUp),
    ["vote", "verify", "verify_learned", "verify_warm", "oracle"],
  );
  const warmTasks = tasks.filter((_, i) => i % WARM_UP_EVERY === 0).map((t) => t.id);
  const learnedModels = models.map((m) => ({
    model: m.name,
    after_all: round(reliabilityOf(online, m.name, "code"), 3),
    after_warm_up: round(reliabilityOf(warm, m.name, "code"), 3),
  }));
  const missed = (method: "verify" | "verify_learned") =>
    cases
      .filter((c) => c.oracle && !c[method])
      .map((c) => ({
        task: c.taskId,
        seed: c.seed,
        reason: method === "verify" ? c.verify_reason : c.verify_learned_reason,
      }));
  return {
    tasks: tasks.length,
    seeds,
    cases: cases.length,
    models: models.map((m) => ({ name: m.name, skill: m.skill, pass_rate: all.perModelRate[m.name] })),
    best_single_model: { model: all.best[0], pass_rate: all.best[1] },
    pass_rate: { best_single_model: all.best[1], ...all.rates } as Record<
      Method | "best_single_model",
      number
    >,
    learned_reliability: {
      note: "verify_learned: each model's weight is its Beta posterior of ending up in verify's chosen group, learned from verify's own outcomes in the bank's order (each case sees only earlier cases); split: learned on the warm-up tasks, frozen, judged on the held-out tasks. Never the hidden tests, never the sim's skills.",
      split: {
        warm_up: `every ${WARM_UP_EVERY}rd task of the bank (${warmTasks.length} tasks x ${seeds} seeds)`,
        warm_up_tasks: warmTasks,
        held_out_cases: heldOut.cases,
        held_out_pass_rate: { best_single_model: heldOut.best[1], ...heldOut.rates } as Record<
          "best_single_model" | "vote" | "verify" | "verify_learned" | "verify_warm" | "oracle",
          number
        >,
        held_out_best_single_model: heldOut.best[0],
      },
      models: learnedModels,
    },
    verify_mean_ms: round(verifyMs / Math.max(1, cases.length), 1),
    failures: {
      verify_wrong_oracle_right: missed("verify"),
      verify_learned_wrong_oracle_right: missed("verify_learned"),
    },
  };
}

// ------------------------------------------------------------------ main

/** Synthesis headline figures: a method's share of the oracle and its points over the best single model. */
function synthesisFigures(synthesis: Awaited<ReturnType<typeof measureSynthesis>>) {
  const rates = synthesis.pass_rate;
  const of = (method: "verify" | "verify_learned") => ({
    of_oracle: round(rates[method] / Math.max(1e-9, rates.oracle), 4),
    over_best_single_points: round((rates[method] - rates.best_single_model) * 100, 2),
  });
  const split = synthesis.learned_reliability.split.held_out_pass_rate;
  return {
    verify: of("verify"),
    verify_learned: of("verify_learned"),
    held_out: {
      verify_warm_of_oracle: round(split.verify_warm / Math.max(1e-9, split.oracle), 4),
      verify_warm_over_best_single_points: round((split.verify_warm - split.best_single_model) * 100, 2),
    },
  };
}

function logSynthesis(synthesis: Awaited<ReturnType<typeof measureSynthesis>>): void {
  const pct = (v: number) => `${round(v * 100, 1)} %`;
  const rates = synthesis.pass_rate;
  const figures = synthesisFigures(synthesis);
  const mark = (ok: boolean) => (ok ? "met" : "NOT met");
  log(
    `pass rates: best single ${pct(rates.best_single_model)} (${synthesis.best_single_model.model}), line-vote ${pct(rates.line_vote)}, vote ${pct(rates.vote)}, verify ${pct(rates.verify)}, verify with learned reliability ${pct(rates.verify_learned)}, oracle ${pct(rates.oracle)}`,
  );
  for (const method of ["verify", "verify_learned"] as const) {
    const f = figures[method];
    log(
      `${method} = ${pct(f.of_oracle)} of the oracle (target >= ${pct(TARGET_VERIFY_OF_ORACLE)}: ${mark(f.of_oracle >= TARGET_VERIFY_OF_ORACLE)}), ${f.over_best_single_points} points over the best single model (target >= ${TARGET_VERIFY_OVER_BEST_POINTS}: ${mark(f.over_best_single_points >= TARGET_VERIFY_OVER_BEST_POINTS)})`,
    );
  }
  const split = synthesis.learned_reliability.split;
  const h = split.held_out_pass_rate;
  log(
    `held out (${split.held_out_cases} cases; reliability learned on ${split.warm_up}, then frozen): best single ${pct(h.best_single_model)}, vote ${pct(h.vote)}, verify ${pct(h.verify)}, verify with the warm-up's reliability ${pct(h.verify_warm)} (${pct(figures.held_out.verify_warm_of_oracle)} of the oracle, ${figures.held_out.verify_warm_over_best_single_points} points over the best single), oracle ${pct(h.oracle)}`,
  );
  log(
    `learned reliability (after all / after the warm-up): ${synthesis.learned_reliability.models.map((m) => `${m.model} ${m.after_all}/${m.after_warm_up}`).join(", ")}`,
  );
}

async function main(): Promise<void> {
  const reps = argument("reps", 3);
  const seeds = argument("seeds", 3);
  const steps = argument("steps", 1_000);
  const onlyAt = process.argv.indexOf("--only");
  const only = onlyAt === -1 ? undefined : process.argv[onlyAt + 1];
  if (only !== undefined && only !== "synthesis") throw new Error(`--only takes "synthesis", not ${only}`);
  const loadBefore = loadavg();
  const synthesisLine = `orchestrate: synthesis quality, ${SKILLS.length} sim models of skills ${SKILLS.join(", ")}, ${seeds} seeds`;
  if (only === "synthesis") {
    // Just the synthesis part, into its own file so the full report is not overwritten.
    log(synthesisLine);
    const synthesis = await measureSynthesis(seeds);
    const report = {
      benchmark: "orchestrate --only synthesis",
      date: new Date().toISOString(),
      machine: machineWithLoad(loadBefore),
      settings: { seeds, skills: SKILLS },
      synthesis_pass_rate: synthesis.pass_rate,
      figures: synthesisFigures(synthesis),
      synthesis,
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(`${RESULTS}orchestrate-synthesis.json`, `${JSON.stringify(report, null, 2)}\n`);
    logSynthesis(synthesis);
    log("wrote bench/results/orchestrate-synthesis.json");
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "hydra-bench-orchestrate-"));
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
    log(synthesisLine);
    synthesis = await measureSynthesis(seeds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const parallelEfficiency = Math.min(...efficiency.map((e) => e.efficiency));
  const overheadMs = Math.max(...overhead.map((e) => e.median_ms_per_step));
  const rates = synthesis.pass_rate;
  const figures = synthesisFigures(synthesis);
  const verifyOfOracle = figures.verify.of_oracle;
  const verifyOverBest = figures.verify.over_best_single_points;
  const learnedOfOracle = figures.verify_learned.of_oracle;
  const learnedOverBest = figures.verify_learned.over_best_single_points;
  const met = {
    parallel_efficiency: parallelEfficiency >= TARGET_EFFICIENCY,
    engine_overhead_ms_per_step: overheadMs <= TARGET_OVERHEAD_MS,
    verify_of_oracle: verifyOfOracle >= TARGET_VERIFY_OF_ORACLE,
    verify_over_best_single_points: verifyOverBest >= TARGET_VERIFY_OVER_BEST_POINTS,
    verify_learned_of_oracle: learnedOfOracle >= TARGET_VERIFY_OF_ORACLE,
    verify_learned_over_best_single_points: learnedOverBest >= TARGET_VERIFY_OVER_BEST_POINTS,
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
      note: "efficiency: each step is one /api/chat through the gateway's pool (poolModelCaller) to a sim node, answer cut by num_predict; critical path over the steps' measured durations (step.succeeded events) / wall time of the run, median of reps; headline = worst DAG. overhead: 1000 no-op steps, embedded engine, SQLite run log, concurrency 8, median of reps after a warm-up; headline = worst shape. synthesis: offline simulatedAnswer with tests, graded on the bank's hidden tests; verify sees only the models' own tests; verify_learned also weighs candidates by reliability learned from verify's own earlier outcomes",
    },
    parallel_efficiency: parallelEfficiency,
    engine_overhead_ms_per_step: overheadMs,
    synthesis_pass_rate: rates,
    verify_of_oracle: verifyOfOracle,
    verify_over_best_single_points: verifyOverBest,
    verify_learned_of_oracle: learnedOfOracle,
    verify_learned_over_best_single_points: learnedOverBest,
    held_out: figures.held_out,
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
      verify_learned_of_oracle: {
        target: `>= ${TARGET_VERIFY_OF_ORACLE}`,
        measured: learnedOfOracle,
        met: met.verify_learned_of_oracle,
      },
      verify_learned_over_best_single_points: {
        target: `>= ${TARGET_VERIFY_OVER_BEST_POINTS}`,
        measured: learnedOverBest,
        met: met.verify_learned_over_best_single_points,
      },
    },
    all_targets_met: allMet,
    results: { efficiency, overhead, synthesis },
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(`${RESULTS}orchestrate.json`, `${JSON.stringify(report, null, 2)}\n`);
  const mark = (ok: boolean) => (ok ? "met" : "NOT met");
  log(
    `parallel_efficiency ${parallelEfficiency} (target >= ${TARGET_EFFICIENCY}: ${mark(met.parallel_efficiency)})`,
  );
  log(
    `engine_overhead_ms_per_step ${overheadMs} (target <= ${TARGET_OVERHEAD_MS}: ${mark(met.engine_overhead_ms_per_step)})`,
  );
  logSynthesis(synthesis);
  log(`all targets met: ${allMet}; wrote bench/results/orchestrate.json`);
}

await main();
