/**
 * Routing decision speed: `rank("intelligent", ...)` over synthetic snapshots of 10, 100 and
 * 1000 nodes serving 20 models, with learned statistics for most node × model pairs. Each
 * decision is timed on its own (process.hrtime.bigint) after a warm-up, so p99 includes the
 * garbage collections the decisions cause. Writes bench/results/routing-speed.json.
 *
 *   npm run bench:routing-speed [-- --decisions 20000] [-- --nodes 100]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import type { LoadedModel, RouterNodeSnapshot } from "../src/pool/router/cost-model.js";
import type { RequestFeatures, TaskType } from "../src/pool/router/features.js";
import { LearnedStats } from "../src/pool/router/learned-stats.js";
import { rank } from "../src/pool/router/strategies.js";
import { seededRandom } from "../src/random/seeded-random.js";

const RESULTS = fileURLToPath(new URL("../../bench/results/", import.meta.url));
const MODELS = 20;
const NODE_COUNTS = [10, 100, 1000];
const TARGET_NODES = 100;
const TARGET_P99_US = 20;
const TASKS: readonly TaskType[] = ["chat", "code", "embedding", "reasoning", "summarization", "extraction"];

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

const modelName = (m: number) => `model-${m}:latest`;
const modelSize = (m: number) => 500 + ((m * 1_337) % 20_000);

/** Each node has 8 of the 20 models, 2 of them loaded, in-flight work, VRAM, tags, affinity. */
function buildCluster(nodeCount: number, random: () => number): RouterNodeSnapshot[][] {
  // One snapshot array per requested model: the I/O shell builds hasModel/modelLoaded per request.
  const base = Array.from({ length: nodeCount }, (_, n) => {
    const models = Array.from({ length: 8 }, (_, k) => (n + k * 3) % MODELS);
    const loaded: LoadedModel[] = models.slice(0, 2).map((m) => ({
      name: modelName(m),
      sizeMb: modelSize(m),
      lastUsedMs: Math.floor(random() * 600_000),
      inFlight: Math.floor(random() * 3),
    }));
    const slots = 1 + Math.floor(random() * 8);
    return {
      name: `node-${n}`,
      models: new Set(models),
      loaded,
      slots,
      inFlight: Math.floor(random() * (slots + 2)),
      queued: random() < 0.2 ? Math.floor(random() * 5) : 0,
      vramTotalMb: 24_000 + (n % 4) * 24_000,
      tags: n % 3 === 0 ? ["gpu", "code"] : n % 3 === 1 ? ["gpu"] : ["cpu"],
      weight: 1 + (n % 2),
      penalty: random() < 0.05 ? random() : 0,
      affinityKeys: new Set([`session-${n % 50}`]),
    };
  });
  return Array.from({ length: MODELS }, (_, m) =>
    base.map((node) => {
      const usedMb = node.loaded.reduce((sum, model) => sum + model.sizeMb, 0);
      return {
        name: node.name,
        available: random() > 0.02,
        hasModel: node.models.has(m),
        modelLoaded: node.loaded.some((model) => model.name === modelName(m)),
        inFlight: node.inFlight,
        slots: node.slots,
        queued: node.queued,
        loadedModels: node.loaded,
        vramTotalMb: node.vramTotalMb,
        vramFreeMb: Math.max(0, node.vramTotalMb - usedMb),
        modelSizeMb: modelSize(m),
        tags: node.tags,
        weight: node.weight,
        penalty: node.penalty,
        affinityKeys: node.affinityKeys,
      };
    }),
  );
}

function learn(nodeCount: number, random: () => number): LearnedStats {
  const stats = new LearnedStats();
  for (let n = 0; n < nodeCount; n++) {
    for (let m = 0; m < MODELS; m++) {
      if (random() < 0.3) continue; // some pairs never seen: their priors are used
      stats.record(`node-${n}`, modelName(m), {
        prompt_eval_count: 200,
        prompt_eval_duration: 1e8 + random() * 4e8,
        eval_count: 100 + Math.floor(random() * 300),
        eval_duration: 2e9 + random() * 8e9,
        load_duration: random() < 0.5 ? 1e9 + random() * 5e9 : 1e6,
      });
    }
  }
  return stats;
}

function requests(random: () => number): RequestFeatures[] {
  return Array.from({ length: 64 }, (_, i) => {
    const request: RequestFeatures = {
      model: modelName(i % MODELS),
      taskType: TASKS[i % TASKS.length] ?? "chat",
      promptTokens: 50 + Math.floor(random() * 4_000),
      messageCount: 1 + (i % 7),
      priority: 5,
      sessionKey: `session-${i % 50}`,
    };
    if (i % 2 === 0) request.expectedOutputTokens = 64 + Math.floor(random() * 512);
    return request;
  });
}

function measure(nodeCount: number, decisions: number, log: (line: string) => void) {
  const random = seededRandom(nodeCount);
  const snapshots = buildCluster(nodeCount, random);
  const stats = learn(nodeCount, random);
  const traffic = requests(random);
  const choose = seededRandom(7);
  let sink = 0;
  const decide = (i: number): void => {
    const request = traffic[i % traffic.length] as RequestFeatures;
    const nodes = snapshots[(i % traffic.length) % MODELS] ?? [];
    const ranked = rank("intelligent", nodes, request, stats, i, choose);
    sink += ranked.length > 0 ? (ranked[0]?.estimatedMs ?? 0) : 1;
  };
  const warmup = Math.max(1_000, Math.floor(decisions / 5));
  for (let i = 0; i < warmup; i++) decide(i);
  const times = new Float64Array(decisions);
  for (let i = 0; i < decisions; i++) {
    const start = process.hrtime.bigint();
    decide(i);
    times[i] = Number(process.hrtime.bigint() - start) / 1_000;
  }
  const sorted = Array.from(times).sort((a, b) => a - b);
  const result = {
    nodes: nodeCount,
    models: MODELS,
    p50_us: round(percentile(sorted, 50)),
    p99_us: round(percentile(sorted, 99)),
    decisions,
  };
  log(
    `  ${nodeCount} nodes: p50 ${result.p50_us} µs, p99 ${result.p99_us} µs (${decisions} decisions, sink ${Math.round(sink) % 10})`,
  );
  return result;
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function main(): void {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const decisions = argument("decisions", 20_000);
  log(`routing speed: rank("intelligent") over ${NODE_COUNTS.join("/")} nodes × ${MODELS} models`);
  // Fewer decisions at 1000 nodes keep the run short; each one is ~10× the work.
  const only = argument("nodes", 0);
  const results = NODE_COUNTS.filter((count) => only === 0 || count === only).map((count) =>
    measure(count, count >= 1000 ? Math.max(1_000, Math.floor(decisions / 4)) : decisions, log),
  );
  const atTarget = results.find((r) => r.nodes === TARGET_NODES);
  const report = {
    benchmark: "routing-speed",
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "unknown", node: process.version },
    results,
    target: `p99 <= ${TARGET_P99_US} us at ${TARGET_NODES} nodes`,
    met: atTarget !== undefined && atTarget.p99_us <= TARGET_P99_US,
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(`${RESULTS}routing-speed.json`, `${JSON.stringify(report, null, 2)}\n`);
  log(`target ${report.target}: ${report.met ? "met" : "NOT met"}; wrote bench/results/routing-speed.json`);
}

main();
