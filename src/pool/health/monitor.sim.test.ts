/**
 * The monitor and its checker against real simulated Ollama nodes over HTTP: a node that goes
 * away, a node whose /api/ps hangs while / still answers, and a node that comes back.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type SimNodeHandle, startSimNode } from "../../sim/index.js";
import { type HealthConfigInput, healthConfigSchema } from "./config.js";
import { type HealthChange, HealthMonitor } from "./monitor.js";
import { httpProbe } from "./probe.js";

let simNodes: SimNodeHandle[] = [];
let monitors: HealthMonitor[] = [];

afterEach(async () => {
  await Promise.all(monitors.map((monitor) => monitor.stop()));
  await Promise.all(simNodes.map((node) => node.close()));
  monitors = [];
  simNodes = [];
});

async function sim(name: string, port = 0): Promise<SimNodeHandle> {
  const node = await startSimNode({ name, port });
  simNodes.push(node);
  return node;
}

/** Short intervals so the tests take milliseconds; everything else at its default. */
function monitorFor(nodes: SimNodeHandle[], config: HealthConfigInput = {}): HealthMonitor {
  const monitor = new HealthMonitor({
    nodes: nodes.map((node) => ({ name: node.name, url: node.url })),
    config: healthConfigSchema.parse({
      intervalMs: 50,
      livenessTimeoutMs: 500,
      readinessTimeoutMs: 500,
      baseEjectionMs: 200,
      ...config,
    }),
  });
  monitors.push(monitor);
  return monitor;
}

/** The next change that matches; subscribe before causing it. */
function nextChange(monitor: HealthMonitor, match: Partial<HealthChange>): Promise<HealthChange> {
  return new Promise((resolve) => {
    const listener = (change: HealthChange) => {
      const matches = Object.entries(match).every(
        ([key, value]) => change[key as keyof HealthChange] === value,
      );
      if (!matches) return;
      monitor.off("change", listener);
      resolve(change);
    };
    monitor.on("change", listener);
  });
}

/** Resolves once every node has passed a check with readiness (the first check of each). */
async function allChecked(monitor: HealthMonitor, nodes: SimNodeHandle[]): Promise<void> {
  await expect.poll(() => nodes.every((node) => node.engine.counters.requests >= 2)).toBe(true);
  expect(monitor.snapshot().map((state) => state.status)).toEqual(nodes.map(() => "closed"));
}

// A few seconds at most each: every wait below is for an event that takes milliseconds.
describe("active health checks against sim nodes", { timeout: 5_000 }, () => {
  it("ejects a node that was shut down within an interval and a timeout", async () => {
    const [a, b] = [await sim("a"), await sim("b")];
    const monitor = monitorFor([a, b]);
    monitor.start();
    await allChecked(monitor, [a, b]);

    const opened = nextChange(monitor, { node: "a", to: "open" });
    await a.close();
    const change = await opened;
    expect(change.from).toBe("closed");
    expect(change.reason).toMatch(
      /^1 failed active check in a row \(last: (liveness|readiness): .+\); ejected for 200 ms$/,
    );
    expect(monitor.isAvailable("a")).toBe(false);
    expect(monitor.state("b")).toMatchObject({ breaker: "closed", degraded: false });
  });

  it("fails readiness when /api/ps hangs although / still answers", async () => {
    const [a, b] = [await sim("a"), await sim("b")];
    const monitor = monitorFor([a, b], { readinessEvery: 2, readinessTimeoutMs: 100 });
    monitor.start();
    await allChecked(monitor, [a, b]);

    const opened = nextChange(monitor, { node: "a", to: "open" });
    a.setFaults([{ type: "hang", paths: ["/api/ps"] }]);
    const change = await opened;
    expect(change.reason).toContain("readiness: GET /api/ps gave no answer within 100 ms");
    // Liveness alone would have kept the node in.
    await expect(
      httpProbe({ name: "a", url: a.url }, "liveness", AbortSignal.timeout(1_000)),
    ).resolves.toBeUndefined();
    expect(monitor.state("b")?.breaker).toBe("closed");

    // Once /api/ps answers again, the next half-open probe brings the node back.
    const closed = nextChange(monitor, { node: "a", to: "closed" });
    a.clearFaults();
    expect((await closed).reason).toBe("probe (active check) succeeded");
  });

  it("brings a restarted node back through its half-open probe, without waiting for an interval", async () => {
    const [a, b] = [await sim("a"), await sim("b")];
    // A long interval: only the half-open probe, fired when the ejection ends, can close it in time.
    const monitor = monitorFor([a, b], { intervalMs: 60_000 });
    monitor.start();
    await allChecked(monitor, [a, b]);

    // Traffic finds the node gone first (the pool reports connect failures).
    const opened = nextChange(monitor, { node: "a", to: "open" });
    await a.close();
    for (let i = 0; i < 3; i++) monitor.report("a", { kind: "connect", error: "ECONNREFUSED" });
    await opened;

    const closed = nextChange(monitor, { node: "a", to: "closed" });
    await sim("a", a.port);
    const change = await closed;
    expect(change.reason).toBe("probe (active check) succeeded");
    expect(monitor.isAvailable("a")).toBe(true);
    expect(monitor.state("a")?.consecutiveFailures).toBe(0);
    expect(monitor.state("a")?.lastError).toBeUndefined();
  });

  it("keeps the only node of a one-node cluster in, degraded, and clears that when it answers again", async () => {
    const a = await sim("a");
    const monitor = monitorFor([a]);
    monitor.start();
    await allChecked(monitor, [a]);

    const degraded = nextChange(monitor, { node: "a", to: "degraded" });
    a.setFaults([{ type: "down" }]);
    expect((await degraded).reason).toMatch(/, but 0 of 1 node ejected already \(maxEjectedShare 0\.5\)/);
    expect(monitor.isAvailable("a")).toBe(true);

    const recovered = nextChange(monitor, { node: "a", from: "degraded", to: "closed" });
    a.clearFaults();
    await recovered;
  });
});
