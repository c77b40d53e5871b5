/**
 * OpenTelemetry traces end to end: a gateway on simulated nodes exports its spans over OTLP/HTTP
 * to a local receiver; each request is one trace (hydra.request → hydra.route → hydra.upstream
 * per attempt, and for orchestrations hydra.orchestration → hydra.step → the step's model calls),
 * and every upstream request carries the request id and the attempt's traceparent.
 */
import { Ollama } from "ollama";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { SimNodeHandle, SimRequestInfo } from "../../src/sim/index.js";
import { collect, fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver, traceOf } from "./otlp-receiver.js";

const CHAT = "llama3.2:3b";
const HEAVY = "qwen2.5:7b";
const SERVER = 2;
const CLIENT = 3;
const ERROR = 2;

describe("tracing", () => {
  let cluster: TestCluster | undefined;
  let receiver: OtlpReceiver | undefined;
  afterEach(async () => {
    await cluster?.close();
    await receiver?.close();
    cluster = undefined;
    receiver = undefined;
  });

  async function tracedCluster(
    nodes: Parameters<typeof startTestCluster>[0],
    config: Parameters<typeof startTestCluster>[1] = {},
  ) {
    receiver = await startOtlpReceiver();
    cluster = await startTestCluster(nodes, { ...config, telemetry: { otlp: { url: receiver.url } } });
    return { c: cluster, r: receiver };
  }

  /** What a sim node was sent, to one path. */
  function record(sim: SimNodeHandle, path: string): SimRequestInfo[] {
    const seen: SimRequestInfo[] = [];
    sim.onRequest((request) => {
      if (request.url === path) seen.push(request);
    });
    return seen;
  }

  /** Flushes the gateway's spans until the request's span (it ends when the response closes) has arrived. */
  async function requestSpan(c: TestCluster, r: OtlpReceiver, requestId: string): Promise<ReceivedSpan> {
    let found: ReceivedSpan | undefined;
    await vi.waitFor(
      async () => {
        await c.gateway.tracing?.flush();
        found = r.spans.find(
          (span) => span.name === "hydra.request" && span.attributes["hydra.request_id"] === requestId,
        );
        expect(found).toBeDefined();
      },
      { timeout: 10_000, interval: 20 },
    );
    return found as ReceivedSpan;
  }

  it("a chat request is one trace: request → route → upstream, with the request id sent to the node", async () => {
    const { c, r } = await tracedCluster([fastNode("n1", [{ name: CHAT, size_mb: 1000, loaded: true }])]);
    const seen = record(c.sim("n1"), "/api/chat");
    const ollama = new Ollama({ host: c.url, headers: { "x-request-id": "trace-me-1" } });
    const answer = await ollama.chat({
      model: CHAT,
      messages: [{ role: "user", content: "hi" }],
      stream: false,
    });
    expect(answer.done).toBe(true);

    const request = await requestSpan(c, r, "trace-me-1");
    const trace = traceOf(r.spans, request.traceId);
    expect(request.parentSpanId).toBeUndefined();
    expect(request.kind).toBe(SERVER);
    expect(request.resource["service.name"]).toBe("hydra");
    expect(request.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/api/chat",
      "http.response.status_code": 200,
      "hydra.route": "/api/chat",
      "hydra.model": CHAT,
      "hydra.node": "n1",
      "hydra.status": 200,
    });
    const [route, ...otherRoutes] = trace.childrenOf(request, "hydra.route");
    expect(otherRoutes).toEqual([]);
    expect(route?.attributes).toMatchObject({
      "hydra.model": CHAT,
      "hydra.strategy": "intelligent",
      "hydra.node": "n1",
    });
    expect(route?.attributes["hydra.estimate_ms"]).toEqual(expect.any(Number));
    const upstreams = trace.childrenOf(route as ReceivedSpan, "hydra.upstream");
    expect(upstreams).toHaveLength(1);
    const upstream = upstreams[0] as ReceivedSpan;
    expect(upstream.kind).toBe(CLIENT);
    expect(upstream.attributes).toMatchObject({
      "hydra.node": "n1",
      "url.full": `${c.sim("n1").url}/api/chat`,
      "http.request.method": "POST",
      "http.response.status_code": 200,
      "hydra.attempt": 1,
    });
    expect(upstream.status.code ?? 0).not.toBe(ERROR);
    // Exactly these three spans: nothing else of this request landed in another trace.
    expect(r.spans.filter((span) => span.attributes["hydra.request_id"] === "trace-me-1")).toHaveLength(1);
    expect(trace.spans.map((span) => span.name).sort()).toEqual([
      "hydra.request",
      "hydra.route",
      "hydra.upstream",
    ]);

    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers["x-request-id"]).toBe("trace-me-1");
    expect(seen[0]?.headers.traceparent).toBe(`00-${request.traceId}-${upstream.spanId}-01`);
  });

  it("a node that answers 500 is retried on the other: two upstream spans under the one route", async () => {
    const { c, r } = await tracedCluster([
      fastNode("faulty", [{ name: CHAT, size_mb: 1000, loaded: true }], {
        faults: [{ type: "status", status: 500, times: 1 }],
      }),
      fastNode("healthy", [{ name: CHAT, size_mb: 1000 }]),
    ]);
    const faulty = record(c.sim("faulty"), "/api/chat");
    const healthy = record(c.sim("healthy"), "/api/chat");
    const response = await fetch(`${c.url}/api/chat`, {
      method: "POST",
      headers: { "x-request-id": "failover-1" },
      body: JSON.stringify({ model: CHAT, messages: [{ role: "user", content: "hi" }], stream: false }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-hydra-node")).toBe("healthy");
    await response.text();

    const request = await requestSpan(c, r, "failover-1");
    const trace = traceOf(r.spans, request.traceId);
    const [route] = trace.childrenOf(request, "hydra.route");
    expect(route?.attributes["hydra.node"]).toBe("healthy");
    const upstreams = trace.childrenOf(route as ReceivedSpan, "hydra.upstream");
    expect(upstreams.map((span) => span.attributes["hydra.node"])).toEqual(["faulty", "healthy"]);
    const [failed, answered] = upstreams as [ReceivedSpan, ReceivedSpan];
    expect(failed.status.code).toBe(ERROR);
    expect(failed.status.message).toMatch(/simulated fault/);
    expect(failed.attributes).toMatchObject({
      "hydra.failure.kind": "server",
      "http.response.status_code": 500,
    });
    expect(answered.attributes["http.response.status_code"]).toBe(200);
    expect(answered.status.code ?? 0).not.toBe(ERROR);
    // Each attempt carried its own span as parent, and both the request id.
    expect(faulty[0]?.headers.traceparent).toBe(`00-${request.traceId}-${failed.spanId}-01`);
    expect(healthy[0]?.headers.traceparent).toBe(`00-${request.traceId}-${answered.spanId}-01`);
    expect([faulty[0]?.headers["x-request-id"], healthy[0]?.headers["x-request-id"]]).toEqual([
      "failover-1",
      "failover-1",
    ]);
  });

  it("a node that is down is one failed attempt, with its connection error", async () => {
    const { c, r } = await tracedCluster([
      fastNode("down", [{ name: CHAT, size_mb: 1000, loaded: true }], {
        faults: [{ type: "reset", times: 1, paths: ["/api/chat"] }],
      }),
      fastNode("up", [{ name: CHAT, size_mb: 1000 }]),
    ]);
    const response = await fetch(`${c.url}/api/chat`, {
      method: "POST",
      headers: { "x-request-id": "down-1" },
      body: JSON.stringify({ model: CHAT, messages: [{ role: "user", content: "hi" }], stream: false }),
    });
    expect(response.status).toBe(200);
    await response.text();
    const request = await requestSpan(c, r, "down-1");
    const trace = traceOf(r.spans, request.traceId);
    const upstreams = trace.named("hydra.upstream");
    expect(upstreams.map((span) => span.attributes["hydra.node"])).toEqual(["down", "up"]);
    expect(upstreams[0]?.status.code).toBe(ERROR);
    expect(upstreams[0]?.attributes["hydra.failure.kind"]).toEqual(expect.any(String));
  });

  it("a stream cut mid-answer continues under a second route span, the broken attempt marked", async () => {
    const extra = { response_tokens: { min: 40, max: 40 } };
    const { c, r } = await tracedCluster([
      fastNode("faulty", [{ name: CHAT, size_mb: 1000, loaded: true }], {
        ...extra,
        faults: [{ type: "cut_stream", after_tokens: 5, times: 1 }],
      }),
      fastNode("healthy", [{ name: CHAT, size_mb: 1000 }], extra),
    ]);
    const ollama = new Ollama({ host: c.url, headers: { "x-request-id": "cut-1" } });
    const parts = await collect(
      await ollama.chat({
        model: CHAT,
        messages: [{ role: "user", content: "hi" }],
        stream: true,
        options: { seed: 1 },
      }),
    );
    expect(parts.at(-1)?.done).toBe(true);

    const request = await requestSpan(c, r, "cut-1");
    const trace = traceOf(r.spans, request.traceId);
    const routes = trace.childrenOf(request, "hydra.route");
    expect(routes.map((span) => span.attributes["hydra.route.continuation"] ?? false)).toEqual([false, true]);
    const [first, second] = routes as [ReceivedSpan, ReceivedSpan];
    const broken = trace.childrenOf(first, "hydra.upstream");
    expect(broken).toHaveLength(1);
    expect(broken[0]?.attributes).toMatchObject({ "hydra.node": "faulty", "hydra.failure.kind": "stream" });
    expect(broken[0]?.status.code).toBe(ERROR);
    const continued = trace.childrenOf(second, "hydra.upstream");
    expect(continued.map((span) => span.attributes["hydra.node"])).toEqual(["healthy"]);
    expect(request.attributes["hydra.status"]).toBe(200);
  });

  it("a caller's traceparent makes the request span its child", async () => {
    const { c, r } = await tracedCluster([fastNode("n1", [{ name: CHAT, size_mb: 1000, loaded: true }])]);
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const callerSpan = "00f067aa0ba902b7";
    const response = await fetch(`${c.url}/api/tags`, {
      headers: { "x-request-id": "caller-1", traceparent: `00-${traceId}-${callerSpan}-01` },
    });
    expect(response.status).toBe(200);
    await response.text();
    const request = await requestSpan(c, r, "caller-1");
    expect(request.traceId).toBe(traceId);
    expect(request.parentSpanId).toBe(callerSpan);
    expect(request.attributes["http.route"]).toBe("/api/tags");
  });

  it("an orchestration is one trace: request → orchestration → steps → their model calls", async () => {
    const model = (name: string) => ({ name, size_mb: 1000, loaded: true, skill: { default: 0.5 } });
    const { c, r } = await tracedCluster([fastNode("n1", [model(CHAT), model(HEAVY)])], {
      orchestrator: { lightModel: CHAT, heavyModel: HEAVY, models: { general: [CHAT] } },
    });
    const seen = record(c.sim("n1"), "/api/chat");
    const response = await fetch(`${c.url}/v1/hydra/generate`, {
      method: "POST",
      headers: { "x-request-id": "orchestrate-1" },
      body: JSON.stringify({ prompt: "What is the capital of France?" }),
    });
    expect(response.status).toBe(200);
    const { runId } = (await response.json()) as { runId: string };

    const request = await requestSpan(c, r, "orchestrate-1");
    expect(request.attributes["http.route"]).toBe("/v1/hydra/generate");
    const trace = traceOf(r.spans, request.traceId);
    const [orchestration, ...more] = trace.childrenOf(request, "hydra.orchestration");
    expect(more).toEqual([]);
    expect(orchestration?.attributes).toMatchObject({
      "hydra.run_id": runId,
      "hydra.request_id": "orchestrate-1",
    });
    const steps = trace.childrenOf(orchestration as ReceivedSpan, "hydra.step");
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      expect(step.attributes).toMatchObject({
        "hydra.run_id": runId,
        "hydra.step.state": "succeeded",
        "hydra.step.attempt": 1,
      });
      expect(step.attributes["hydra.step.duration_ms"]).toEqual(expect.any(Number));
      // The step's model calls: routed and sent under the step's span.
      const routes = trace.childrenOf(step, "hydra.route");
      expect(routes.length).toBeGreaterThan(0);
      for (const route of routes) expect(trace.childrenOf(route, "hydra.upstream").length).toBeGreaterThan(0);
    }
    // The analysis call (before the workflow run) hangs under the orchestration itself.
    expect(trace.childrenOf(orchestration as ReceivedSpan, "hydra.route").length).toBeGreaterThan(0);
    // Every model call told the node which request it serves, with its own attempt as parent.
    expect(seen.length).toBeGreaterThan(0);
    const upstreamIds = new Set(trace.named("hydra.upstream").map((span) => span.spanId));
    for (const call of seen) {
      expect(call.headers["x-request-id"]).toBe("orchestrate-1");
      const [, traceOfCall, parent] = String(call.headers.traceparent).split("-");
      expect(traceOfCall).toBe(request.traceId);
      expect(upstreamIds.has(parent ?? "")).toBe(true);
    }
  });
});

describe("without telemetry config", () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it("creates no tracer, still answers, and still sends the request id (no traceparent) to the node", async () => {
    cluster = await startTestCluster([fastNode("n1", [{ name: CHAT, size_mb: 1000, loaded: true }])]);
    expect(cluster.gateway.tracing).toBeUndefined();
    const seen: SimRequestInfo[] = [];
    cluster.sim("n1").onRequest((request) => {
      if (request.url === "/api/chat") seen.push(request);
    });
    const response = await fetch(`${cluster.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ model: CHAT, messages: [{ role: "user", content: "hi" }], stream: false }),
    });
    expect(response.status).toBe(200);
    await response.text();
    // No id given: the gateway made one up, returned it, and forwarded the same one.
    const requestId = response.headers.get("x-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen).toHaveLength(1);
    expect(seen[0]?.headers["x-request-id"]).toBe(requestId);
    expect(seen[0]?.headers.traceparent).toBeUndefined();
  });

  it("forwards the run id with an orchestration's model calls", async () => {
    const model = (name: string) => ({ name, size_mb: 1000, loaded: true, skill: { default: 0.5 } });
    cluster = await startTestCluster([fastNode("n1", [model(CHAT), model(HEAVY)])], {
      orchestrator: { lightModel: CHAT, heavyModel: HEAVY, models: { general: [CHAT] } },
    });
    const seen: SimRequestInfo[] = [];
    cluster.sim("n1").onRequest((request) => {
      if (request.url === "/api/chat") seen.push(request);
    });
    const response = await fetch(`${cluster.url}/v1/hydra/generate`, {
      method: "POST",
      body: JSON.stringify({ prompt: "What is the capital of France?" }),
    });
    expect(response.status).toBe(200);
    const { runId } = (await response.json()) as { runId: string };
    expect(seen.length).toBeGreaterThan(0);
    for (const call of seen) {
      expect(call.headers["x-request-id"]).toBe(runId);
      expect(call.headers.traceparent).toBeUndefined();
    }
  });
});
