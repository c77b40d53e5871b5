/**
 * What the dashboard reads: `GET /v1/hydra/cluster` (nodes with load, models and learned speed;
 * the priority queue; the strategy) and `GET /v1/hydra/traffic` (second-by-second series), plus
 * the queue and orchestration events on the stream.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ClusterSnapshot, TrafficSnapshot } from "../../src/gateway/cluster/types.js";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { readUntil } from "../helpers/sse.js";

const MODEL = "llama3.2:1b";
const OTHER = "qwen2.5:0.5b";
const loaded = [
  { name: MODEL, size_mb: 1000, loaded: true },
  { name: OTHER, size_mb: 500, loaded: false },
];

async function chat(
  url: string,
  model = MODEL,
  headers: Record<string, string> = {},
  stream = false,
): Promise<Response> {
  const response = await fetch(`${url}/api/chat`, {
    method: "POST",
    headers,
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], stream }),
  });
  await response.arrayBuffer();
  return response;
}

async function get<T>(url: string): Promise<T> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

describe("cluster snapshot and traffic", () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it("shows every node with health, slots, models, learned speed, and the queue per priority", async () => {
    cluster = await startTestCluster([fastNode("a", loaded), fastNode("b", [loaded[0]!])]);
    for (let i = 0; i < 6; i++) await chat(cluster.url);
    const snapshot = await get<ClusterSnapshot>(`${cluster.url}/v1/hydra/cluster`);
    expect(snapshot.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(snapshot.routing.strategy).toBe("intelligent");
    expect(snapshot.routing.strategies).toContain("round_robin");
    expect(snapshot.auth).toEqual({ apiKeys: false, admin: false });
    expect(snapshot.nodes.map((node) => node.name)).toEqual(["a", "b"]);
    const a = snapshot.nodes[0]!;
    expect(a).toMatchObject({
      health: "up",
      breaker: "closed",
      drained: false,
      source: "config",
      agent: null,
    });
    // No `slots` in the node's config: the gateway's admission.defaultSlots.
    expect(a.slots.total).toBe(8);
    expect(a.models.map((model) => [model.name, model.loaded]).sort()).toEqual([
      [MODEL, true],
      [OTHER, false],
    ]);
    // The router learned decode speeds from the answers (on whichever nodes served them).
    const rates = snapshot.nodes.flatMap((node) => node.rates);
    expect(rates.some((rate) => rate.model === MODEL && rate.decodeTps > 0 && rate.samples > 0)).toBe(true);
    expect(snapshot.models).toEqual([
      { name: MODEL, nodes: ["a", "b"], loadedOn: ["a", "b"] },
      { name: OTHER, nodes: ["a"], loadedOn: [] },
    ]);
    expect(snapshot.queue.depth).toBe(0);
    expect(snapshot.queue.levels.map((level) => level.priority)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    // Six requests at the default priority 5 were admitted without waiting.
    expect(snapshot.queue.levels.find((level) => level.priority === 5)).toMatchObject({
      depth: 0,
      recentAdmitted: 6,
    });
  });

  it("counts requests, errors and tokens per second for the cluster, per node and per model", async () => {
    cluster = await startTestCluster([fastNode("a", loaded)]);
    for (let i = 0; i < 3; i++) await chat(cluster.url);
    // Streamed: its time to first token is measured.
    await chat(cluster.url, OTHER, {}, true);
    // The current second is left out of the series: wait until the requests' second is over.
    const after = Date.now();
    const snapshot = await pollUntil(
      () => get<TrafficSnapshot>(`${cluster!.url}/v1/hydra/traffic?window=60`),
      (traffic) => traffic.start + traffic.steps * 1000 > after,
    );
    expect(snapshot.steps).toBe(60);
    expect(snapshot.totals.requests).toBe(4);
    expect(snapshot.totals.errors).toBe(0);
    expect(snapshot.totals.completionTokens).toBeGreaterThan(0);
    expect(sum(snapshot.byNode.a!.rps)).toBe(4);
    expect(sum(snapshot.byModel[MODEL]!.rps)).toBe(3);
    expect(sum(snapshot.byModel[OTHER]!.rps)).toBe(1);
    expect(snapshot.all.p50.some((value) => value !== null && value > 0)).toBe(true);
    expect(snapshot.all.ttftP50.some((value) => value !== null && value > 0)).toBe(true);
  });

  it("refuses a window that is not a whole number of seconds in range", async () => {
    cluster = await startTestCluster([fastNode("a", loaded)]);
    for (const window of ["0", "abc", "1.5", "100000"]) {
      const response = await fetch(`${cluster.url}/v1/hydra/traffic?window=${window}`);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toContain("whole number of seconds");
    }
  });

  it("streams queue changes while requests wait for a slot", async () => {
    cluster = await startTestCluster([fastNode("a", loaded, { num_parallel: 1, decode_tps: 100 })], {
      admission: { defaultSlots: 1 },
    });
    const stream = await fetch(`${cluster.url}/v1/hydra/events?types=queue`);
    const requests = Array.from({ length: 4 }, (_, i) =>
      chat(cluster!.url, MODEL, { "x-hydra-priority": String(i + 7) }),
    );
    const events = await readUntil(stream, (event) => (event.data.depth as number) > 0);
    const last = events.at(-1)!.data as { depth: number; levels: { priority: number; depth: number }[] };
    expect(last.levels.reduce((total, level) => total + level.depth, 0)).toBe(last.depth);
    // The snapshot tells the same while they wait: the queued requests' priorities have depth.
    const snapshot = await get<ClusterSnapshot>(`${cluster.url}/v1/hydra/cluster`);
    const waiting = snapshot.queue.levels.filter((level) => level.depth > 0);
    await Promise.all(requests);
    expect(waiting.length).toBeGreaterThan(0);
    expect(waiting.every((level) => level.priority >= 7 && level.oldestWaitMs >= 0)).toBe(true);
    const drained = await get<ClusterSnapshot>(`${cluster.url}/v1/hydra/cluster`);
    expect(drained.queue.depth).toBe(0);
    expect(
      drained.queue.levels.filter((level) => level.priority >= 7).some((level) => level.recentWaitMs > 0),
    ).toBe(true);
  });
});

async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function sum(values: number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
