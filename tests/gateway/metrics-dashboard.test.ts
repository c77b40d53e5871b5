/**
 * The metrics behind the dashboards, after real traffic on simulated clusters: queue per priority
 * and waits, slots, drain, health, routing strategy and decisions, learned speeds, agent reports,
 * orchestrations, memory tiers and the response cache.
 */
import pino from "pino";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Agent } from "../../src/agent/agent.js";
import { sampleStatus } from "../../src/agent/test-support.js";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { metricValue, scrape, series, sumOf } from "../helpers/prometheus.js";

const CHAT = "llama3.2:3b";
const HEAVY = "qwen2.5:7b";
const SECRET = "metrics-test-cluster-secret-0123456789";
const MB = 1024 * 1024;

function chat(url: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  return fetch(`${url}/api/chat`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      model: CHAT,
      messages: [{ role: "user", content: "hello" }],
      stream: false,
      options: { num_predict: 8 },
      ...body,
    }),
  });
}

async function ok(response: Promise<Response>): Promise<void> {
  const answer = await response;
  await answer.arrayBuffer();
  expect(answer.status).toBe(200);
}

describe("dashboard metrics on a two-node cluster", () => {
  let cluster: TestCluster;
  let agent: Agent | undefined;

  beforeAll(async () => {
    const model = (name: string) => ({ name, size_mb: 1000, loaded: true, skill: { default: 1 } });
    cluster = await startTestCluster(
      [fastNode("a", [model(CHAT), model(HEAVY)]), fastNode("b", [model(CHAT)])],
      {
        agents: { secret: SECRET, heartbeatIntervalMs: 50 },
        responseCache: { enabled: true },
        orchestrator: { lightModel: CHAT, heavyModel: HEAVY, models: { general: [CHAT] } },
      },
    );
  });
  afterAll(async () => {
    await agent?.stop();
    await cluster?.close();
  });

  it("opens neither the memory nor the orchestrator for a scrape, and shows zeros before any run", async () => {
    const text = await scrape(cluster.url);
    expect(text).toContain("# TYPE hydra_memory_tier_hits_total counter");
    expect(series(text, "hydra_memory_tier_hits_total")).toEqual([]);
    expect(series(text, "hydra_memory_tier_entries")).toEqual([]);
    expect(metricValue(text, "hydra_orchestration_runs_total", { outcome: "succeeded" })).toBe(0);
    expect(metricValue(text, "hydra_orchestration_runs_in_progress")).toBe(0);
    expect(metricValue(text, "hydra_response_cache_requests_total", { result: "hit" })).toBe(0);
    expect(metricValue(text, "hydra_event_subscribers")).toBe(0);
    // Every priority level is there, also empty, so that sum() is 0 rather than no data.
    expect(series(text, "hydra_queue_depth")).toHaveLength(10);
    expect(sumOf(text, "hydra_queue_depth")).toBe(0);
  });

  it("shows the active routing strategy and counts decisions per strategy and node", async () => {
    const { pool } = cluster.gateway;
    let text = await scrape(cluster.url);
    expect(metricValue(text, "hydra_routing_strategy", { strategy: "intelligent" })).toBe(1);
    expect(metricValue(text, "hydra_routing_strategy", { strategy: "round_robin" })).toBe(0);

    pool.strategy = "round_robin";
    for (let i = 0; i < 4; i++) await ok(chat(cluster.url));
    await ok(chat(cluster.url, {}, { "x-hydra-strategy": "least_connections" }));
    text = await scrape(cluster.url);
    expect(metricValue(text, "hydra_routing_strategy", { strategy: "round_robin" })).toBe(1);
    expect(metricValue(text, "hydra_routing_strategy", { strategy: "intelligent" })).toBe(0);
    expect(sumOf(text, "hydra_routing_strategy")).toBe(1);
    // Round robin spreads four requests over both nodes.
    expect(metricValue(text, "hydra_route_decisions_total", { strategy: "round_robin", node: "a" })).toBe(2);
    expect(metricValue(text, "hydra_route_decisions_total", { strategy: "round_robin", node: "b" })).toBe(2);
    expect(sumOf(text, "hydra_route_decisions_total", { strategy: "least_connections" })).toBe(1);
    pool.strategy = "intelligent";
  });

  it("reports slots, in-flight, loaded models, their VRAM and the speeds the router learned", async () => {
    const text = await scrape(cluster.url);
    for (const node of ["a", "b"]) {
      expect(metricValue(text, "hydra_node_slots", { node })).toBe(8);
      expect(metricValue(text, "hydra_node_slots_busy", { node })).toBe(0);
      expect(metricValue(text, "hydra_node_in_flight", { node })).toBe(0);
      expect(metricValue(text, "hydra_node_health", { node, state: "up" })).toBe(1);
      expect(sumOf(text, "hydra_node_health", { node })).toBe(1);
      expect(metricValue(text, "hydra_node_info", { node, source: "config" })).toBe(1);
    }
    expect(metricValue(text, "hydra_node_models", { node: "a", state: "installed" })).toBe(2);
    expect(metricValue(text, "hydra_node_model_loaded", { node: "a", model: HEAVY })).toBe(1);
    expect(metricValue(text, "hydra_node_loaded_models_vram_bytes", { node: "b" })).toBe(1000 * MB);
    // Both nodes answered, so the router knows their decode and prefill rates for the model.
    for (const node of ["a", "b"]) {
      expect(
        metricValue(text, "hydra_learned_decode_tokens_per_second", { node, model: CHAT }),
      ).toBeGreaterThan(0);
      expect(
        metricValue(text, "hydra_learned_prefill_tokens_per_second", { node, model: CHAT }),
      ).toBeGreaterThan(0);
    }
    // Immediate admissions wait 0 s and are counted as not queued.
    expect(metricValue(text, "hydra_queue_admitted_total", { priority: "5", queued: "false" })).toBe(5);
    expect(metricValue(text, "hydra_queue_wait_seconds_count", { priority: "5" })).toBe(5);
    expect(metricValue(text, "hydra_queue_wait_seconds_sum", { priority: "5" })).toBe(0);
  });

  it("shows a drained node as drained and not up, and back again", async () => {
    const { pool } = cluster.gateway;
    pool.setDrained("b", true);
    let text = await scrape(cluster.url);
    expect(metricValue(text, "hydra_node_drained", { node: "b" })).toBe(1);
    expect(metricValue(text, "hydra_node_drained", { node: "a" })).toBe(0);
    expect(metricValue(text, "hydra_node_up", { node: "b" })).toBe(0);
    expect(metricValue(text, "hydra_node_slots", { node: "b" })).toBe(0);
    pool.setDrained("b", false);
    text = await scrape(cluster.url);
    expect(metricValue(text, "hydra_node_drained", { node: "b" })).toBe(0);
    expect(metricValue(text, "hydra_node_up", { node: "b" })).toBe(1);
  });

  it("reports a registered agent's CPU, memory and GPUs under the pool's node name", async () => {
    const reported = sampleStatus();
    agent = new Agent(
      {
        gatewayUrl: cluster.url,
        secret: SECRET,
        ollamaUrl: cluster.sim("a").url,
        host: "127.0.0.1",
        port: 0,
        // The machine's name differs from the node's: its reports still land on node "a".
        name: "machine-a",
        intervalMs: 50,
      },
      {
        logger: pino({ level: "silent" }),
        collectors: { system: async () => reported.system, gpus: async () => reported.gpus },
        retry: { baseMs: 10, maxMs: 50 },
      },
    );
    await agent.start();
    await expect
      .poll(async () => metricValue(await scrape(cluster.url), "hydra_agent_cpu_percent", { node: "a" }), {
        timeout: 10_000,
      })
      .toBe(12.5);
    const text = await scrape(cluster.url);
    const gpu = { node: "a", gpu: "0", gpu_name: "NVIDIA GeForce RTX 4090" };
    expect(metricValue(text, "hydra_agent_cpu_cores", { node: "a" })).toBe(16);
    expect(metricValue(text, "hydra_agent_load1", { node: "a" })).toBe(0.5);
    expect(metricValue(text, "hydra_agent_memory_total_bytes", { node: "a" })).toBe(64_000 * MB);
    expect(metricValue(text, "hydra_agent_memory_free_bytes", { node: "a" })).toBe(32_000 * MB);
    expect(metricValue(text, "hydra_agent_disk_free_bytes", { node: "a" })).toBe(500_000 * MB);
    expect(metricValue(text, "hydra_agent_stale", { node: "a" })).toBe(0);
    expect(metricValue(text, "hydra_agent_last_report_timestamp_seconds", { node: "a" })).toBeGreaterThan(0);
    expect(metricValue(text, "hydra_agent_gpu_utilization_percent", gpu)).toBe(10);
    expect(metricValue(text, "hydra_agent_gpu_vram_total_bytes", gpu)).toBe(24_564 * MB);
    expect(metricValue(text, "hydra_agent_gpu_vram_free_bytes", gpu)).toBe(20_000 * MB);
    expect(metricValue(text, "hydra_agent_gpu_temperature_celsius", gpu)).toBe(45);
    // The agent's GPUs are the node's VRAM; node "b" has no agent, so no figures.
    expect(metricValue(text, "hydra_node_vram_total_bytes", { node: "a" })).toBe(24_564 * MB);
    expect(metricValue(text, "hydra_node_vram_free_bytes", { node: "a" })).toBe(20_000 * MB);
    expect(series(text, "hydra_node_vram_free_bytes", { node: "b" })).toEqual([]);
    expect(series(text, "hydra_agent_cpu_percent", { node: "b" })).toEqual([]);
    expect(series(text, "hydra_agent_cpu_percent", { node: "machine-a" })).toEqual([]);
  });

  it("counts an orchestration run, its steps, and none left in progress", async () => {
    const response = await fetch(`${cluster.url}/v1/hydra/generate`, {
      method: "POST",
      body: JSON.stringify({ prompt: "What is the capital of France?" }),
    });
    expect(response.status).toBe(200);
    const text = await scrape(cluster.url);
    expect(metricValue(text, "hydra_orchestration_runs_total", { outcome: "succeeded" })).toBe(1);
    expect(metricValue(text, "hydra_orchestration_runs_total", { outcome: "failed" })).toBe(0);
    expect(metricValue(text, "hydra_orchestration_runs_started_total", { resumed: "false" })).toBe(1);
    expect(
      metricValue(text, "hydra_orchestration_run_duration_seconds_count", { outcome: "succeeded" }),
    ).toBe(1);
    expect(
      metricValue(text, "hydra_orchestration_steps_total", { state: "succeeded" }),
    ).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, "hydra_orchestration_step_duration_seconds_count", { state: "succeeded" })).toBe(
      metricValue(text, "hydra_orchestration_steps_total", { state: "succeeded" }),
    );
    expect(metricValue(text, "hydra_orchestration_runs_in_progress")).toBe(0);
  });

  it("reports the memory tiers once memory is used", async () => {
    const url = `${cluster.url}/v1/hydra/memory/notes/today`;
    expect(
      (await fetch(url, { method: "PUT", body: JSON.stringify({ value: { text: "hi" } }) })).status,
    ).toBe(200);
    expect((await fetch(url)).status).toBe(200);
    expect((await fetch(`${cluster.url}/v1/hydra/memory/notes/absent`)).status).toBe(404);
    const text = await scrape(cluster.url);
    const l1 = { tier: "l1", backend: "memory" };
    const l2 = { tier: "l2", backend: "sqlite" };
    expect(metricValue(text, "hydra_memory_tier_hits_total", l1)).toBe(1);
    expect(metricValue(text, "hydra_memory_tier_misses_total", l1)).toBe(1);
    expect(metricValue(text, "hydra_memory_tier_misses_total", l2)).toBe(1);
    expect(metricValue(text, "hydra_memory_tier_entries", l1)).toBe(1);
    expect(metricValue(text, "hydra_memory_tier_entries", l2)).toBe(1);
    expect(metricValue(text, "hydra_memory_tier_bytes", l2)).toBeGreaterThan(0);
    expect(metricValue(text, "hydra_memory_operations_total", { operation: "put" })).toBe(1);
    expect(metricValue(text, "hydra_memory_operations_total", { operation: "get" })).toBe(2);
    expect(metricValue(text, "hydra_memory_lookups_total", { result: "hit" })).toBe(1);
    expect(metricValue(text, "hydra_memory_lookups_total", { result: "miss" })).toBe(1);
  });

  it("counts response cache misses, stores and hits", async () => {
    const seeded = { options: { num_predict: 8, seed: 7 } };
    await ok(chat(cluster.url, seeded));
    await expect
      .poll(async () => metricValue(await scrape(cluster.url), "hydra_response_cache_stores_total"), {
        timeout: 10_000,
      })
      .toBe(1);
    const hit = await chat(cluster.url, seeded);
    expect(hit.headers.get("x-hydra-cache")).toBe("hit");
    await hit.arrayBuffer();
    const text = await scrape(cluster.url);
    expect(metricValue(text, "hydra_response_cache_requests_total", { result: "miss" })).toBe(1);
    expect(metricValue(text, "hydra_response_cache_requests_total", { result: "hit" })).toBe(1);
  });
});

describe("dashboard metrics: queue and node health", () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it("shows the queue per priority, how long admitted requests waited, and requests turned away", async () => {
    cluster = await startTestCluster(
      [fastNode("one", [{ name: CHAT, size_mb: 1000, loaded: true }], { decode_tps: 100 })],
      { admission: { maxQueue: 3 } },
    );
    const c = cluster;
    c.gateway.pool.admission.setSlots("one", 1);
    // The test holds the node's only slot itself, so requests queue for as long as it likes.
    const held = await c.gateway.pool.admission.admit({ candidates: ["one"], priority: 5 });
    const waiting = ["10", "1", "3"].map((priority) => ok(chat(c.url, {}, { "x-hydra-priority": priority })));
    await expect.poll(() => c.gateway.pool.admission.snapshot().queue.depth, { timeout: 10_000 }).toBe(3);

    let text = await scrape(c.url);
    for (const priority of ["10", "1", "3"]) {
      expect(metricValue(text, "hydra_queue_depth", { priority })).toBe(1);
      expect(metricValue(text, "hydra_queue_oldest_wait_seconds", { priority })).toBeGreaterThanOrEqual(0);
    }
    expect(metricValue(text, "hydra_queue_depth", { priority: "5" })).toBe(0);
    expect(sumOf(text, "hydra_queue_depth")).toBe(3);
    expect(metricValue(text, "hydra_queue_oldest_wait_seconds", { priority: "5" })).toBe(0);
    expect(metricValue(text, "hydra_queue_capacity")).toBe(3);
    expect(metricValue(text, "hydra_node_slots", { node: "one" })).toBe(1);
    expect(metricValue(text, "hydra_node_slots_busy", { node: "one" })).toBe(1);

    // The queue is full: one more is turned away with 429.
    const refused = await chat(c.url, {}, { "x-hydra-priority": "7" });
    expect(refused.status).toBe(429);
    await refused.arrayBuffer();
    held.release();
    await Promise.all(waiting);
    text = await scrape(c.url);
    expect(sumOf(text, "hydra_queue_depth")).toBe(0);
    expect(metricValue(text, "hydra_queue_rejections_total", { reason: "queue-full", priority: "7" })).toBe(
      1,
    );
    expect(metricValue(text, "hydra_queue_admitted_total", { priority: "5", queued: "false" })).toBe(1);
    expect(metricValue(text, "hydra_queue_wait_seconds_sum", { priority: "5" })).toBe(0);
    for (const priority of ["10", "1", "3"]) {
      expect(metricValue(text, "hydra_queue_admitted_total", { priority, queued: "true" })).toBe(1);
      expect(metricValue(text, "hydra_queue_wait_seconds_count", { priority })).toBe(1);
      expect(metricValue(text, "hydra_queue_wait_seconds_sum", { priority })).toBeGreaterThan(0);
    }
    // Served by priority: the lowest waited longest.
    expect(metricValue(text, "hydra_queue_wait_seconds_sum", { priority: "1" })).toBeGreaterThan(
      metricValue(text, "hydra_queue_wait_seconds_sum", { priority: "10" }) ?? 0,
    );
  });

  it("moves a node's health from up to ejected when it goes down, as /v1/hydra/nodes says", async () => {
    cluster = await startTestCluster(
      [fastNode("a", [{ name: CHAT, size_mb: 1000 }]), fastNode("b", [{ name: CHAT, size_mb: 1000 }])],
      { health: { intervalMs: 100, baseEjectionMs: 60_000, maxEjectionMs: 60_000 } },
    );
    const c = cluster;
    expect(metricValue(await scrape(c.url), "hydra_node_health", { node: "b", state: "up" })).toBe(1);
    await c.sim("b").close();
    await expect
      .poll(
        async () => metricValue(await scrape(c.url), "hydra_node_health", { node: "b", state: "ejected" }),
        { timeout: 10_000 },
      )
      .toBe(1);
    const text = await scrape(c.url);
    expect(metricValue(text, "hydra_node_health", { node: "b", state: "up" })).toBe(0);
    expect(sumOf(text, "hydra_node_health", { node: "b" })).toBe(1);
    expect(metricValue(text, "hydra_node_breaker_state", { node: "b", state: "open" })).toBe(1);
    expect(metricValue(text, "hydra_node_up", { node: "b" })).toBe(0);
    expect(metricValue(text, "hydra_node_health", { node: "a", state: "up" })).toBe(1);
    const nodes = (await (await fetch(`${c.url}/v1/hydra/nodes`)).json()) as {
      nodes: { name: string; health: string }[];
    };
    expect(nodes.nodes.find((node) => node.name === "b")?.health).toBe("ejected");
  });
});
