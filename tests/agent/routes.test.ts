import type { FastifyInstance } from "fastify";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AGENT_GATEWAY_PATHS } from "../../src/agent/protocol.js";
import { signRequest } from "../../src/agent/signing.js";
import { sampleStatus } from "../../src/agent/test-support.js";
import type { AgentRegistry } from "../../src/discovery/agent-registry.js";
import { type AgentGateway, buildAgentGateway, TEST_SECRET } from "./agent-gateway.js";

const NOW = 1_750_000_000_000;

function signedPost(
  app: FastifyInstance,
  path: string,
  payload: unknown,
  options: { secret?: string; signedPath?: string; now?: number } = {},
) {
  const body = JSON.stringify(payload);
  const headers = signRequest({
    secret: options.secret ?? TEST_SECRET,
    method: "POST",
    path: options.signedPath ?? path,
    body,
    now: options.now ?? NOW,
  });
  return {
    app,
    request: {
      method: "POST" as const,
      url: path,
      payload: body,
      headers: { ...headers, "content-type": "application/json" },
    },
  };
}

async function send(call: ReturnType<typeof signedPost>) {
  const response = await call.app.inject(call.request);
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

describe("agent routes", () => {
  let gateway: AgentGateway;
  let app: FastifyInstance;
  let registry: AgentRegistry;

  beforeEach(async () => {
    gateway = buildAgentGateway({ now: () => NOW, heartbeatIntervalMs: 2_000 });
    app = gateway.app;
    registry = gateway.registry;
    await app.ready();
  });
  afterEach(() => gateway.close());

  it("registers a signed agent and tells it how often to report", async () => {
    const { status, body } = await send(signedPost(app, AGENT_GATEWAY_PATHS.register, sampleStatus()));
    expect(status).toBe(200);
    expect(body).toEqual({ heartbeatIntervalMs: 2_000 });
    expect(registry.get(sampleStatus().agentId)?.state).toBe("fresh");
  });

  it("refuses a registration signed with another secret (forged): 401, nobody joins", async () => {
    const { status, body } = await send(
      signedPost(app, AGENT_GATEWAY_PATHS.register, sampleStatus(), { secret: "not-the-cluster-secret!" }),
    );
    expect(status).toBe(401);
    expect(body).toMatchObject({
      code: "HYDRA_ERR_AGENT_AUTH",
      error: expect.stringContaining("same cluster secret"),
    });
    expect(registry.size).toBe(0);
  });

  it("refuses the same signed request sent again (replay)", async () => {
    const call = signedPost(app, AGENT_GATEWAY_PATHS.register, sampleStatus());
    expect((await send(call)).status).toBe(200);
    const replay = await send(call);
    expect(replay.status).toBe(401);
    expect(replay.body.error).toContain("replayed");
  });

  it("refuses a timestamp too far from the gateway's clock, saying by how much", async () => {
    const { status, body } = await send(
      signedPost(app, AGENT_GATEWAY_PATHS.register, sampleStatus(), { now: NOW - 90_000 }),
    );
    expect(status).toBe(401);
    expect(body.error).toMatch(/clock skew too large: .*90\.0 s behind.*NTP/);
  });

  it("refuses an unsigned request, saying how to sign", async () => {
    const response = await app.inject({
      method: "POST",
      url: AGENT_GATEWAY_PATHS.register,
      payload: sampleStatus(),
    });
    expect(response.statusCode).toBe(401);
    expect(response.json().error).toContain("HYDRA_CLUSTER_SECRET");
  });

  it("refuses a request signed for another route", async () => {
    const { status } = await send(
      signedPost(
        app,
        AGENT_GATEWAY_PATHS.deregister,
        { agentId: "x" },
        { signedPath: AGENT_GATEWAY_PATHS.register },
      ),
    );
    expect(status).toBe(401);
  });

  it("answers 400 naming the field of a signed but invalid report", async () => {
    const { status, body } = await send(
      signedPost(app, AGENT_GATEWAY_PATHS.register, { ...sampleStatus(), ollamaUrl: "not a url" }),
    );
    expect(status).toBe(400);
    expect(body).toMatchObject({
      code: "HYDRA_ERR_BAD_REQUEST",
      error: expect.stringContaining("ollamaUrl"),
    });
    expect(registry.size).toBe(0);
  });

  it("answers a heartbeat from an unknown agent with 404, telling it to register", async () => {
    const { status, body } = await send(signedPost(app, AGENT_GATEWAY_PATHS.heartbeat, sampleStatus()));
    expect(status).toBe(404);
    expect(body).toMatchObject({
      code: "HYDRA_ERR_UNKNOWN_AGENT",
      error: expect.stringContaining("register again"),
    });
  });

  it("accepts heartbeats of a registered agent and lists it with its latest report", async () => {
    await send(signedPost(app, AGENT_GATEWAY_PATHS.register, sampleStatus()));
    const heartbeat = await send(
      signedPost(app, AGENT_GATEWAY_PATHS.heartbeat, sampleStatus({ ollama: { up: false, error: "down" } })),
    );
    expect(heartbeat).toEqual({ status: 200, body: { heartbeatIntervalMs: 2_000 } });
    const list = await app.inject({ method: "GET", url: AGENT_GATEWAY_PATHS.list });
    expect(list.json()).toMatchObject({
      enabled: true,
      agents: [{ name: "gpu-1", state: "fresh", status: { ollama: { up: false, error: "down" } } }],
    });
  });

  it("deregisters an agent", async () => {
    await send(signedPost(app, AGENT_GATEWAY_PATHS.register, sampleStatus()));
    const { status, body } = await send(
      signedPost(app, AGENT_GATEWAY_PATHS.deregister, { agentId: sampleStatus().agentId }),
    );
    expect(status).toBe(200);
    expect(body).toEqual({ deregistered: true });
    expect(registry.size).toBe(0);
  });
});

describe("agent routes without a cluster secret", () => {
  it("refuse every agent with 403, saying how to set the secret", async () => {
    const gateway = buildAgentGateway({ secret: undefined });
    try {
      const { status, body } = await send(
        signedPost(gateway.app, AGENT_GATEWAY_PATHS.register, sampleStatus()),
      );
      expect(status).toBe(403);
      expect(body).toMatchObject({
        code: "HYDRA_ERR_AGENTS_DISABLED",
        error: expect.stringMatching(/agents\.secret.*HYDRA_CLUSTER_SECRET/),
      });
      const list = await gateway.app.inject({ method: "GET", url: AGENT_GATEWAY_PATHS.list });
      expect(list.json()).toEqual({ enabled: false, heartbeatIntervalMs: 5_000, agents: [] });
    } finally {
      await gateway.close();
    }
  });
});
