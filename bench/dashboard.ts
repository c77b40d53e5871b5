/**
 * The dashboard's costs: what it ships (gzip), how fast it first draws a 4-node cluster in
 * headless Chromium, and what 50 event-stream subscribers cost every other request (the
 * gateway's added latency, p99, with 50 subscribers vs none, in interleaved rounds so drift on
 * this shared machine hits both alike). Writes bench/results/dashboard.json.
 *
 *   npm run bench:dashboard [-- --round-ms 2000 --rounds 5 --renders 7]
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { DASHBOARD_EVENT_QUERY } from "../src/dashboard/event-query.js";
import { type LoadResult, percentile, runLoad } from "./lib/load.js";
import { round, type Started, startCli, startScript } from "./lib/processes.js";
import { type SimClusterProcess, startSimClusterProcess } from "./lib/sim-cluster-process.js";
import { argument, log, median } from "./lib/stats.js";

const MODEL = "bench:latest";
const RESULTS = fileURLToPath(new URL("../../bench/results/", import.meta.url));
const PUBLIC = fileURLToPath(new URL("../dashboard/public/", import.meta.url));
const SUBSCRIBERS_SCRIPT = fileURLToPath(new URL("./lib/event-subscribers.js", import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const roundMs = argument("round-ms", 2_000);
const rounds = argument("rounds", 5);
const renders = argument("renders", 7);
const SUBSCRIBERS = 50;

/** Every shipped file (precompressed copies aside), with its size raw and gzipped. */
function assetSizes(): { files: { path: string; bytes: number; gzip_bytes: number }[]; gzip_kb: number } {
  const files: { path: string; bytes: number; gzip_bytes: number }[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, `${prefix}${name}/`);
      else if (!name.endsWith(".gz") && !name.endsWith(".br")) {
        const content = readFileSync(path);
        files.push({
          path: `${prefix}${name}`,
          bytes: content.length,
          gzip_bytes: gzipSync(content, { level: 9 }).length,
        });
      }
    }
  };
  walk(PUBLIC, "");
  return { files, gzip_kb: round(files.reduce((sum, file) => sum + file.gzip_bytes, 0) / 1024, 1) };
}

function writeClusterFile(nodes: { name: string; zero?: boolean }[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "hydra-bench-")), "cluster.json");
  writeFileSync(
    file,
    JSON.stringify({
      nodes: nodes.map(({ name, zero }) => ({
        name,
        port: 0,
        ...(zero ? { zero_latency: true } : {}),
        num_parallel: 16,
        response_tokens: { min: 16, max: 16 },
        models: [{ name: MODEL, size_mb: 1000, loaded: true }],
      })),
    }),
  );
  return file;
}

/** Starts `hydra sim` with the nodes and `hydra serve` in front of them. */
async function startCluster(
  names: string[],
  zero: boolean,
): Promise<{ sim: SimClusterProcess; gateway: Started; simUrl: string }> {
  const sim = await startSimClusterProcess(
    writeClusterFile(names.map((name) => ({ name, zero }))),
    names.length,
  );
  const config = join(mkdtempSync(join(tmpdir(), "hydra-bench-")), "hydra.json");
  writeFileSync(
    config,
    JSON.stringify({
      nodes: names.map((name) => ({ url: sim.nodes.get(name), name, slots: 16 })),
      responseCache: { enabled: false },
      log: { level: "warn" },
    }),
  );
  const gateway = await startCli(["serve", "--port", "0", "--config", config]);
  return { sim, gateway, simUrl: sim.nodes.get(names[0] ?? "") ?? "" };
}

function p99(results: LoadResult[]): number {
  return percentile(
    results.flatMap((result) => result.latencies).sort((a, b) => a - b),
    99,
  );
}

/** Two kinds of subscriber: open dashboards (their own query), and clients taking every event. */
const SUBSCRIBER_KINDS = [
  { name: "dashboards", query: DASHBOARD_EVENT_QUERY },
  { name: "all_events", query: "" },
] as const;

async function subscriberCost(): Promise<Record<string, unknown>> {
  const { sim, gateway, simUrl } = await startCluster(["bench"], true);
  const body = JSON.stringify({
    model: MODEL,
    messages: [{ role: "user", content: "Say something about clusters." }],
    stream: false,
    options: { num_predict: 16, seed: 1 },
  });
  const modes: Record<string, unknown> = {};
  try {
    for (const concurrency of [1, 16]) {
      const run = (url: string, durationMs = roundMs) =>
        runLoad({ url, path: "/api/chat", body, concurrency, durationMs });
      await run(simUrl, 500);
      await run(gateway.url, 500);
      const direct: LoadResult[] = [];
      const none: LoadResult[] = [];
      const withSubscribers = new Map<string, LoadResult[]>(SUBSCRIBER_KINDS.map(({ name }) => [name, []]));
      const received = new Map<string, number[]>();
      for (let i = 0; i < rounds; i++) {
        direct.push(await run(simUrl));
        none.push(await run(gateway.url));
        for (const { name, query } of SUBSCRIBER_KINDS) {
          const subscribers = await startScript(
            SUBSCRIBERS_SCRIPT,
            [gateway.url, String(SUBSCRIBERS), query],
            /subscribed/,
          );
          const counts = collectStdout(subscribers);
          withSubscribers.get(name)?.push(await run(gateway.url));
          await subscribers.stop();
          const last = (await counts).trim().split("\n").at(-1) ?? "{}";
          received.set(name, (JSON.parse(last) as { received?: number[] }).received ?? []);
        }
        log(`  c${concurrency}: round ${i + 1}/${rounds}`);
      }
      const directP99 = p99(direct);
      const addedNone = p99(none) - directP99;
      const kinds: Record<string, unknown> = {};
      for (const { name, query } of SUBSCRIBER_KINDS) {
        const results = withSubscribers.get(name) ?? [];
        const added = p99(results) - directP99;
        const counts = received.get(name) ?? [];
        kinds[name] = {
          query: query === "" ? "(none: every event)" : query,
          gateway_p99_ms: round(p99(results), 3),
          added_p99_ms: round(added, 3),
          added_p99_ratio: round(added / addedNone, 3),
          events_per_subscriber_last_round: { min: Math.min(...counts), max: Math.max(...counts) },
          requests: results.reduce((sum, result) => sum + result.requests, 0),
        };
        log(
          `c${concurrency} ${name}: added p99 ${round(addedNone, 3)} ms without subscribers, ${round(added, 3)} ms with 50`,
        );
      }
      modes[`c${concurrency}`] = {
        concurrency,
        direct_p99_ms: round(directP99, 3),
        gateway_p99_ms_no_subscribers: round(p99(none), 3),
        added_p99_ms_no_subscribers: round(addedNone, 3),
        subscribers_50: kinds,
      };
    }
  } finally {
    await gateway.stop();
    await sim.stop();
  }
  return modes;
}

function collectStdout(started: Started): Promise<string> {
  let text = "";
  started.child.stdout?.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return new Promise((resolve) => started.child.once("exit", () => resolve(text)));
}

/** Records (window.hydraRendered, ms since navigation) when `count` node cards are on the page. */
function renderProbe(count: number): string {
  return `
    new MutationObserver((records, observer) => {
      if (document.querySelectorAll('[data-testid="node-card"]').length >= ${count}) {
        window.hydraRendered = performance.now();
        observer.disconnect();
      }
    }).observe(document, { childList: true, subtree: true });`;
}

async function firstRender(): Promise<Record<string, unknown>> {
  const names = ["gpu-a", "gpu-b", "cpu-c", "cpu-d"];
  const { sim, gateway } = await startCluster(names, false);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"],
  });
  const times: number[] = [];
  const paints: number[] = [];
  try {
    for (let i = 0; i < renders; i++) {
      // A new context each time: nothing cached, as on a first visit.
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
      const page = await context.newPage();
      // Browser-side code as text: this file is compiled for Node, without the DOM's types.
      await page.addInitScript({ content: renderProbe(names.length) });
      await page.goto(`${gateway.url}/dashboard`);
      const rendered = await page.waitForFunction("window.hydraRendered");
      times.push((await rendered.jsonValue()) as number);
      const fcp = (await page.evaluate(
        "performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN",
      )) as number;
      paints.push(fcp);
      await context.close();
      log(`  render ${i + 1}/${renders}: 4 node cards after ${round(times.at(-1) ?? 0, 1)} ms`);
    }
  } finally {
    await browser.close();
    await gateway.stop();
    await sim.stop();
  }
  return {
    nodes: names.length,
    runs: renders,
    first_render_ms: { median: round(median(times), 1), max: round(Math.max(...times), 1) },
    first_contentful_paint_ms: { median: round(median(paints), 1) },
  };
}

async function main(): Promise<void> {
  const assets = assetSizes();
  log(`assets: ${assets.gzip_kb} KB gzip in ${assets.files.length} files`);
  const render = await firstRender();
  const subscribers = await subscriberCost();
  const result = {
    benchmark: "dashboard",
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? "unknown", node: process.version },
    settings: { round_ms: roundMs, rounds, renders, subscribers: SUBSCRIBERS, chromium: CHROMIUM },
    assets,
    render,
    event_subscribers: subscribers,
    targets: {
      "assets.gzip_kb": "<= 300",
      "event_subscribers.*.subscribers_50.dashboards.added_p99_ratio": "<= 1.10",
    },
  };
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(`${RESULTS}dashboard.json`, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${RESULTS}dashboard.json`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:dashboard failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
