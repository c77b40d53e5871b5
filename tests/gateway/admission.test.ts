/**
 * What the gateway does with more work than its nodes take at once: priority
 * queuing in front of node slots, a bounded queue, rate limits, and a graceful drain.
 */
import { Ollama } from "ollama";
import { afterEach, describe, expect, it } from "vitest";
import { collect, fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";

const CHAT = "llama3.2:3b";

describe("admission", () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  const chat = (url: string, priority: number, tokens: number) =>
    fetch(`${url}/api/chat`, {
      method: "POST",
      headers: { "x-hydra-priority": String(priority) },
      body: JSON.stringify({
        model: CHAT,
        messages: [{ role: "user", content: "x" }],
        stream: false,
        options: { num_predict: tokens },
      }),
    });

  it("serves waiting requests by priority when a node's slot frees", async () => {
    cluster = await startTestCluster([
      fastNode("one", [{ name: CHAT, size_mb: 1000, loaded: true }], { decode_tps: 100 }),
    ]);
    cluster.gateway.pool.admission.setSlots("one", 1);
    const c = cluster;
    const finished: string[] = [];
    const track = (name: string, response: Promise<Response>) =>
      response.then(async (r) => {
        await r.arrayBuffer();
        finished.push(name);
      });
    const first = track("first", chat(c.url, 5, 20));
    await expect.poll(() => c.gateway.pool.admission.snapshot().nodes[0]?.busy).toBe(1);
    const low = track("low", chat(c.url, 1, 2));
    await expect.poll(() => c.gateway.pool.admission.snapshot().queue.depth).toBe(1);
    const high = track("high", chat(c.url, 10, 2));
    await expect.poll(() => c.gateway.pool.admission.snapshot().queue.depth).toBe(2);
    await Promise.all([first, low, high]);
    expect(finished).toEqual(["first", "high", "low"]);
  });

  it("gives each API key its default priority", async () => {
    cluster = await startTestCluster(
      [fastNode("one", [{ name: CHAT, size_mb: 1000, loaded: true }], { decode_tps: 100 })],
      {
        auth: {
          keys: [
            { key: "batch-key-123", priority: 1 },
            { key: "urgent-key-123", priority: 10 },
          ],
        },
      },
    );
    cluster.gateway.pool.admission.setSlots("one", 1);
    const c = cluster;
    const finished: string[] = [];
    const send = (name: string, key: string, tokens: number) =>
      fetch(`${c.url}/api/chat`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}` },
        body: JSON.stringify({
          model: CHAT,
          messages: [{ role: "user", content: "x" }],
          stream: false,
          options: { num_predict: tokens },
        }),
      }).then(async (response) => {
        expect(response.status).toBe(200);
        await response.arrayBuffer();
        finished.push(name);
      });
    const first = send("first", "batch-key-123", 20);
    await expect.poll(() => c.gateway.pool.admission.snapshot().nodes[0]?.busy).toBe(1);
    const batch = send("batch", "batch-key-123", 2);
    await expect.poll(() => c.gateway.pool.admission.snapshot().queue.depth).toBe(1);
    const urgent = send("urgent", "urgent-key-123", 2);
    await expect.poll(() => c.gateway.pool.admission.snapshot().queue.depth).toBe(2);
    await Promise.all([first, batch, urgent]);
    expect(finished).toEqual(["first", "urgent", "batch"]);
  });

  it("answers 429 with Retry-After when the queue is full", async () => {
    cluster = await startTestCluster(
      [fastNode("one", [{ name: CHAT, size_mb: 1000, loaded: true }], { decode_tps: 100 })],
      {
        admission: { maxQueue: 0 },
      },
    );
    cluster.gateway.pool.admission.setSlots("one", 1);
    const c = cluster;
    const first = chat(c.url, 5, 20);
    await expect.poll(() => c.gateway.pool.admission.snapshot().nodes[0]?.busy).toBe(1);
    const refused = await chat(c.url, 5, 1);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    await (await first).arrayBuffer();
  });

  it("rejects an invalid priority with the allowed range", async () => {
    cluster = await startTestCluster([fastNode("one", [{ name: CHAT, size_mb: 1000 }])]);
    const response = await chat(cluster.url, 11, 1);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain("from 1 (lowest) to 10 (highest)");
  });

  it("rate-limits requests per second with 429, Retry-After and the limit in headers", async () => {
    cluster = await startTestCluster([fastNode("one", [{ name: CHAT, size_mb: 1000 }])], {
      rateLimits: { global: { requestsPerSecond: 0.5, burst: 1 } },
    });
    const ok = await chat(cluster.url, 5, 1);
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-ratelimit-limit-requests")).toBeTruthy();
    const limited = await chat(cluster.url, 5, 1);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(((await limited.json()) as { code: string }).code).toBe("HYDRA_ERR_RATE_LIMITED");
  });
});

describe("graceful drain", () => {
  it("turns readiness 503 at once, refuses new work, and ends what outlives the drain with an explicit error", async () => {
    const cluster = await startTestCluster([
      fastNode("one", [{ name: CHAT, size_mb: 1000, loaded: true }], { decode_tps: 20 }),
    ]);
    try {
      const ollama = new Ollama({ host: cluster.url });
      const long = await ollama.generate({
        model: CHAT,
        prompt: "long",
        stream: true,
        options: { num_predict: 10_000 },
      });
      const iterator = long[Symbol.asyncIterator]();
      await iterator.next();
      const draining = cluster.gateway.drain(300);
      await expect
        .poll(async () => (await fetch(`${cluster.url}/health`).catch(() => undefined))?.status)
        .toBe(503);
      const refused = await fetch(`${cluster.url}/api/tags`);
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { code: string }).code).toBe("HYDRA_ERR_SHUTTING_DOWN");
      const rest = collect({ [Symbol.asyncIterator]: () => iterator });
      await expect(rest).rejects.toThrow(/shutting down.*incomplete/);
      expect(await draining).toEqual({ completed: 0, stopped: 1 });
      expect(cluster.sim("one").engine.scheduler.busy).toBe(0);
    } finally {
      await Promise.all(cluster.sims.map((sim) => sim.close()));
    }
  });

  it("lets a request in flight finish within the drain time", async () => {
    const cluster = await startTestCluster([
      fastNode("one", [{ name: CHAT, size_mb: 1000, loaded: true }], { decode_tps: 100 }),
    ]);
    try {
      const answer = new Ollama({ host: cluster.url }).chat({
        model: CHAT,
        messages: [{ role: "user", content: "x" }],
        stream: false,
        options: { num_predict: 20 },
      });
      await expect.poll(() => cluster.gateway.pool.nodes[0]?.inFlight).toBe(1);
      const drained = await cluster.gateway.drain(10_000);
      expect((await answer).done).toBe(true);
      expect(drained).toEqual({ completed: 1, stopped: 0 });
    } finally {
      await Promise.all(cluster.sims.map((sim) => sim.close()));
    }
  });
});
