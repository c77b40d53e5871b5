import { afterEach, describe, expect, it } from "vitest";
import { healthConfigSchema } from "./config.js";
import { type HealthChange, HealthMonitor, type HealthMonitorOptions } from "./monitor.js";
import { ProbeFailure } from "./probe.js";

const nodes = [
  { name: "a", url: "http://a:11434" },
  { name: "b", url: "http://b:11434" },
  { name: "c", url: "http://c:11434" },
];

let monitors: HealthMonitor[] = [];
afterEach(async () => {
  await Promise.all(monitors.map((monitor) => monitor.stop()));
  monitors = [];
});

/** A monitor on a manual clock (not started: no timers, time moves only when the test says). */
function manual(overrides: Partial<HealthMonitorOptions> = {}) {
  const clock = { t: 1_000 };
  const monitor = new HealthMonitor({
    nodes,
    config: healthConfigSchema.parse({}),
    now: () => clock.t,
    ...overrides,
  });
  monitors.push(monitor);
  const changes: HealthChange[] = [];
  monitor.on("change", (change) => changes.push(change));
  return { monitor, clock, changes };
}

describe("HealthMonitor on a manual clock", () => {
  it("ejects a node after three failed requests and says so in one event", () => {
    const { monitor, changes } = manual();
    monitor.report("a", "connect");
    monitor.report("a", { kind: "timeout", error: "no headers in 300 s" });
    expect(monitor.state("a")).toMatchObject({ breaker: "closed", consecutiveFailures: 2 });
    monitor.report("a", "http5xx");
    expect(changes).toEqual([
      {
        node: "a",
        from: "closed",
        to: "open",
        reason: "3 failed requests in a row (last: server error); ejected for 1000 ms",
        at: 1_000,
      },
    ]);
    expect(monitor.isAvailable("a")).toBe(false);
    expect(monitor.state("a")).toEqual({
      breaker: "open",
      status: "open",
      consecutiveFailures: 3,
      consecutiveCheckFailures: 0,
      consecutiveOverloads: 0,
      ejections: 1,
      totalEjections: 1,
      openUntil: 2_000,
      probeInFlight: false,
      penalty: 0,
      lastError: "server error",
      degraded: false,
    });
  });

  it("admits one live probe once the ejection is over, and closes when it succeeds", () => {
    const { monitor, clock, changes } = manual();
    for (let i = 0; i < 3; i++) monitor.report("a", "connect");
    clock.t = 2_000;
    expect(monitor.isAvailable("a")).toBe(true);
    expect(changes.at(-1)).toMatchObject({ from: "open", to: "half-open", at: 2_000 });
    expect(monitor.tryAcquireProbe("a")).toBe(true);
    expect(monitor.isAvailable("a")).toBe(false);
    expect(monitor.tryAcquireProbe("a")).toBe(false);
    expect(monitor.state("a")).toMatchObject({ breaker: "half-open", probeInFlight: true });
    monitor.report("a", "success");
    expect(changes.at(-1)).toMatchObject({ node: "a", from: "half-open", to: "closed" });
    expect(monitor.isAvailable("a")).toBe(true);
    expect(monitor.tryAcquireProbe("a")).toBe(true);
  });

  it("frees the probe slot of a cancelled request", () => {
    const { monitor, clock } = manual();
    for (let i = 0; i < 3; i++) monitor.report("a", "connect");
    clock.t = 2_000;
    expect(monitor.tryAcquireProbe("a")).toBe(true);
    monitor.releaseProbe("a");
    expect(monitor.isAvailable("a")).toBe(true);
  });

  it("keeps at least half the cluster in: the second failing node of three is degraded", () => {
    const { monitor, changes } = manual();
    for (const name of ["a", "b"]) for (let i = 0; i < 3; i++) monitor.report(name, "connect");
    expect(changes.map((change) => `${change.node}: ${change.from}->${change.to}`)).toEqual([
      "a: closed->open",
      "b: closed->degraded",
    ]);
    expect(monitor.isAvailable("b")).toBe(true);
    expect(monitor.snapshot().map((node) => [node.node, node.status])).toEqual([
      ["a", "open"],
      ["b", "degraded"],
      ["c", "closed"],
    ]);
  });

  it("counts nodes added and removed at run time towards the cap", () => {
    const { monitor, changes } = manual({ nodes: [nodes[0]!] });
    for (let i = 0; i < 3; i++) monitor.report("a", "connect");
    expect(monitor.state("a")?.status).toBe("degraded");
    monitor.addNode({ name: "b", url: "http://b:11434" });
    monitor.report("a", "connect");
    expect(monitor.state("a")?.status).toBe("open");
    for (let i = 0; i < 3; i++) monitor.report("b", "connect");
    expect(monitor.state("b")?.status).toBe("degraded");
    expect(monitor.removeNode("a")).toBe(true);
    expect(monitor.removeNode("a")).toBe(false);
    expect(monitor.state("a")).toBeUndefined();
    expect(changes.map((change) => `${change.node}: ${change.to}`)).toEqual([
      "a: degraded",
      "a: open",
      "b: degraded",
    ]);
  });

  it("penalises overload answers and lets the penalty fade, or hold until Retry-After", () => {
    const { monitor, clock } = manual();
    monitor.report("a", "http429");
    expect(monitor.penalty("a")).toBe(0.5);
    clock.t += 5_000;
    expect(monitor.penalty("a")).toBe(0.25);
    expect(monitor.state("a")).toMatchObject({ breaker: "closed", penalty: 0.25, consecutiveOverloads: 1 });
    monitor.report("b", { kind: "http503", retryAfterS: 20 });
    clock.t += 19_999;
    expect([monitor.penalty("a"), monitor.penalty("b")]).toEqual([0, 0.5]);
    clock.t += 1;
    expect(monitor.penalty("b")).toBe(0);
  });

  it("ignores nodes it does not know", () => {
    const { monitor, changes } = manual();
    monitor.report("zz", "connect");
    monitor.releaseProbe("zz");
    expect([monitor.isAvailable("zz"), monitor.tryAcquireProbe("zz"), monitor.penalty("zz")]).toEqual([
      false,
      false,
      0,
    ]);
    expect(monitor.state("zz")).toBeUndefined();
    expect(changes).toEqual([]);
  });

  it("re-adding a node starts it afresh", () => {
    const { monitor } = manual();
    for (let i = 0; i < 3; i++) monitor.report("a", "connect");
    monitor.addNode({ name: "a", url: "http://a2:11434" });
    expect(monitor.state("a")).toMatchObject({ breaker: "closed", ejections: 0, consecutiveFailures: 0 });
  });
});

describe("HealthMonitor with a scripted probe", () => {
  it("probes a half-open node at once, without waiting for its interval", async () => {
    let up = false;
    const probes: string[] = [];
    const monitor = new HealthMonitor({
      nodes: nodes.slice(0, 2),
      // An interval far beyond the test: only the half-open probe can bring the node back.
      config: healthConfigSchema.parse({ intervalMs: 600_000, baseEjectionMs: 20, maxEjectionMs: 40 }),
      probe: async (target, kind) => {
        probes.push(`${target.name} ${kind}`);
        if (target.name === "a" && !up) throw new ProbeFailure("GET / answered HTTP 502");
      },
    });
    monitors.push(monitor);
    const changes: HealthChange[] = [];
    monitor.on("change", (change) => changes.push(change));
    monitor.start();
    await expect.poll(() => monitor.state("a")?.totalEjections).toBeGreaterThanOrEqual(2);
    up = true;
    await expect.poll(() => monitor.state("a")?.breaker).toBe("closed");
    const transitions = changes.map((change) => `${change.from}->${change.to}`);
    expect(transitions.slice(0, 3)).toEqual(["closed->open", "open->half-open", "half-open->open"]);
    expect(transitions.at(-1)).toBe("half-open->closed");
    expect(changes.at(-1)?.reason).toBe("probe (active check) succeeded");
    // Each half-open probe is a full check: readiness too, not just liveness.
    expect(probes.filter((probe) => probe === "a readiness")).toHaveLength(1);
    expect(monitor.state("b")?.breaker).toBe("closed");
  });
});

describe("HealthMonitor with other gateways' decisions", () => {
  it("ejects a node until another gateway's time, in one remote event, and probes after it", () => {
    const { monitor, clock, changes } = manual();
    expect(monitor.applyRemoteEjection("a", { openUntil: 4_000, reason: "2 failed active checks" })).toBe(
      true,
    );
    expect(changes).toEqual([
      {
        node: "a",
        from: "closed",
        to: "open",
        reason: "ejected by another gateway for 3000 ms: 2 failed active checks",
        at: 1_000,
        remote: true,
      },
    ]);
    expect(monitor.isAvailable("a")).toBe(false);
    expect(monitor.state("a")).toMatchObject({
      openUntil: 4_000,
      lastError: "another gateway: 2 failed active checks",
    });
    clock.t = 4_000;
    expect(monitor.tryAcquireProbe("a")).toBe(true);
    monitor.report("a", "success");
    expect(changes.at(-1)).toMatchObject({ from: "half-open", to: "closed" });
    expect(changes.at(-1)?.remote).toBeUndefined();
  });

  it("counts remote ejections towards this gateway's cap, and refuses one beyond it", () => {
    const { monitor } = manual();
    expect(monitor.applyRemoteEjection("a", { openUntil: 9_000, reason: "r" })).toBe(true);
    expect(monitor.applyRemoteEjection("b", { openUntil: 9_000, reason: "r" })).toBe(false);
    expect(monitor.state("b")?.breaker).toBe("closed");
    for (let i = 0; i < 3; i++) monitor.report("c", "connect");
    expect(monitor.state("c")?.status).toBe("degraded");
  });

  it("ignores unknown nodes and times already past", () => {
    const { monitor, changes } = manual();
    expect(monitor.applyRemoteEjection("zz", { openUntil: 9_000, reason: "r" })).toBe(false);
    expect(monitor.applyRemoteEjection("a", { openUntil: 1_000, reason: "r" })).toBe(false);
    expect(monitor.applyRemoteRecovery("zz")).toBe(false);
    expect(changes).toEqual([]);
  });

  it("lets a remote readmission end a remote ejection at once, but not one of its own", () => {
    const { monitor, changes } = manual({ config: healthConfigSchema.parse({ maxEjectedShare: 1 }) });
    monitor.applyRemoteEjection("a", { openUntil: 60_000, reason: "r" });
    for (let i = 0; i < 3; i++) monitor.report("b", "connect");
    expect(monitor.applyRemoteRecovery("a")).toBe(true);
    expect(monitor.applyRemoteRecovery("b")).toBe(false);
    expect(changes.at(-1)).toMatchObject({ node: "a", from: "open", to: "half-open", remote: true });
    expect([monitor.isAvailable("a"), monitor.isAvailable("b")]).toEqual([true, false]);
  });

  it("when started, probes a node at once on another gateway's readmission", async () => {
    const probes: string[] = [];
    const monitor = new HealthMonitor({
      nodes: nodes.slice(0, 2),
      // Neither the interval nor the ejection ends within the test: only the readmission can.
      config: healthConfigSchema.parse({ intervalMs: 600_000 }),
      probe: async (target, kind) => {
        if (kind === "liveness") probes.push(target.name);
      },
    });
    monitors.push(monitor);
    monitor.start();
    await expect.poll(() => probes.length).toBe(2);
    monitor.applyRemoteEjection("a", { openUntil: Date.now() + 600_000, reason: "r" });
    expect(monitor.state("a")?.breaker).toBe("open");
    monitor.applyRemoteRecovery("a");
    await expect.poll(() => monitor.state("a")?.breaker).toBe("closed");
    expect(probes.filter((name) => name === "a")).toHaveLength(2);
  });
});
