import { Ollama } from "ollama";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type HydraConfigInput, hydraConfigSchema } from "../../src/config/schema.js";
import { createGateway, type Gateway } from "../../src/gateway/server.js";
import type { HealthChange } from "../../src/pool/health/monitor.js";
import { type SimNodeHandle, startSimNode } from "../../src/sim/index.js";
import { fastNode } from "../helpers/cluster.js";
import { closedPort } from "../helpers/net.js";
import {
  deleteRedisKeys,
  REDIS,
  REDIS_URL,
  requireRedis,
  serviceAvailable,
  uniqueRedisPrefix,
} from "../helpers/services.js";

const redis = await requireRedis();

const CHAT = "llama3.2:3b";
const OTHER = "qwen2.5-coder:7b";

interface Started {
  gateway: Gateway;
  url: string;
  /** Every health change, with the node's openUntil at that moment. */
  changes: (HealthChange & { openUntil: number | undefined })[];
}

describe("requireRedis", () => {
  const absent = async () => false;

  it("fails under CI=true when Redis is not there, saying to start it at 127.0.0.1:6379", async () => {
    await expect(requireRedis({ env: { CI: "true" }, probe: absent })).rejects.toThrow(
      /Redis is not reachable at 127\.0\.0\.1:6379.*start Redis at 127\.0\.0\.1:6379/,
    );
  });

  it("outside CI, skips with a message that says how to run the tests", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const status = await requireRedis({ env: {}, probe: absent });
      expect(status.available).toBe(false);
      expect(status.reason).toMatch(/skipping.*start Redis at 127\.0\.0\.1:6379/);
      expect(warn).toHaveBeenCalledWith(status.reason);
    } finally {
      warn.mockRestore();
    }
  });

  it("tells Redis from a closed port and from another server on the port", async () => {
    const port = await closedPort();
    expect(await serviceAvailable({ ...REDIS, port })).toBe(false);
    const http = await startSimNode({ name: "not-redis" });
    try {
      expect(await serviceAvailable({ ...REDIS, port: http.port })).toBe(false);
    } finally {
      await http.close();
    }
  });

  it.runIf(redis.available)("finds the real Redis", async () => {
    expect(await serviceAvailable(REDIS)).toBe(true);
    expect(await requireRedis({ env: { CI: "true" } })).toEqual({ available: true, reason: "" });
  });
});

describe.skipIf(!redis.available)("gateways sharing state through Redis", () => {
  let prefix: string;
  let sims: SimNodeHandle[] = [];
  let gateways: Gateway[] = [];

  beforeEach(async () => {
    prefix = uniqueRedisPrefix("gateway");
    sims = await Promise.all([
      startSimNode(fastNode("n1", [{ name: CHAT, size_mb: 1000, loaded: true }])),
      startSimNode(fastNode("n2", [{ name: OTHER, size_mb: 1000, loaded: true }])),
    ]);
  });

  afterEach(async () => {
    await Promise.all(gateways.map((gateway) => gateway.close()));
    gateways = [];
    await Promise.all(sims.map((sim) => sim.close()));
    sims = [];
    await deleteRedisKeys(prefix);
  });

  /** A gateway over both sims; `namePrefix` gives it its own node names (gateways may differ). */
  async function startGateway(
    namePrefix: string,
    config: Omit<HydraConfigInput, "nodes" | "server" | "log"> = {},
  ): Promise<Started> {
    const parsed = hydraConfigSchema.parse({
      ...config,
      server: { port: 0 },
      log: { level: "silent" },
      nodes: sims.map((sim) => ({ url: sim.url, name: `${namePrefix}${sim.name}` })),
      redis: { url: REDIS_URL, keyPrefix: prefix, ...config.redis },
    });
    const gateway = createGateway(parsed);
    gateways.push(gateway);
    const changes: Started["changes"] = [];
    gateway.pool.health.on("change", (change) =>
      changes.push({ ...change, openUntil: gateway.pool.health.state(change.node)?.openUntil }),
    );
    const url = await gateway.start();
    return { gateway, url, changes };
  }

  async function putFaults(sim: SimNodeHandle, faults: unknown[]): Promise<void> {
    const response = await fetch(`${sim.url}/_sim/faults`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(faults),
    });
    expect(response.status).toBe(200);
  }

  async function clearFaults(sim: SimNodeHandle): Promise<void> {
    expect((await fetch(`${sim.url}/_sim/faults`, { method: "DELETE" })).ok).toBe(true);
  }

  async function chat(url: string, content: string) {
    return new Ollama({ host: url }).chat({
      model: CHAT,
      messages: [{ role: "user", content }],
      stream: false,
    });
  }

  async function dryRun(url: string) {
    const response = await fetch(`${url}/v1/hydra/route?model=${CHAT}&prompt=hello&num_predict=64`);
    expect(response.status).toBe(200);
    return (await response.json()) as { candidates: { name: string; estimatedMs: number }[] };
  }

  const sim = (name: string) => sims.find((s) => s.name === name)!;

  it("traffic through one gateway teaches the other", async () => {
    const a = await startGateway("");
    const b = await startGateway("b-");
    const before = await dryRun(b.url);

    for (let i = 0; i < 6; i++) await chat(a.url, `question ${i}`);
    const learned = a.gateway.pool.stats.pair("n1", CHAT);
    expect(learned?.samples).toBe(6);
    expect(learned?.decodeTps).toBeGreaterThan(100); // far above the prior of 20 tokens/s

    // The same samples in the same order, folded with the same math: the same numbers.
    await expect.poll(() => b.gateway.pool.stats.pair("b-n1", CHAT)?.samples).toBe(6);
    expect(b.gateway.pool.stats.pair("b-n1", CHAT)).toEqual(learned);
    expect(b.gateway.pool.stats.model(CHAT)).toEqual(a.gateway.pool.stats.model(CHAT));
    // And so the same routing estimate, which B had no way to know before.
    const [estimateA, estimateB] = await Promise.all([dryRun(a.url), dryRun(b.url)]);
    expect(estimateB.candidates.map((c) => [c.name, c.estimatedMs])).toEqual(
      estimateA.candidates.map((c) => [`b-${c.name}`, c.estimatedMs]),
    );
    expect(estimateB.candidates[0]?.estimatedMs).not.toBe(before.candidates[0]?.estimatedMs);
    // B served nothing itself, so it published nothing: A learned only from its own answers.
    expect(a.gateway.pool.stats.pair("n1", CHAT)?.samples).toBe(6);
  });

  it("a node that fails on one gateway is ejected on the other, which never sent it anything; both readmit it", async () => {
    const health = { baseEjectionMs: 1_000, maxEjectionMs: 2_000 };
    const a = await startGateway("", { health });
    // B reads inventories only at start-up: it sends n1 nothing but its active checks, which the
    // fault (on inference routes) leaves alone. Whatever B learns of n1's failure comes from A.
    const b = await startGateway("b-", { health, inventory: { refreshIntervalMs: 600_000 } });

    await putFaults(sim("n1"), [{ type: "status", status: 500, message: "injected failure" }]);
    // Only n1 has the model: A's attempts (3) all fail there, which is A's failureThreshold.
    await expect(chat(a.url, "fail")).rejects.toThrow();
    const ejectedOnA = a.changes.find((c) => c.node === "n1" && c.to === "open");
    expect(ejectedOnA).toMatchObject({
      from: "closed",
      reason: expect.stringContaining("3 failed requests"),
    });
    expect(ejectedOnA?.remote).toBeUndefined();

    await expect.poll(() => b.changes.find((c) => c.node === "b-n1" && c.to === "open")).toBeDefined();
    const ejectedOnB = b.changes.find((c) => c.node === "b-n1" && c.to === "open")!;
    expect(b.changes.indexOf(ejectedOnB)).toBe(0);
    expect(ejectedOnB).toMatchObject({ from: "closed", remote: true, openUntil: ejectedOnA?.openUntil });
    expect(ejectedOnB.reason).toContain("ejected by another gateway");
    expect(b.gateway.pool.health.state("b-n1")).toMatchObject({
      consecutiveFailures: 0,
      consecutiveCheckFailures: 0,
      lastError: expect.stringMatching(/^another gateway: 3 failed requests/),
    });
    const refused = await fetch(`${b.url}/v1/hydra/route?model=${CHAT}`);
    expect(refused.status).toBe(503);

    await clearFaults(sim("n1"));
    await expect
      .poll(
        () => [a.gateway.pool.health.state("n1")?.breaker, b.gateway.pool.health.state("b-n1")?.breaker],
        { timeout: 10_000 },
      )
      .toEqual(["closed", "closed"]);
    expect((await chat(b.url, "after")).done).toBe(true);
    expect((await chat(a.url, "after")).done).toBe(true);
  });

  it("a gateway started later loads what the others learned and the ejection still running", async () => {
    const a = await startGateway("", {
      health: { intervalMs: 100, baseEjectionMs: 60_000, maxEjectionMs: 60_000 },
    });
    for (let i = 0; i < 4; i++) await chat(a.url, `question ${i}`);
    expect(await a.gateway.sharedState?.saveSnapshot()).toBe(true);

    await putFaults(sim("n2"), [{ type: "down" }]);
    await expect.poll(() => a.gateway.pool.health.state("n2")?.breaker).toBe("open");
    const openUntil = a.gateway.pool.health.state("n2")?.openUntil;
    // The node is fine again, but A's ejection runs its minute: C must take it over from Redis.
    await clearFaults(sim("n2"));

    const c = await startGateway("c-", { health: { intervalMs: 600_000 } });
    expect(c.gateway.pool.stats.pair("c-n1", CHAT)).toEqual(a.gateway.pool.stats.pair("n1", CHAT));
    expect(c.gateway.pool.stats.model(CHAT)).toEqual(a.gateway.pool.stats.model(CHAT));
    expect(c.gateway.pool.health.state("c-n2")).toMatchObject({ breaker: "open", openUntil });
    expect(c.changes).toMatchObject([{ node: "c-n2", from: "closed", to: "open", remote: true }]);
    expect(c.gateway.pool.health.state("c-n1")?.breaker).toBe("closed");
  });

  it("with Redis unreachable, a gateway still starts and serves", async () => {
    const port = await closedPort();
    const a = await startGateway("", { redis: { url: `redis://127.0.0.1:${port}` } });
    expect(a.gateway.sharedState?.connected).toBe(false);
    const answer = await chat(a.url, "hello");
    expect(answer.done).toBe(true);
    expect(answer.message.content.length).toBeGreaterThan(0);
    expect((await fetch(`${a.url}/health`)).status).toBe(200);
  });

  it("without redis.url, shares nothing", async () => {
    const parsed = hydraConfigSchema.parse({
      server: { port: 0 },
      log: { level: "silent" },
      nodes: sims.map((s) => ({ url: s.url, name: s.name })),
    });
    expect(parsed.redis).toEqual({ keyPrefix: "hydra:", snapshotIntervalMs: 10_000 });
    const gateway = createGateway(parsed);
    gateways.push(gateway);
    expect(gateway.sharedState).toBeUndefined();
  });
});
