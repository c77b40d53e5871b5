import { afterEach, describe, expect, it } from "vitest";
import { type CheckResult, HealthChecker, nextCheckDelay } from "./checker.js";
import { healthConfigSchema } from "./config.js";
import { type Probe, ProbeFailure, type ProbeKind } from "./probe.js";

const config = healthConfigSchema.parse({
  intervalMs: 10,
  jitter: 0,
  livenessTimeoutMs: 30,
  readinessTimeoutMs: 30,
  readinessEvery: 3,
});
const target = { name: "n1", url: "http://127.0.0.1:9" };

let checkers: HealthChecker[] = [];
afterEach(() => {
  for (const checker of checkers) checker.stop();
  checkers = [];
});

function makeChecker(
  probe: Probe,
  overrides: { isDue?: (name: string) => boolean; timeoutMs?: number } = {},
) {
  const results: CheckResult[] = [];
  const timeouts =
    overrides.timeoutMs === undefined
      ? {}
      : { livenessTimeoutMs: overrides.timeoutMs, readinessTimeoutMs: overrides.timeoutMs };
  const checker = new HealthChecker({
    config: { ...config, ...timeouts },
    probe,
    random: () => 0.5,
    isDue: overrides.isDue ?? (() => true),
    onResult: (_name, result) => results.push(result),
  });
  checkers.push(checker);
  checker.add(target);
  return { checker, results };
}

describe("nextCheckDelay", () => {
  it("spreads the interval by ± jitter", () => {
    expect(nextCheckDelay(5_000, 0.2, 0)).toBe(4_000);
    expect(nextCheckDelay(5_000, 0.2, 0.5)).toBe(5_000);
    expect(nextCheckDelay(5_000, 0.2, 0.999_999)).toBe(6_000);
    expect(nextCheckDelay(5_000, 0, 0.9)).toBe(5_000);
    expect(nextCheckDelay(1, 1, 0)).toBe(1);
  });
});

describe("HealthChecker", () => {
  it("checks at once on start, then adds readiness to every readinessEvery-th check", async () => {
    const calls: ProbeKind[] = [];
    const { checker, results } = makeChecker(async (_target, kind) => {
      calls.push(kind);
    });
    checker.start();
    await expect.poll(() => results.length).toBeGreaterThanOrEqual(4);
    checker.stop();
    const checks = calls
      .join(" ")
      .replaceAll("liveness readiness", "L+R")
      .replaceAll("liveness", "L")
      .split(" ");
    expect(checks.slice(0, 4)).toEqual(["L+R", "L", "L", "L+R"]);
    expect(results.every((result) => result.ok)).toBe(true);
  });

  it("reports the first probe that fails and skips readiness when liveness fails", async () => {
    const calls: ProbeKind[] = [];
    const { checker, results } = makeChecker(async (_target, kind) => {
      calls.push(kind);
      throw new ProbeFailure("GET / answered HTTP 500");
    });
    checker.start();
    await expect.poll(() => results.length).toBeGreaterThanOrEqual(1);
    expect(results[0]).toEqual({ ok: false, error: "liveness: GET / answered HTTP 500" });
    expect(calls[0]).toBe("liveness");
    expect(calls[1]).not.toBe("readiness");
  });

  it("fails a probe that ignores its signal once the deadline passes", async () => {
    const signals: AbortSignal[] = [];
    const { checker, results } = makeChecker((_target, kind, signal) => {
      signals.push(signal);
      return kind === "liveness" ? Promise.resolve() : new Promise<void>(() => {});
    });
    checker.start();
    await expect.poll(() => results.length).toBeGreaterThanOrEqual(1);
    expect(results[0]).toEqual({ ok: false, error: "readiness: GET /api/ps gave no answer within 30 ms" });
    expect(signals[1]?.aborted).toBe(true);
  });

  it("describes connection errors with their code", async () => {
    const { checker, results } = makeChecker(async () => {
      throw Object.assign(new Error("connect refused"), { code: "ECONNREFUSED" });
    });
    checker.start();
    await expect.poll(() => results.length).toBeGreaterThanOrEqual(1);
    expect(results[0]).toEqual({ ok: false, error: "liveness: ECONNREFUSED: connect refused" });
  });

  it("skips routine checks of nodes that are not due, but still probes on demand", async () => {
    let routine = 0;
    const { checker, results } = makeChecker(
      async () => {
        routine++;
      },
      { isDue: () => false },
    );
    checker.start();
    await checker.checkNow(target.name);
    expect([routine, results]).toEqual([2, [{ ok: true }]]);
  });

  it("aborts probes in flight on stop and drops their verdicts", async () => {
    const signals: AbortSignal[] = [];
    const { checker, results } = makeChecker(
      (_target, _kind, signal) => {
        signals.push(signal);
        return new Promise<void>(() => {});
      },
      { timeoutMs: 60_000 },
    );
    checker.start();
    await expect.poll(() => signals.length).toBe(1);
    const pending = checker.checkNow(target.name);
    checker.stop();
    await pending;
    expect(signals.every((signal) => signal.aborted)).toBe(true);
    expect(results).toEqual([]);
    await expect(checker.checkNow(target.name)).resolves.toBeUndefined();
    expect(signals).toHaveLength(2);
  });

  it("stops checking a removed node", async () => {
    const { checker, results } = makeChecker(async () => {});
    checker.start();
    await expect.poll(() => results.length).toBeGreaterThanOrEqual(1);
    checker.remove(target.name);
    const seen = results.length;
    await checker.checkNow(target.name);
    expect(results.length).toBe(seen);
  });
});
