/**
 * The event stream (`GET /v1/hydra/events`): route decisions with their explanation, the
 * request's life, node changes; filtering by type; replay after Last-Event-ID; request ids.
 */
import { afterEach, describe, expect, it } from "vitest";
import { EventBus } from "../../src/gateway/events/bus.js";
import { startSimNode } from "../../src/sim/index.js";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { readEvents, readUntil } from "../helpers/sse.js";

const MODEL = "llama3.2:1b";
const loaded = [{ name: MODEL, size_mb: 1000, loaded: true }];

describe("event stream", () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it("streams a request's start, its route decision with the explanation, and its end", async () => {
    cluster = await startTestCluster([fastNode("a", loaded), fastNode("b", loaded)]);
    const stream = await fetch(
      `${cluster.url}/v1/hydra/events?types=request.started,route.decision,request.finished`,
    );
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reading = readEvents(stream, 3);
    const answer = await fetch(`${cluster.url}/api/generate`, {
      method: "POST",
      headers: { "x-request-id": "trace-42" },
      body: JSON.stringify({ model: MODEL, prompt: "hello", stream: false }),
    });
    expect(answer.headers.get("x-request-id")).toBe("trace-42");
    await answer.json();
    const [started, decision, finished] = await reading;
    expect(started).toMatchObject({
      event: "request.started",
      data: { requestId: "trace-42", model: MODEL },
    });
    expect(decision?.event).toBe("route.decision");
    expect(decision?.data).toMatchObject({
      requestId: "trace-42",
      model: MODEL,
      strategy: "intelligent",
      node: answer.headers.get("x-hydra-node"),
      summary: answer.headers.get("x-hydra-route"),
    });
    const candidates = decision?.data.candidates as {
      node: string;
      estimatedMs: number;
      breakdown: object;
    }[];
    expect(candidates.map((candidate) => candidate.node).sort()).toEqual(["a", "b"]);
    expect(candidates[0]?.breakdown).toHaveProperty("decodeMs");
    expect(finished).toMatchObject({
      event: "request.finished",
      data: { requestId: "trace-42", status: 200, legs: 1, node: answer.headers.get("x-hydra-node") },
    });
    expect(Number(finished?.id)).toBeGreaterThan(Number(started?.id));
  });

  it("makes up a request id when the client sends none", async () => {
    cluster = await startTestCluster([fastNode("a", loaded)]);
    const response = await fetch(`${cluster.url}/api/tags`);
    expect(response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    // Streamed answers carry it too (their headers are written straight to the socket).
    const streamed = await fetch(`${cluster.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "hi" }] }),
    });
    await streamed.text();
    expect(streamed.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("announces nodes joining, going stale and leaving; replays after Last-Event-ID", async () => {
    cluster = await startTestCluster([fastNode("a", loaded)]);
    const late = await startSimNode(fastNode("late", loaded));
    try {
      const pool = cluster.gateway.pool;
      const stream = await fetch(`${cluster.url}/v1/hydra/events?types=node.added,node.stale,node.removed`);
      const reading = readEvents(stream, 3);
      pool.addNode({ url: late.url, name: "late", tags: [], weight: 1 }, "agent");
      pool.setResources("late", { stale: true, reportedAt: Date.now() });
      pool.removeNode("late", "agent forgotten");
      const events = await reading;
      expect(events.map((event) => event.event)).toEqual(["node.added", "node.stale", "node.removed"]);
      expect(events[0]?.data).toMatchObject({ node: "late", source: "agent" });
      expect(events[1]?.data).toMatchObject({ node: "late", stale: true });

      // A client that reconnects gets what it missed since the id it saw last.
      const resumed = await fetch(`${cluster.url}/v1/hydra/events?types=node.stale,node.removed`, {
        headers: { "last-event-id": events[0]?.id ?? "" },
      });
      const replayed = await readEvents(resumed, 2);
      expect(replayed.map((event) => event.id)).toEqual([events[1]?.id, events[2]?.id]);
    } finally {
      await late.close();
    }
  });

  it("refuses unknown event types and bad ids with a 400 that lists the valid ones", async () => {
    cluster = await startTestCluster([fastNode("a", loaded)]);
    const response = await fetch(`${cluster.url}/v1/hydra/events?types=route.decision,nope`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(
      /unknown event type\(s\) nope: use any of/,
    );
    const bad = await fetch(`${cluster.url}/v1/hydra/events?after=-3`);
    expect(bad.status).toBe(400);
  });
});

describe("EventBus", () => {
  it("builds nothing for types no one wants, and delivers only the types asked for", () => {
    const bus = new EventBus({ now: () => 7 });
    expect(bus.wants("route.decision")).toBe(false);
    const seen: string[] = [];
    const stop = bus.subscribe((event) => seen.push(event.type), { types: new Set(["node.added"]) });
    expect(bus.wants("node.added")).toBe(true);
    expect(bus.wants("route.decision")).toBe(false);
    bus.publish("node.health", { node: "a", from: "closed", to: "open", reason: "x" });
    bus.publish("node.added", { node: "a", url: "http://a", source: "agent" });
    expect(seen).toEqual(["node.added"]);
    stop();
    expect(bus.subscribers).toBe(0);
  });

  it("keeps a bounded history with increasing ids", () => {
    const bus = new EventBus({ historySize: 2 });
    for (let i = 0; i < 5; i++) bus.publish("node.stale", { node: `n${i}`, stale: true });
    expect(bus.recent().map((event) => event.seq)).toEqual([4, 5]);
    const replayed: number[] = [];
    bus.subscribe((event) => replayed.push(event.seq), { afterSeq: 3 });
    expect(replayed).toEqual([4, 5]);
  });
});

describe("event stream sampling (?rate=)", () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it("sends at most `rate` route decisions a second, but every state change", async () => {
    cluster = await startTestCluster([fastNode("a", loaded), fastNode("b", loaded)]);
    const stream = await fetch(`${cluster.url}/v1/hydra/events?types=route.decision,node.drained&rate=1`);
    const started = performance.now();
    for (let i = 0; i < 8; i++) {
      const response = await fetch(`${cluster.url}/api/generate`, {
        method: "POST",
        body: JSON.stringify({ model: MODEL, prompt: "hi", stream: false }),
      });
      await response.arrayBuffer();
    }
    const elapsedS = (performance.now() - started) / 1000;
    cluster.gateway.pool.setDrained("a", true);
    cluster.gateway.pool.setDrained("a", false);
    const events = await readUntil(
      stream,
      (event) => event.event === "node.drained" && event.data.drained === false,
    );
    const decisions = events.filter((event) => event.event === "route.decision").length;
    expect(decisions).toBeGreaterThanOrEqual(1);
    // One token to start with, then one a second.
    expect(decisions).toBeLessThanOrEqual(1 + Math.ceil(elapsedS));
    expect(decisions).toBeLessThan(8);
    expect(events.filter((event) => event.event === "node.drained")).toHaveLength(2);
  });

  it("refuses a rate that is not a whole number of events per second", async () => {
    cluster = await startTestCluster([fastNode("a", loaded)]);
    const response = await fetch(`${cluster.url}/v1/hydra/events?rate=0.5`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: expect.stringContaining("rate must be") });
  });
});
