/**
 * Routing strategies compared on a heterogeneous simulated cluster: one fast node (4
 * slots, VRAM for two models) and three slow 1-slot nodes (room for one model), with
 * seeded Poisson arrivals at about 65 % of the cluster's capacity, three models of
 * 60/30/10 % popularity and output lengths of 16/64/256 tokens. Each strategy runs on
 * a fresh cluster and gateway (so loaded models and learned statistics do not carry
 * over) with the same requests, picked per request with `x-hydra-strategy`.
 * Writes bench/results/routing.json; progress on stderr.
 *
 *   npm run bench:routing [-- --arrivals-s 30 --load 0.65 --seed 1 --drain-cap-s 75 --strategies intelligent,round_robin]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { isRecord } from "./lib/chat-stream.js";
import { type LogTally, tallyLog, topMessages } from "./lib/child-log.js";
import { sleep } from "./lib/gateway-watch.js";
import { LoadCounter, readSimState } from "./lib/load-counter.js";
import { runOpenLoop } from "./lib/open-loop.js";
import { round, type Started, startCli } from "./lib/processes.js";
import {
  estimateCapacity,
  MODELS,
  NODES,
  writeGatewayConfig,
  writeSimCluster,
} from "./lib/routing-cluster.js";
import { routingTargets, type StrategySummary, summarizePhase } from "./lib/routing-report.js";
import { histogram, type PlannedRequest, planWorkload, routingChatBody } from "./lib/routing-workload.js";
import { type SimClusterProcess, startSimClusterProcess } from "./lib/sim-cluster-process.js";

const RESULTS = fileURLToPath(new URL("../../bench/results/", import.meta.url));
const ALL_STRATEGIES = ["intelligent", "least_connections", "round_robin", "random", "latency_first"];
const OUTPUT_LENGTHS = [16, 64, 256];
/** Rough prompt size of one request (template + question), for the capacity estimate only. */
const PROMPT_TOKENS = 20;

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

function listArgument(name: string, fallback: string[]): string[] {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : (process.argv[index + 1] ?? "").split(",").filter((s) => s !== "");
}

const settings = {
  seed: argument("seed", 1),
  load: argument("load", 0.65),
  arrivals_s: argument("arrivals-s", 30),
  // Past the gateway's own 60 s queue limit (admission.maxWaitMs) plus the longest answer, so
  // normally every request ends on its own; the cap only bounds a phase if something hangs.
  drain_cap_s: argument("drain-cap-s", 75),
  poll_ms: argument("poll-ms", 200),
  strategies: listArgument("strategies", ALL_STRATEGIES),
  output_lengths: OUTPUT_LENGTHS,
  models: MODELS,
  nodes: NODES,
  strategy_header: "x-hydra-strategy",
};

const log = (line: string) => process.stderr.write(`${line}\n`);

/** Both processes of one phase, and what the gateway logged. */
interface Phase {
  sim: SimClusterProcess;
  gateway: Started;
  gatewayLog: LogTally;
  dir: string;
}

async function startPhase(): Promise<Phase> {
  const dir = mkdtempSync(join(tmpdir(), "hydra-routing-"));
  const phase: Partial<Phase> = { dir };
  try {
    phase.sim = await startSimClusterProcess(writeSimCluster(dir), NODES.length);
    const config = writeGatewayConfig(dir, phase.sim.nodes);
    const nodeFlags = [...phase.sim.nodes.values()].flatMap((url) => ["--node", url]);
    phase.gateway = await startCli([
      "serve",
      "--port",
      "0",
      "--config",
      config,
      ...nodeFlags,
      "--log-level",
      "warn",
    ]);
    phase.gatewayLog = tallyLog(phase.gateway.child);
    return phase as Phase;
  } catch (error) {
    await stopPhase(phase);
    throw error;
  }
}

async function stopPhase(phase: Partial<Phase>): Promise<void> {
  await phase.gateway?.stop();
  await phase.sim?.stop();
  if (phase.dir !== undefined) rmSync(phase.dir, { recursive: true, force: true });
}

/** One node as /v1/hydra/nodes reports it, reduced to what readiness needs. */
interface GatewayNode {
  name: string;
  health: string;
  slots: number;
  models: number;
  loaded: string[];
}

async function readGatewayNodes(gatewayUrl: string): Promise<GatewayNode[]> {
  const response = await fetch(new URL("/v1/hydra/nodes", gatewayUrl));
  const body: unknown = await response.json();
  if (!isRecord(body) || !Array.isArray(body.nodes))
    throw new Error(`GET /v1/hydra/nodes: ${response.status}`);
  return body.nodes.filter(isRecord).map((node) => {
    const models = Array.isArray(node.models) ? node.models.filter(isRecord) : [];
    return {
      name: String(node.name),
      health: String(node.health),
      slots: isRecord(node.slots) && typeof node.slots.total === "number" ? node.slots.total : 0,
      models: models.length,
      loaded: models.filter((m) => m.loaded === true).map((m) => String(m.name)),
    };
  });
}

/** Waits until the gateway has every node up with its inventory read, so no phase starts half-blind. */
async function waitGatewayReady(gatewayUrl: string, timeoutMs: number): Promise<GatewayNode[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const nodes = await readGatewayNodes(gatewayUrl).catch(() => []);
    const ready = nodes.filter((n) => n.health === "up" && n.models === MODELS.length);
    if (ready.length === NODES.length) return nodes;
    if (Date.now() > deadline)
      throw new Error(`gateway not ready after ${timeoutMs} ms: ${JSON.stringify(nodes)}`);
    await sleep(100);
  }
}

async function generationsOf(nodes: ReadonlyMap<string, string>): Promise<Map<string, number>> {
  const entries = await Promise.all(
    [...nodes].map(async ([name, url]) => [name, (await readSimState(url)).generations] as const),
  );
  return new Map(entries);
}

function progress(strategy: string, planned: readonly PlannedRequest[], t0: number, done: () => number[]) {
  return setInterval(() => {
    const elapsed = performance.now() - t0;
    const sent = planned.filter((r) => r.atMs <= elapsed).length;
    const [finished = 0, errors = 0] = done();
    log(
      `  ${strategy}: t=${(elapsed / 1000).toFixed(0)}s sent ${sent}/${planned.length}, ` +
        `finished ${finished}, in flight ${sent - finished}, errors ${errors}`,
    );
  }, 5_000);
}

interface PhaseResult {
  summary: StrategySummary;
  gatewayNodes: GatewayNode[];
  gatewayLog: { lines: number; top: { message: string; count: number }[] };
}

/** Generation requests each node received since `before` (the gateway's retries included). */
async function generationsSince(
  nodes: ReadonlyMap<string, string>,
  before: ReadonlyMap<string, number>,
): Promise<Record<string, number>> {
  const after = await generationsOf(nodes);
  return Object.fromEntries([...after].map(([name, count]) => [name, count - (before.get(name) ?? 0)]));
}

/** The timed part of a phase: the workload sent with one strategy while loads are counted. */
async function measure(
  phase: Phase,
  strategy: string,
  planned: readonly PlannedRequest[],
): Promise<StrategySummary> {
  const before = await generationsOf(phase.sim.nodes);
  const counter = new LoadCounter(phase.sim.nodes, settings.poll_ms);
  await counter.start();
  let finished = 0;
  let errors = 0;
  const ticker = progress(strategy, planned, performance.now(), () => [finished, errors]);
  try {
    const result = await runOpenLoop({
      url: phase.gateway.url,
      planned,
      body: routingChatBody,
      headers: { [settings.strategy_header]: strategy },
      drainCapMs: settings.drain_cap_s * 1000,
      onOutcome: (outcome) => {
        finished++;
        if (outcome.failure !== null) errors++;
      },
    });
    await counter.stop();
    return summarizePhase({
      outcomes: result.outcomes,
      loadsByNode: counter.loads,
      generationsByNode: await generationsSince(phase.sim.nodes, before),
      maxSendLagMs: result.maxSendLagMs,
      wallMs: result.wallMs,
    });
  } finally {
    clearInterval(ticker);
    await counter.stop();
  }
}

/** One strategy on a fresh cluster and gateway, both stopped afterwards whatever happens. */
async function runStrategy(strategy: string, planned: readonly PlannedRequest[]): Promise<PhaseResult> {
  const phase = await startPhase();
  try {
    const gatewayNodes = await waitGatewayReady(phase.gateway.url, 20_000);
    const summary = await measure(phase, strategy, planned);
    return {
      summary,
      gatewayNodes,
      gatewayLog: { lines: phase.gatewayLog.lines, top: topMessages(phase.gatewayLog, 5) },
    };
  } finally {
    await stopPhase(phase);
  }
}

function describeSummary(name: string, s: StrategySummary): string {
  return (
    `${name}: ${s.requests} requests, mean ${s.mean_ms} ms, p50 ${s.p50_ms}, p95 ${s.p95_ms}, p99 ${s.p99_ms}, ` +
    `ttft ${s.ttft_mean_ms} ms, loads ${s.model_loads}, errors ${s.errors}, by node ` +
    Object.entries(s.by_node)
      .map(([node, n]) => `${node}=${n.requests}`)
      .join(" ")
  );
}

/** Strategies that sent every request to the same nodes: a sign the header had no effect. */
function identicalRouting(summaries: Readonly<Record<string, StrategySummary>>): boolean {
  const shapes = Object.values(summaries).map((s) =>
    JSON.stringify(Object.entries(s.by_node).map(([node, n]) => [node, n.requests])),
  );
  return shapes.length > 1 && shapes.every((shape) => shape === shapes[0]);
}

/** Nodes whose slots as the gateway reports them differ from num_parallel: its queue would misjudge them. */
function slotMismatches(gateway: Readonly<Record<string, Omit<PhaseResult, "summary">>>): string[] {
  const notes = new Set<string>();
  for (const phase of Object.values(gateway)) {
    for (const node of phase.gatewayNodes) {
      const expected = NODES.find((n) => n.name === node.name)?.slots;
      if (expected !== node.slots)
        notes.add(`gateway reports ${node.slots} slots for ${node.name}, node has ${expected}`);
    }
  }
  return [...notes];
}

async function main(): Promise<void> {
  const meanTokens = OUTPUT_LENGTHS.reduce((sum, n) => sum + n, 0) / OUTPUT_LENGTHS.length;
  const capacity = estimateCapacity(meanTokens, PROMPT_TOKENS);
  const rate = capacity.requests_per_s * settings.load;
  const planned = planWorkload({
    seed: settings.seed,
    ratePerS: rate,
    durationMs: settings.arrivals_s * 1000,
    models: MODELS,
    outputLengths: OUTPUT_LENGTHS,
  });
  log(
    `capacity estimate ${capacity.requests_per_s.toFixed(2)} req/s (${Object.entries(capacity.by_node)
      .map(([node, r]) => `${node} ${r.toFixed(2)}`)
      .join(", ")}); arrivals at ${rate.toFixed(2)} req/s (${settings.load * 100} %) for ` +
      `${settings.arrivals_s} s: ${planned.length} requests per strategy`,
  );
  const strategies: Record<string, StrategySummary> = {};
  const gateway: Record<string, Omit<PhaseResult, "summary">> = {};
  for (const name of settings.strategies) {
    log(`strategy ${name}: fresh cluster and gateway`);
    const { summary, ...rest } = await runStrategy(name, planned);
    strategies[name] = summary;
    gateway[name] = rest;
    log(describeSummary(name, summary));
  }
  const targets = routingTargets(strategies);
  const notes: string[] = [];
  notes.push(...slotMismatches(gateway));
  if (identicalRouting(strategies)) {
    notes.push(
      "every strategy sent the same number of requests to each node: the gateway may ignore x-hydra-strategy",
    );
  }
  const report = {
    benchmark: "routing",
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "unknown", node: process.version },
    settings,
    workload: {
      arrival_rate_per_s: round(rate, 3),
      capacity_estimate: {
        ...capacity,
        requests_per_s: round(capacity.requests_per_s, 3),
        by_node: Object.fromEntries(Object.entries(capacity.by_node).map(([n, r]) => [n, round(r, 3)])),
      },
      requests: planned.length,
      by_model: histogram(planned.map((r) => r.model)),
      by_output_length: histogram(planned.map((r) => r.numPredict)),
      mean_output_tokens: meanTokens,
    },
    method: {
      latency:
        "end to end per streaming /api/chat, from send to the end of the stream; percentiles and means over requests without error",
      ttft: "send to the first NDJSON line with a non-empty message.content",
      errors:
        "non-200 status, an error line, a malformed line, no done:true, a broken connection, or unfinished at the phase deadline",
      model_loads: `GET /_sim/state of every node polled every ${settings.poll_ms} ms; a model entering the loaded list (or going ready -> loading) is one load; the preloaded starting state is not counted`,
    },
    strategies,
    gateway,
    targets,
    all_targets_met: Object.values(targets).every((t) => t.met),
    notes,
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(`${RESULTS}routing.json`, `${JSON.stringify(report, null, 2)}\n`);
  log(`targets: ${JSON.stringify(targets)}`);
  for (const note of notes) log(`note: ${note}`);
  log(`wrote ${RESULTS}routing.json; all targets met: ${report.all_targets_met}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:routing failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
