import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Agent, type AgentDeps } from "../../src/agent/agent.js";
import { pullThroughAgent } from "../../src/agent/client.js";
import type { AgentOptionsInput } from "../../src/agent/config.js";
import type { GpuStatus } from "../../src/agent/protocol.js";
import type { AgentRecord } from "../../src/discovery/agent-registry.js";
import { type SimNodeHandle, startSimNode } from "../../src/sim/index.js";
import { type AgentGateway, buildAgentGateway, startAgentGateway, TEST_SECRET } from "./agent-gateway.js";

const GPU: GpuStatus = {
  index: 0,
  name: "NVIDIA GeForce RTX 4090",
  vendor: "nvidia",
  vramTotalMb: 24_564,
  vramFreeMb: 20_000,
  utilizationPct: 5,
  temperatureC: 40,
};

describe("Agent", () => {
  let node: SimNodeHandle;
  let gateway: AgentGateway & { url: string };
  const agents: Agent[] = [];

  function makeAgent(options: Partial<AgentOptionsInput> = {}, deps: AgentDeps = {}): Agent {
    const agent = new Agent(
      {
        gatewayUrl: gateway.url,
        secret: TEST_SECRET,
        ollamaUrl: node.url,
        host: "127.0.0.1",
        port: 0,
        name: "agent-under-test",
        tags: ["gpu"],
        intervalMs: 50,
        ...options,
      },
      {
        logger: pino({ level: "silent" }),
        collectors: { gpus: async () => [GPU] },
        retry: { baseMs: 10, maxMs: 50 },
        ...deps,
      },
    );
    agents.push(agent);
    return agent;
  }

  beforeEach(async () => {
    node = await startSimNode({
      name: "agent-node",
      pull_mbps: 50_000,
      models: [{ name: "llama3.2:3b", size_mb: 2000, loaded: true }],
    });
    gateway = await startAgentGateway({ heartbeatIntervalMs: 50, staleAfterMs: 1_000 });
  });

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.stop()));
    await gateway.close();
    await node.close();
  });

  it("registers with its machine's report and Ollama's health, then heartbeats", async () => {
    const agent = makeAgent();
    const joined = once(gateway.registry, "joined") as Promise<[AgentRecord]>;
    const url = await agent.start();
    const [record] = await joined;
    expect(record.status).toMatchObject({
      agentId: agent.agentId,
      name: "agent-under-test",
      ollamaUrl: node.url,
      agentUrl: url,
      tags: ["gpu"],
      gpus: [GPU],
      ollama: { up: true, version: "0.12.6" },
      loaded: [expect.objectContaining({ name: "llama3.2:3b" })],
    });
    expect(record.status.system.cpuCount).toBeGreaterThan(0);
    await once(gateway.registry, "updated");
    expect(agent.registered).toBe(true);
  });

  it("serves its last report on GET /health", async () => {
    const agent = makeAgent();
    const url = await agent.start();
    const response = await fetch(`${url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ agentId: agent.agentId, ollama: { up: true } });
  });

  it("registers again when the gateway forgot it (a gateway restart answers 404)", async () => {
    const agent = makeAgent();
    await agent.start();
    await once(agent, "registered");
    gateway.registry.deregister(agent.agentId);
    const [again] = await once(agent, "registered");
    expect(again).toMatchObject({ again: true });
    expect(gateway.registry.get(agent.agentId)).toBeDefined();
  });

  it("keeps trying while the gateway is unreachable, saying why, and joins once it is up", async () => {
    const port = Number(new URL(gateway.url).port);
    await gateway.close();
    const agent = makeAgent({ gatewayUrl: `http://127.0.0.1:${port}` });
    await agent.start();
    const [failure] = await once(agent, "register-failed");
    expect(failure).toMatchObject({ reason: expect.stringContaining("connection refused"), attempt: 1 });
    expect(failure.status).toBeUndefined();
    // The gateway comes up on the port the agent has been trying.
    const next = buildAgentGateway({ heartbeatIntervalMs: 50 });
    await next.app.listen({ host: "127.0.0.1", port });
    gateway = { ...next, url: `http://127.0.0.1:${port}` };
    await once(agent, "registered");
    expect(gateway.registry.get(agent.agentId)).toBeDefined();
  });

  it("with the wrong secret never joins, and says the gateway refused it and why", async () => {
    const agent = makeAgent({ secret: "definitely-the-wrong-secret" });
    let joined = false;
    gateway.registry.on("joined", () => {
      joined = true;
    });
    await agent.start();
    const [first] = await once(agent, "register-failed");
    const [second] = await once(agent, "register-failed");
    for (const failure of [first, second]) {
      expect(failure).toMatchObject({ status: 401, code: "HYDRA_ERR_AGENT_AUTH" });
      expect(failure.reason).toContain("same cluster secret");
    }
    expect(joined).toBe(false);
  });

  it("deregisters when stopped", async () => {
    const agent = makeAgent();
    await agent.start();
    await once(agent, "registered");
    const left = once(gateway.registry, "left");
    await agent.stop();
    expect((await left)[1]).toBe("deregistered");
  });

  it("refuses a pull that the gateway did not sign", async () => {
    const agent = makeAgent();
    const url = await agent.start();
    const unsigned = await fetch(`${url}/v1/agent/pull`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "llama3.2:1b" }),
    });
    expect(unsigned.status).toBe(401);
    const forged = await pullThroughAgent({
      agentUrl: url,
      secret: "another-secret-of-length",
      pull: { model: "llama3.2:1b" },
    });
    expect(forged.statusCode).toBe(401);
    expect(((await forged.body.json()) as { error: string }).error).toContain("same cluster secret");
  });

  it("streams Ollama's pull progress unchanged and reports how it ended in the next heartbeat", async () => {
    const agent = makeAgent();
    const url = await agent.start();
    await once(agent, "registered");
    const response = await pullThroughAgent({
      agentUrl: url,
      secret: TEST_SECRET,
      pull: { model: "llama3.2:1b" },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toContain("application/x-ndjson");
    const lines = (await response.body.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { status: string; total?: number; completed?: number });
    expect(lines[0]).toEqual({ status: "pulling manifest" });
    expect(lines.some((line) => line.completed !== undefined && line.completed === line.total)).toBe(true);
    expect(lines.at(-1)).toEqual({ status: "success" });
    // The gateway sees the finished pull in a report.
    const report = await new Promise<AgentRecord>((resolve) => {
      const onUpdate = (record: AgentRecord) => {
        if (record.status.pulls.some((pull) => pull.model === "llama3.2:1b" && pull.status === "success")) {
          gateway.registry.off("updated", onUpdate);
          resolve(record);
        }
      };
      gateway.registry.on("updated", onUpdate);
    });
    expect(report.status.pulls).toEqual([{ model: "llama3.2:1b", status: "success" }]);
  });

  it("passes on Ollama's in-band pull error and records it", async () => {
    const agent = makeAgent();
    const url = await agent.start();
    const finished = once(agent, "pull-finished");
    const response = await pullThroughAgent({
      agentUrl: url,
      secret: TEST_SECRET,
      pull: { model: "no-such-model:1b" },
    });
    expect(response.statusCode).toBe(200);
    expect(await response.body.text()).toContain('"error"');
    expect((await finished)[0]).toMatchObject({ model: "no-such-model:1b", status: "error" });
  });

  it("cancels the download on Ollama when the caller disconnects", async () => {
    // An Ollama whose pull sends one progress line, then holds the stream open.
    let upstreamClosed!: () => void;
    const closed = new Promise<void>((resolve) => {
      upstreamClosed = resolve;
    });
    const ollama = createServer((request, response) => {
      response.writeHead(200, { "content-type": "application/x-ndjson" });
      response.write(`${JSON.stringify({ status: "pulling manifest" })}\n`);
      response.on("close", upstreamClosed);
      request.resume();
    });
    ollama.listen(0, "127.0.0.1");
    await once(ollama, "listening");
    try {
      const { port } = ollama.address() as AddressInfo;
      const agent = makeAgent(
        { ollamaUrl: `http://127.0.0.1:${port}` },
        { collectors: { gpus: async () => [], ollama: async () => ({ ollama: { up: true }, loaded: [] }) } },
      );
      const url = await agent.start();
      const controller = new AbortController();
      const finished = once(agent, "pull-finished");
      const response = await pullThroughAgent({
        agentUrl: url,
        secret: TEST_SECRET,
        pull: { model: "llama3.2:1b" },
        signal: controller.signal,
      });
      // The first progress line arrived; now the caller hangs up.
      for await (const _chunk of response.body) break;
      controller.abort();
      expect((await finished)[0]).toMatchObject({
        status: "error",
        error: "cancelled: the caller disconnected",
      });
      await closed;
    } finally {
      ollama.closeAllConnections();
      ollama.close();
    }
  });
});
