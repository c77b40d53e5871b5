/**
 * Real `hydra agent` processes (the compiled CLI, as users run it) against a gateway's agent
 * routes, each beside its own simulated Ollama node.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentLeftReason, AgentRecord } from "../../src/discovery/agent-registry.js";
import type { Gateway } from "../../src/gateway/server.js";
import { type SimNodeHandle, startSimNode } from "../../src/sim/index.js";
import { type AgentGateway, startAgentGateway, TEST_SECRET } from "./agent-gateway.js";

/** Which node the gateway sends a generate request for the test model to. */
async function servedBy(url: string): Promise<string | null> {
  const response = await fetch(`${url}/api/generate`, {
    method: "POST",
    body: JSON.stringify({ model: "llama3.2:3b", prompt: "hi", stream: false }),
  });
  expect(response.status).toBe(200);
  await response.json();
  return response.headers.get("x-hydra-node");
}

// The compiled CLI (`npm test` builds first).
const CLI = fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url));

interface AgentProcess {
  child: ChildProcess;
  /** Everything it printed on stderr so far. */
  output(): string;
  /** Resolves with the first match of `pattern` in its stderr (and rejects if it exits first). */
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
}

function environment(secret: string | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.HYDRA_CLUSTER_SECRET;
  delete env.OLLAMA_HOST;
  delete env.OLLAMA_NUM_PARALLEL;
  if (secret !== undefined) env.HYDRA_CLUSTER_SECRET = secret;
  return env;
}

function spawnAgent(args: string[], secret: string | undefined = TEST_SECRET): AgentProcess {
  const child = spawn(process.execPath, [CLI, "agent", ...args], {
    stdio: ["ignore", "ignore", "pipe"],
    env: environment(secret),
  });
  let seen = "";
  const waiters = new Set<() => void>();
  child.stderr?.on("data", (data: Buffer) => {
    seen += data.toString();
    for (const check of waiters) check();
  });
  return {
    child,
    output: () => seen,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const onExit = (code: number | null) => {
          waiters.delete(check);
          reject(new Error(`the agent exited with ${code} before printing ${pattern}: ${seen}`));
        };
        const check = () => {
          const match = pattern.exec(seen);
          if (match === null) return;
          waiters.delete(check);
          child.off("exit", onExit);
          resolve(match);
        };
        waiters.add(check);
        child.once("exit", onExit);
        check();
      });
    },
  };
}

function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return once(child, "exit").then(([code]) => code as number | null);
}

/** Resolves with the first record for which the registry emits `event` about agent `name`. */
function registryEvent(
  gateway: AgentGateway,
  event: "joined" | "stale" | "updated",
  name: string,
  matches: (record: AgentRecord) => boolean = () => true,
): Promise<AgentRecord> {
  return new Promise((resolve) => {
    const listener = (record: AgentRecord) => {
      if (record.name !== name || !matches(record)) return;
      gateway.registry.off(event, listener);
      resolve(record);
    };
    gateway.registry.on(event, listener);
  });
}

describe("hydra agent processes", () => {
  let gateway: AgentGateway & { url: string; gateway: Gateway };
  const nodes: SimNodeHandle[] = [];
  const agents: AgentProcess[] = [];
  const agentUrls: string[] = [];

  beforeAll(async () => {
    gateway = await startAgentGateway({
      heartbeatIntervalMs: 200,
      staleAfterMs: 1_000,
      forgetAfterMs: 60_000,
    });
    for (const index of [0, 1, 2]) {
      nodes.push(
        await startSimNode({
          name: `agent-node-${index}`,
          pull_mbps: 50_000,
          // Quick answers: these tests are about membership, not speed.
          decode_tps: 5_000,
          prefill_tps: 1_000_000,
          load_mbps: 1_000_000,
          models: [{ name: "llama3.2:3b", size_mb: 2000, loaded: index === 0 }],
        }),
      );
    }
    const joined = ["agent-0", "agent-1", "agent-2"].map((name) => registryEvent(gateway, "joined", name));
    for (const [index, node] of nodes.entries()) {
      agents.push(
        spawnAgent([
          "--gateway",
          gateway.url,
          "--ollama",
          node.url,
          "--host",
          "127.0.0.1",
          "--port",
          "0",
          "--name",
          `agent-${index}`,
          "--tag",
          "sim",
          "--interval-ms",
          "200",
          "--log-level",
          "warn",
        ]),
      );
    }
    const lines = await Promise.all(
      agents.map((agent) => agent.waitFor(/hydra: agent on (http:\/\/\S+), registered with (\S+)/)),
    );
    for (const match of lines) {
      expect(match[2]).toBe(gateway.url);
      agentUrls.push(match[1] as string);
    }
    await Promise.all(joined);
  });

  afterAll(async () => {
    for (const agent of agents)
      if (agent.child.exitCode === null && agent.child.signalCode === null) agent.child.kill("SIGKILL");
    await Promise.all(agents.map((agent) => exitCode(agent.child)));
    await gateway?.close();
    await Promise.all(nodes.map((node) => node.close()));
  });

  it("all three join with their machine's status and their Ollama's health", () => {
    const list = gateway.registry.list();
    expect(list.map((agent) => [agent.name, agent.state])).toEqual([
      ["agent-0", "fresh"],
      ["agent-1", "fresh"],
      ["agent-2", "fresh"],
    ]);
    for (const [index, agent] of list.entries()) {
      expect(agent.ollamaUrl).toBe(nodes[index]?.url);
      expect(agent.agentUrl).toBe(agentUrls[index]);
      expect(agent.status.tags).toEqual(["sim"]);
      expect(agent.status.ollama).toEqual({ up: true, version: "0.12.6" });
      expect(agent.status.system.cpuCount).toBeGreaterThan(0);
      expect(agent.status.system.memTotalMb).toBeGreaterThan(0);
      expect(agent.status.system.diskTotalMb).toBeGreaterThan(0);
    }
    expect(list[0]?.status.loaded.map((model) => model.name)).toEqual(["llama3.2:3b"]);
  });

  it("each agent brings its Ollama into the gateway's pool, which routes to it", async () => {
    const pool = gateway.gateway.pool;
    // Agents register in whatever order their processes start.
    const byName = [...pool.nodes].sort((x, y) => x.name.localeCompare(y.name));
    expect(byName.map((node) => [node.name, node.url, node.source])).toEqual(
      nodes.map((node, index) => [`agent-${index}`, node.url, "agent"]),
    );
    expect(pool.nodes.map((node) => node.tags)).toEqual([["sim"], ["sim"], ["sim"]]);
    expect(await servedBy(gateway.url)).toMatch(/^agent-[012]$/);
    const view = (await (await fetch(`${gateway.url}/v1/hydra/nodes`)).json()) as {
      nodes: { name: string; source: string; health: string; resources: object | null }[];
    };
    for (const node of view.nodes) {
      expect(node).toMatchObject({ source: "agent", health: "up" });
      expect(node.resources).toMatchObject({ reportedAt: expect.any(String) });
    }
  });

  it("the gateway's /api/pull reaches the node through its agent: progress streams, a heartbeat reports it", async () => {
    const reported = registryEvent(gateway, "updated", "agent-2", (record) =>
      record.status.pulls.some((pull) => pull.model === "llama3.2:1b" && pull.status === "success"),
    );
    const response = await fetch(`${gateway.url}/api/pull`, {
      method: "POST",
      body: JSON.stringify({ model: "llama3.2:1b", nodes: ["agent-2"] }),
    });
    expect(response.status).toBe(200);
    const lines = (await response.text())
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { status: string; node?: string; via?: string; completed?: number });
    expect(lines[0]).toEqual({ status: "pulling manifest", node: "agent-2" });
    expect(lines.filter((line) => line.completed !== undefined).length).toBeGreaterThan(1);
    expect(lines.at(-2)).toEqual({ status: "success", node: "agent-2", via: "agent" });
    expect(lines.at(-1)).toEqual({ status: "success", nodes: ["agent-2"] });
    const record = await reported;
    expect(record.status.pulls).toEqual([{ model: "llama3.2:1b", status: "success" }]);
    expect(nodes[2]?.engine.inventory.get("llama3.2:1b")).toBeDefined();
  });

  it("an agent killed with SIGKILL goes stale once its heartbeats stop", async () => {
    const stale = registryEvent(gateway, "stale", "agent-0");
    agents[0]?.child.kill("SIGKILL");
    const record = await stale;
    expect(record.state).toBe("stale");
    expect(gateway.registry.list().find((agent) => agent.name === "agent-0")?.state).toBe("stale");
    // The gateway stops sending it work and says why.
    const view = (await (await fetch(`${gateway.url}/v1/hydra/nodes`)).json()) as {
      nodes: { name: string; health: string }[];
    };
    expect(view.nodes.find((node) => node.name === "agent-0")?.health).toBe("stale");
    for (let i = 0; i < 6; i++) expect(await servedBy(gateway.url)).not.toBe("agent-0");
  });

  it("an agent stopped with SIGTERM deregisters and exits 0", async () => {
    const agent = agents[1] as AgentProcess;
    const left = new Promise<[AgentRecord, AgentLeftReason]>((resolve) => {
      const listener = (record: AgentRecord, reason: AgentLeftReason) => {
        if (record.name !== "agent-1") return;
        gateway.registry.off("left", listener);
        resolve([record, reason]);
      };
      gateway.registry.on("left", listener);
    });
    agent.child.kill("SIGTERM");
    expect((await left)[1]).toBe("deregistered");
    expect(await exitCode(agent.child)).toBe(0);
    expect(gateway.registry.list().map((record) => record.name)).not.toContain("agent-1");
    expect(gateway.gateway.pool.node("agent-1")).toBeUndefined();
  });

  it("an agent with the wrong secret never joins, and prints the gateway's 401 reason", async () => {
    const joinedNames: string[] = [];
    const onJoined = (record: AgentRecord) => joinedNames.push(record.name);
    gateway.registry.on("joined", onJoined);
    const forger = spawnAgent(
      [
        "--gateway",
        gateway.url,
        "--ollama",
        nodes[2]?.url ?? "",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--name",
        "forger",
      ],
      "not-the-cluster-secret-at-all",
    );
    agents.push(forger);
    const [line] = await forger.waitFor(/cannot register with .*HTTP 401.*\n/);
    expect(line).toContain("same cluster secret");
    forger.child.kill("SIGTERM");
    expect(await exitCode(forger.child)).toBe(0);
    gateway.registry.off("joined", onJoined);
    expect(joinedNames).not.toContain("forger");
    expect(gateway.gateway.pool.nodes.map((node) => node.name)).not.toContain("forger");
    expect(forger.output()).not.toContain("registered with");
  });

  it("refuses to start without a secret, saying how to set it (exit 2)", async () => {
    const result = await promisify(execFile)(process.execPath, [CLI, "agent", "--gateway", gateway.url], {
      env: environment(undefined),
      timeout: 20_000,
    }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => error,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--secret");
    expect(result.stderr).toContain("HYDRA_CLUSTER_SECRET");
  });
});
