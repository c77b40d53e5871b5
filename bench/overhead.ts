/**
 * Gateway overhead: one simulated node in zero-latency mode, measured directly and
 * through the gateway in interleaved rounds (so drift on this shared machine hits
 * both alike), at concurrency 1 and 64, single answers and 256-token streams.
 * Writes bench/results/overhead.json.
 *
 *   npm run bench:overhead [-- --round-ms 2000 --rounds 4]
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type LoadResult, percentile, runLoad } from "./lib/load.js";
import { memoryOf, round, startCli, startScript } from "./lib/processes.js";

const MODEL = "bench:latest";
const RESULTS = fileURLToPath(new URL("../../bench/results/", import.meta.url));

interface Mode {
  name: string;
  concurrency: number;
  stream: boolean;
  numPredict: number;
}

const MODES: Mode[] = [
  { name: "single_c1", concurrency: 1, stream: false, numPredict: 16 },
  { name: "single_c64", concurrency: 64, stream: false, numPredict: 16 },
  { name: "stream256_c1", concurrency: 1, stream: true, numPredict: 256 },
  { name: "stream256_c64", concurrency: 64, stream: true, numPredict: 256 },
];

function argument(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : Number(process.argv[index + 1]);
}

const roundMs = argument("round-ms", 2_000);
const rounds = argument("rounds", 4);

function summarize(results: LoadResult[]) {
  const latencies = results.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const seconds = results.reduce((sum, r) => sum + r.seconds, 0);
  const requests = results.reduce((sum, r) => sum + r.requests, 0);
  const tokens = results.reduce((sum, r) => sum + r.tokens, 0);
  return {
    requests,
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    rps: round(requests / seconds, 1),
    p50_ms: round(percentile(latencies, 50), 3),
    p99_ms: round(percentile(latencies, 99), 3),
    tokens_per_s: round(tokens / seconds, 0),
  };
}

async function main(): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  // Answers run to num_predict exactly (256 tokens for streams), with no simulated delays.
  const clusterFile = join(mkdtempSync(join(tmpdir(), "hydra-bench-")), "cluster.yaml");
  writeFileSync(
    clusterFile,
    JSON.stringify({
      nodes: [
        {
          name: "bench",
          port: 0,
          zero_latency: true,
          num_parallel: 64,
          response_tokens: { min: 256, max: 256 },
          models: [{ name: MODEL, size_mb: 1000, loaded: true }],
        },
      ],
    }),
  );
  const sim = await startCli(["sim", "--cluster", clusterFile]);
  // The gateway is told the node's slots (its num_parallel), as a user would configure it.
  const gatewayConfig = join(dirname(clusterFile), "hydra.yaml");
  // The response cache is off: every request must travel to the node (the requests are seeded).
  writeFileSync(
    gatewayConfig,
    JSON.stringify({
      nodes: [{ url: sim.url, name: "bench", slots: 64 }],
      responseCache: { enabled: false },
    }),
  );
  const gateway = await startCli(["serve", "--port", "0", "--config", gatewayConfig, "--log-level", "warn"]);
  const floor = await startScript(fileURLToPath(new URL("./lib/minimal-proxy.js", import.meta.url)), [
    sim.url,
  ]);
  log(
    `sim node ${sim.url}, gateway ${gateway.url}, minimal proxy ${floor.url}; ${rounds} rounds of ${roundMs} ms per target and mode`,
  );
  const report: Record<string, unknown> = {};
  try {
    for (const mode of MODES) {
      const body = JSON.stringify({
        model: MODEL,
        messages: [{ role: "user", content: "Say something about clusters." }],
        stream: mode.stream,
        options: { num_predict: mode.numPredict, seed: 1 },
      });
      const run = (url: string, durationMs: number) =>
        runLoad({ url, path: "/api/chat", body, concurrency: mode.concurrency, durationMs });
      await run(sim.url, 500);
      await run(gateway.url, 500);
      await run(floor.url, 500);
      const direct: LoadResult[] = [];
      const through: LoadResult[] = [];
      const proxied: LoadResult[] = [];
      for (let i = 0; i < rounds; i++) {
        direct.push(await run(sim.url, roundMs));
        through.push(await run(gateway.url, roundMs));
        proxied.push(await run(floor.url, roundMs));
        log(`  ${mode.name}: round ${i + 1}/${rounds}`);
      }
      const d = summarize(direct);
      const g = summarize(through);
      const f = summarize(proxied);
      report[mode.name] = {
        concurrency: mode.concurrency,
        stream: mode.stream,
        direct: d,
        gateway: g,
        throughput_ratio: round(g.rps / d.rps, 3),
        added_p50_ms: round(g.p50_ms - d.p50_ms, 3),
        added_p99_ms: round(g.p99_ms - d.p99_ms, 3),
        ...(mode.stream ? { stream_tokens_ratio: round(g.tokens_per_s / d.tokens_per_s, 3) } : {}),
        // The same hop through a proxy that does nothing: the floor this machine sets.
        minimal_proxy: {
          ...f,
          throughput_ratio: round(f.rps / d.rps, 3),
          added_p50_ms: round(f.p50_ms - d.p50_ms, 3),
          added_p99_ms: round(f.p99_ms - d.p99_ms, 3),
          ...(mode.stream ? { stream_tokens_ratio: round(f.tokens_per_s / d.tokens_per_s, 3) } : {}),
        },
      };
      log(
        `${mode.name}: direct ${d.rps} rps p50 ${d.p50_ms} ms; gateway ${g.rps} rps p50 ${g.p50_ms} ms p99 ${g.p99_ms} ms`,
      );
    }
    const memory = memoryOf(gateway.child.pid as number);
    const result = {
      benchmark: "overhead",
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "unknown", node: process.version },
      settings: { round_ms: roundMs, rounds, model: MODEL },
      modes: report,
      gateway_memory: memory,
      targets: {
        "single_c1.added_p50_ms": "<= 0.5",
        "single_c1.added_p99_ms": "<= 2",
        "single_c64.throughput_ratio": ">= 0.5",
        "stream256.stream_tokens_ratio": ">= 0.9",
        "gateway_memory.rss_mb": "<= 100",
      },
    };
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(`${RESULTS}overhead.json`, `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote ${RESULTS}overhead.json (gateway RSS ${memory.rss_mb} MB, peak ${memory.peak_rss_mb} MB)`);
  } finally {
    await floor.stop();
    await gateway.stop();
    await sim.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:overhead failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
