import { beforeEach, describe, expect, it } from "vitest";
import { UnknownAgentError } from "../agent/errors.js";
import { sampleStatus } from "../agent/test-support.js";
import {
  type AgentLeftReason,
  type AgentRecord,
  AgentRegistry,
  type AgentRegistryEvents,
  agentNodeConfig,
  agentResources,
} from "./agent-registry.js";

const STALE_MS = 15_000;
const FORGET_MS = 600_000;

describe("AgentRegistry", () => {
  let now: number;
  let registry: AgentRegistry;
  let events: string[];

  beforeEach(() => {
    now = 1_000_000;
    registry = new AgentRegistry({ staleAfterMs: STALE_MS, forgetAfterMs: FORGET_MS, now: () => now });
    events = [];
    for (const name of ["joined", "updated", "stale", "fresh"] as const) {
      registry.on(name, (record: AgentRecord) => events.push(`${name} ${record.name}`));
    }
    registry.on("left", (record: AgentRecord, reason: AgentLeftReason) =>
      events.push(`left ${record.name} ${reason}`),
    );
  });

  it("a registered agent joins, fresh, with its report", () => {
    const record = registry.register(sampleStatus());
    expect(events).toEqual(["joined gpu-1"]);
    expect(record).toMatchObject({ name: "gpu-1", state: "fresh", registeredAt: now, lastSeenAt: now });
    expect(registry.list()).toEqual([
      expect.objectContaining({
        agentId: "gpu-1-0123456789ab",
        state: "fresh",
        agentUrl: "http://10.0.0.1:8002",
        lastSeenAgoMs: 0,
        status: sampleStatus(),
      }),
    ]);
  });

  it("a heartbeat updates the report and when it was last seen", () => {
    registry.register(sampleStatus());
    now += 5_000;
    registry.heartbeat(sampleStatus({ loaded: [{ name: "llama3.2:3b", sizeMb: 3000, sizeVramMb: 3000 }] }));
    expect(events).toEqual(["joined gpu-1", "updated gpu-1"]);
    expect(registry.get("gpu-1-0123456789ab")?.status.loaded).toHaveLength(1);
    expect(registry.get("gpu-1-0123456789ab")?.lastSeenAt).toBe(now);
  });

  it("a heartbeat from an unknown agent is a 404 telling it to register again", () => {
    expect(() => registry.heartbeat(sampleStatus())).toThrow(UnknownAgentError);
    try {
      registry.heartbeat(sampleStatus());
    } catch (error) {
      expect((error as UnknownAgentError).status).toBe(404);
      expect((error as UnknownAgentError).message).toContain("register again");
    }
  });

  it("a heartbeat with another Ollama URL than registered makes the agent register again", () => {
    registry.register(sampleStatus());
    expect(() => registry.heartbeat(sampleStatus({ ollamaUrl: "http://10.0.0.9:11434" }))).toThrow(/changed/);
  });

  it("goes stale after staleAfterMs without a report, and fresh again when one comes", () => {
    registry.register(sampleStatus());
    now += STALE_MS;
    registry.sweep();
    expect(registry.get("gpu-1-0123456789ab")?.state).toBe("fresh");
    now += 1;
    registry.sweep();
    registry.sweep();
    expect(registry.get("gpu-1-0123456789ab")?.state).toBe("stale");
    expect(events).toEqual(["joined gpu-1", "stale gpu-1"]);
    now += 1_000;
    registry.heartbeat(sampleStatus());
    expect(registry.get("gpu-1-0123456789ab")?.state).toBe("fresh");
    expect(events).toEqual(["joined gpu-1", "stale gpu-1", "fresh gpu-1", "updated gpu-1"]);
  });

  it("a stale agent that registers again (it restarted) is fresh again, not a new node", () => {
    registry.register(sampleStatus());
    now += STALE_MS + 1;
    registry.sweep();
    registry.register(sampleStatus());
    expect(events).toEqual(["joined gpu-1", "stale gpu-1", "fresh gpu-1", "updated gpu-1"]);
    expect(registry.size).toBe(1);
  });

  it("forgets an agent silent for forgetAfterMs", () => {
    registry.register(sampleStatus());
    now += STALE_MS + 1;
    registry.sweep();
    now = 1_000_000 + FORGET_MS + 1;
    registry.sweep();
    expect(registry.size).toBe(0);
    expect(events).toEqual(["joined gpu-1", "stale gpu-1", "left gpu-1 forgotten"]);
    expect(() => registry.heartbeat(sampleStatus())).toThrow(UnknownAgentError);
  });

  it("a deregistered agent leaves at once; deregistering again is a no-op", () => {
    registry.register(sampleStatus());
    expect(registry.deregister("gpu-1-0123456789ab")).toBe(true);
    expect(registry.deregister("gpu-1-0123456789ab")).toBe(false);
    expect(events).toEqual(["joined gpu-1", "left gpu-1 deregistered"]);
  });

  it("a newer agent on the same Ollama URL replaces the older one", () => {
    registry.register(sampleStatus());
    now += 100;
    registry.register(sampleStatus({ agentId: "renamed-host-0123456789ab", name: "gpu-1b" }));
    expect(events).toEqual(["joined gpu-1", "left gpu-1 replaced", "joined gpu-1b"]);
    expect(registry.records().map((record) => record.agentId)).toEqual(["renamed-host-0123456789ab"]);
  });

  it("the same agent registering with a new name leaves and joins under the new one", () => {
    registry.register(sampleStatus());
    registry.register(sampleStatus({ name: "big-gpu" }));
    expect(events).toEqual(["joined gpu-1", "left gpu-1 replaced", "joined big-gpu"]);
  });

  it("agents on different Ollama URLs live side by side, listed by name", () => {
    registry.register(sampleStatus({ agentId: "b", name: "node-b", ollamaUrl: "http://10.0.0.2:11434" }));
    registry.register(sampleStatus({ agentId: "a", name: "node-a", ollamaUrl: "http://10.0.0.3:11434" }));
    expect(registry.list().map((agent) => agent.name)).toEqual(["node-a", "node-b"]);
    expect(registry.byOllamaUrl("http://10.0.0.2:11434")?.agentId).toBe("b");
    expect(registry.byOllamaUrl("http://10.0.0.9:11434")).toBeUndefined();
  });

  it("start() sweeps on a timer that does not keep the process alive; stop() ends it", async () => {
    let clock = Date.now();
    const timed = new AgentRegistry({
      staleAfterMs: 200,
      forgetAfterMs: 10_000,
      sweepIntervalMs: 10,
      now: () => clock,
    });
    timed.register(sampleStatus());
    const stale = new Promise<AgentRegistryEvents["stale"]>((resolve) =>
      timed.once("stale", (...args) => resolve(args)),
    );
    timed.start();
    clock += 201;
    const [record] = await stale;
    expect(record.state).toBe("stale");
    timed.stop();
  });
});

describe("what the pool is told", () => {
  it("the node: the agent's Ollama URL, name, tags and slots", () => {
    const registry = new AgentRegistry({ staleAfterMs: 1, forgetAfterMs: 2, now: () => 0 });
    const record = registry.register(sampleStatus({ slots: 4 }));
    expect(agentNodeConfig(record)).toEqual({
      url: "http://10.0.0.1:11434",
      name: "gpu-1",
      tags: ["gpu"],
      weight: 1,
      slots: 4,
    });
  });

  it("the resources: VRAM summed over the GPUs that report it, staleness, when reported", () => {
    let now = 5;
    const registry = new AgentRegistry({ staleAfterMs: 10, forgetAfterMs: 100, now: () => now });
    const gpu = sampleStatus().gpus[0]!;
    const record = registry.register(
      sampleStatus({
        gpus: [
          gpu,
          { ...gpu, index: 1, vramTotalMb: 8_000, vramFreeMb: 1_000 },
          { ...gpu, index: 2, vramTotalMb: null, vramFreeMb: null },
        ],
      }),
    );
    expect(agentResources(record)).toEqual({
      vramTotalMb: 32_564,
      vramFreeMb: 21_000,
      stale: false,
      reportedAt: 5,
    });
    now = 16;
    registry.sweep();
    expect(agentResources(record)).toMatchObject({ stale: true });
  });

  it("no VRAM figures for a machine without a readable GPU", () => {
    const registry = new AgentRegistry({ staleAfterMs: 1, forgetAfterMs: 2, now: () => 0 });
    expect(agentResources(registry.register(sampleStatus({ gpus: [] })))).toEqual({
      stale: false,
      reportedAt: 0,
    });
  });
});
