/**
 * The dashboard end to end, in real headless Chromium against a real gateway in front of
 * simulated nodes that each run in their own process, under steady traffic: nodes and charts
 * appear and update, routing decisions stream in, a killed node turns bad within 2 s, the
 * playground streams, an orchestration opens as a DAG, admin actions need the key. Each page's
 * screenshot goes to tests/artifacts/screenshots/ (the README shows the best).
 */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pino from "pino";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../../src/agent/agent.js";
import { sampleStatus } from "../../src/agent/test-support.js";
import { type BackgroundTraffic, startBackgroundTraffic } from "../../src/cli/commands/demo-traffic.js";
import { hydraConfigSchema } from "../../src/config/schema.js";
import { createGateway, type Gateway } from "../../src/gateway/server.js";
import type { SimNodeInput } from "../../src/sim/config.js";
import { launchChromium, requireChromium } from "../helpers/browser.js";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { type SimProcess, startSimProcess } from "../helpers/sim-process.js";

const SCREENSHOTS = fileURLToPath(new URL("../artifacts/screenshots/", import.meta.url));
const CHAT = "llama3.2:3b";
const CODER = "qwen2.5-coder:7b";
const EMBED = "nomic-embed-text";
const ADMIN_KEY = "e2e-admin-key-0123";
const AGENT_SECRET = "e2e-cluster-secret-0123456789";
const chromium = requireChromium();

function simNode(name: string, models: SimNodeInput["models"], decodeTps: number): SimNodeInput {
  return {
    name,
    num_parallel: 4,
    vram_mb: 16_000,
    prefill_tps: 5_000,
    decode_tps: decodeTps,
    load_mbps: 100_000,
    pull_mbps: 50_000,
    response_tokens: { min: 20, max: 40 },
    models,
  };
}

const testid = (id: string, extra = "") => `[data-testid="${id}"]${extra}`;

/**
 * A browser-side expression reading an attribute of the first element matching `selector`, as a
 * number or as text. Expressions are text because this file is compiled without the DOM's types.
 */
function attribute(selector: string, name: string, numeric = true): string {
  const read = `document.querySelector(${JSON.stringify(selector)})?.getAttribute(${JSON.stringify(name)}) ?? null`;
  return numeric ? `Number(${read})` : `(${read})`;
}

describe.skipIf(!chromium.available)("dashboard in Chromium", () => {
  let sims: SimProcess[] = [];
  let gateway: Gateway;
  let url: string;
  let browser: Browser;
  let page: Page;
  let traffic: BackgroundTraffic;
  let agent: Agent | undefined;

  async function openTab(tab: string): Promise<void> {
    await page.click(testid("tab", `[data-tab="${tab}"]`));
    await page.waitForSelector(testid("tab", `[data-tab="${tab}"][aria-current="page"]`));
  }

  async function screenshot(name: string): Promise<void> {
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: false });
  }

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const embed = { name: EMBED, size_mb: 262, embedding_dim: 768, loaded: true };
    sims = await Promise.all([
      startSimProcess(simNode("gpu-a", [{ name: CHAT, size_mb: 1926, loaded: true }, embed], 60)),
      startSimProcess(
        simNode(
          "gpu-b",
          [
            { name: CODER, size_mb: 4466, loaded: true },
            { name: CHAT, size_mb: 1926 },
          ],
          45,
        ),
      ),
      startSimProcess(simNode("cpu-c", [{ name: CHAT, size_mb: 1926, loaded: true }, embed], 30)),
    ]);
    const config = hydraConfigSchema.parse({
      server: { port: 0 },
      dataDir: mkdtempSync(join(tmpdir(), "hydra-e2e-")),
      log: { level: "silent" },
      auth: { adminKeys: [ADMIN_KEY] },
      responseCache: { enabled: false },
      agents: { secret: AGENT_SECRET, heartbeatIntervalMs: 200 },
      orchestrator: {
        lightModel: CHAT,
        heavyModel: CODER,
        models: { general: [CHAT], code: [CODER, CHAT] },
        fanOut: 2,
      },
      nodes: sims.map((sim) => ({ url: sim.url, name: sim.name })),
    });
    gateway = createGateway(config);
    url = await gateway.start();
    // gpu-a's machine runs an agent. This machine has no GPU, so its GPU reading is a sample one;
    // CPU and memory are this machine's own.
    const gpuA = sims.find((sim) => sim.name === "gpu-a") as SimProcess;
    agent = new Agent(
      {
        gatewayUrl: url,
        secret: AGENT_SECRET,
        ollamaUrl: gpuA.url,
        host: "127.0.0.1",
        port: 0,
        name: "gpu-a",
        intervalMs: 200,
      },
      { logger: pino({ level: "silent" }), collectors: { gpus: async () => sampleStatus().gpus } },
    );
    await agent.start();
    traffic = startBackgroundTraffic(url, 6, [CHAT, CODER]);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // A step that cannot happen fails within the test's time, naming the selector it waited for.
    page.setDefaultTimeout(10_000);
    await page.goto(`${url}/dashboard`);
  });

  afterAll(async () => {
    await traffic?.stop();
    await agent?.stop();
    await browser?.close();
    await gateway?.close();
    await Promise.all(sims.map((sim) => sim.stop()));
  });

  it("shows every node with its health and models, live", async () => {
    await page.waitForSelector(testid("stream-status", '[data-state="open"]'));
    for (const sim of sims)
      await page.waitForSelector(testid("node-card", `[data-node="${sim.name}"][data-health="up"]`));
    const cards = await page.locator(testid("node-card")).count();
    expect(cards).toBe(3);
    const gpuB = await page.locator(testid("node-card", '[data-node="gpu-b"]')).textContent();
    expect(gpuB).toContain(CODER);
    await screenshot("cluster");
  });

  it("shows what a node's agent reports: CPU, memory, GPU and VRAM", async () => {
    const card = testid("node-card", '[data-node="gpu-a"]');
    await page.waitForSelector(`${card} ${testid("node-vram")}`);
    const text = (await page.locator(card).textContent()) ?? "";
    expect(text).toContain("CPU");
    expect(text).toContain("Memory");
    expect(text).toContain("GPU 0");
    // No agent on the other nodes: no agent section there.
    expect(await page.locator(testid("node-card", '[data-node="gpu-b"]')).textContent()).not.toContain(
      "Agent ·",
    );
  });

  it("draws the traffic charts from real requests and keeps them updating", async () => {
    await openTab("traffic");
    const requests = testid("chart", '[data-chart="requests"]');
    await page.waitForFunction(`${attribute(requests, "data-points")} >= 2`);
    const before = Number(await page.getAttribute(requests, "data-points"));
    // One more second of traffic adds a point: the chart follows the gateway.
    await page.waitForFunction(`${attribute(requests, "data-points")} > ${before}`);
    for (const chart of ["latency", "ttft", "tokens"])
      await page.waitForSelector(testid("chart", `[data-chart="${chart}"] canvas`));
    await screenshot("traffic");
  });

  it("streams routing decisions with the chosen node, the runner-up and every candidate's estimate", async () => {
    await openTab("routing");
    const row = page.locator(testid("route-decision")).first();
    await row.waitFor();
    expect(sims.map((sim) => sim.name)).toContain(await row.getAttribute("data-node"));
    await row.click();
    const candidates = page.locator(testid("route-candidates")).first();
    await candidates.waitFor();
    expect(await candidates.textContent()).toMatch(/\d/);
    await screenshot("routing");
  });

  it("shows the queue per priority level", async () => {
    await openTab("queue");
    expect(await page.locator(testid("queue-level")).count()).toBe(10);
    await screenshot("queue");
  });

  it("shows a node that was killed as down within 2 s", async () => {
    await openTab("cluster");
    const victim = sims.find((sim) => sim.name === "cpu-c") as SimProcess;
    const card = testid("node-card", '[data-node="cpu-c"]');
    await page.waitForSelector(`${card}[data-health="up"]`);
    await victim.kill();
    await page.waitForFunction(
      `!["up", null].includes(${attribute(card, "data-health", false)})`,
      undefined,
      {
        timeout: 2_000,
      },
    );
    await screenshot("node-down");
  });

  it("streams a playground answer token by token", async () => {
    await openTab("playground");
    await page.selectOption(testid("playground-model"), CHAT);
    await page.fill(testid("playground-input"), "Tell me about clusters.");
    await page.click(testid("playground-send"));
    const output = testid("playground-output");
    // Mid-answer: part of the text is there while the stream is still open.
    await page.waitForFunction(
      `${attribute(output, "data-state", false)} === "streaming" && document.querySelector(${JSON.stringify(output)}).textContent.trim().length > 0`,
    );
    await page.waitForSelector(`${output}[data-state="done"]`);
    expect((await page.locator(output).textContent())?.length).toBeGreaterThan(20);
    expect(await page.locator(testid("playground-stats")).textContent()).toMatch(/\d/);
    await screenshot("playground");
  });

  it("streams the orchestrator's progress as thinking, then its answer, when the model is hydra", async () => {
    await openTab("playground");
    await page.selectOption(testid("playground-model"), "hydra");
    await page.fill(testid("playground-input"), "Describe what a gateway does. Then explain failover.");
    await page.click(testid("playground-send"));
    await page.waitForSelector(`${testid("playground-output")}[data-state="done"]`, { timeout: 20_000 });
    expect((await page.locator(testid("playground-thinking")).textContent())?.length).toBeGreaterThan(20);
    expect((await page.locator(testid("playground-output")).textContent())?.trim().length).toBeGreaterThan(
      20,
    );
  });

  it("opens an orchestration as a DAG with each step's state", async () => {
    const response = await fetch(`${url}/v1/hydra/generate`, {
      method: "POST",
      // Three sentences, the later ones building on the earlier: the plan is a chain of three steps.
      body: JSON.stringify({
        prompt:
          "Describe how a load balancer spreads requests. Then explain why a slow node hurts tail latency. " +
          "Finally write documentation that summarises both answers.",
      }),
    });
    expect(response.status).toBe(200);
    const { runId } = (await response.json()) as { runId: string };
    await openTab("orchestrations");
    const row = testid("run-row", `[data-run="${runId}"]`);
    await page.waitForSelector(`${row}[data-state="succeeded"]`);
    await page.click(row);
    await page.waitForSelector(testid("run-dag"));
    await page.waitForSelector(testid("dag-step", '[data-state="succeeded"]'));
    expect(await page.locator(testid("dag-step")).count()).toBe(3);
    await page.locator(testid("dag-step")).first().click();
    await page.waitForSelector(testid("step-detail"));
    await screenshot("orchestration");
  });

  it("shows memory tiers and finds remembered text by meaning", async () => {
    const remembered = await fetch(`${url}/v1/hydra/memory/vectors`, {
      method: "POST",
      body: JSON.stringify({ text: "The cluster has three nodes and a gateway in front." }),
    });
    expect(remembered.status).toBeLessThan(300);
    await openTab("memory");
    await page.waitForSelector(testid("memory-stats"));
    await page.fill(testid("memory-search-input"), "The cluster has three nodes and a gateway in front.");
    await page.press(testid("memory-search-input"), "Enter");
    await page.waitForSelector(testid("memory-result"));
    await screenshot("memory");
  });

  it("refuses admin actions without the key, and does them with it", async () => {
    await openTab("admin");
    await page.fill(testid("admin-key-input"), "wrong-key-0123456789");
    await page.press(testid("admin-key-input"), "Enter");
    await page.click(testid("drain-button", '[data-node="gpu-a"]'));
    await page.waitForSelector(testid("admin-message"));
    expect(await page.locator(testid("admin-message")).textContent()).toMatch(/admin key/i);
    expect(gateway.pool.node("gpu-a")?.drained).toBe(false);

    await page.fill(testid("admin-key-input"), ADMIN_KEY);
    await page.press(testid("admin-key-input"), "Enter");
    await page.click(testid("drain-button", '[data-node="gpu-a"]'));
    await page.waitForSelector(testid("undrain-button", '[data-node="gpu-a"]'));
    expect(gateway.pool.node("gpu-a")?.drained).toBe(true);
    await page.click(testid("undrain-button", '[data-node="gpu-a"]'));
    await page.waitForSelector(testid("drain-button", '[data-node="gpu-a"]'));
    expect(gateway.pool.node("gpu-a")?.drained).toBe(false);

    await page.selectOption(testid("strategy-select"), "least_connections");
    await page.waitForFunction(
      `document.querySelector(${JSON.stringify(testid("header-strategy"))})?.textContent.includes("least_connections")`,
    );
    expect(gateway.pool.strategy).toBe("least_connections");

    await page.fill(testid("pull-model"), "phi3:mini");
    await page.check(testid("pull-node", '[data-node="gpu-b"]'));
    await page.click(testid("pull-submit"));
    await page.waitForSelector(testid("pull-progress", '[data-node="gpu-b"][data-state="done"]'));
    expect(gateway.pool.node("gpu-b")?.hasModel("phi3:mini")).toBe(true);
    await screenshot("admin");
  });

  it("switches between dark and light, and fits a phone screen", async () => {
    await openTab("cluster");
    const toggle = testid("theme-toggle");
    const before = await page.getAttribute(toggle, "data-theme");
    await page.click(toggle);
    await page.waitForFunction(`${attribute(toggle, "data-theme", false)} !== ${JSON.stringify(before)}`);
    await screenshot(`cluster-${await page.getAttribute(toggle, "data-theme")}`);
    await page.setViewportSize({ width: 375, height: 812 });
    await page.waitForSelector(testid("node-card"));
    const overflow = (await page.evaluate(
      "document.documentElement.scrollWidth - window.innerWidth",
    )) as number;
    expect(overflow).toBeLessThanOrEqual(1);
    await screenshot("phone");
    await page.setViewportSize({ width: 1440, height: 900 });
  });
});

describe.skipIf(!chromium.available)("dashboard on a gateway with API keys", () => {
  const API_KEY = "e2e-api-key-0123456789";
  let cluster: TestCluster;
  let browser: Browser;

  beforeAll(async () => {
    cluster = await startTestCluster([fastNode("solo", [{ name: CHAT, size_mb: 1926, loaded: true }])], {
      auth: { keys: [API_KEY] },
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await cluster?.close();
  });

  it("asks for the key, then shows the cluster with it", async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${cluster.url}/dashboard`);
    await page.waitForSelector(testid("api-key-dialog"));
    expect(await page.locator(testid("node-card")).count()).toBe(0);
    await page.fill(testid("api-key-input"), API_KEY);
    await page.click(testid("api-key-save"));
    await page.waitForSelector(testid("node-card", '[data-node="solo"][data-health="up"]'));
    await page.waitForSelector(testid("stream-status", '[data-state="open"]'));
    // The key is kept: a reload needs no prompt.
    await page.reload();
    await page.waitForSelector(testid("node-card", '[data-node="solo"]'));
    expect(await page.locator(testid("api-key-dialog")).count()).toBe(0);
  });
});
