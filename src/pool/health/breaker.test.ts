import { describe, expect, it } from "vitest";
import {
  acquireProbe,
  advance,
  type BreakerPolicy,
  type BreakerState,
  type Change,
  type ClusterView,
  createBreaker,
  ejectionCapacity,
  ejectionMs,
  ejectRemotely,
  isAvailable,
  record,
  recoverRemotely,
  releaseProbe,
  type Signal,
  statusOf,
} from "./breaker.js";
import { healthConfigSchema } from "./config.js";
import type { Outcome } from "./outcome.js";

const defaults: BreakerPolicy = healthConfigSchema.parse({});
/** Three nodes with none out: room for one ejection at the default share of 0.5. */
const roomy: ClusterView = { size: 3, ejected: 0 };

const traffic = (outcome: Outcome | Outcome["kind"]): Signal => ({
  source: "traffic",
  outcome: typeof outcome === "string" ? ({ kind: outcome } as Outcome) : outcome,
});
const checkOk: Signal = { source: "check", ok: true };
const checkFailed = (error = "liveness: ECONNREFUSED"): Signal => ({ source: "check", ok: false, error });

/** Feeds signals at one instant, collecting every change. */
function feed(
  state: BreakerState,
  signals: Signal[],
  now: number,
  cluster: ClusterView = roomy,
  policy: BreakerPolicy = defaults,
): { state: BreakerState; changes: Change[] } {
  const changes: Change[] = [];
  let current = state;
  for (const signal of signals) {
    const step = record(current, signal, now, cluster, policy);
    current = step.state;
    changes.push(...step.changes);
  }
  return { state: current, changes };
}

/** A breaker just ejected at `now` by three connect failures. */
function ejectedAt(now: number, policy: BreakerPolicy = defaults): BreakerState {
  const { state } = feed(
    createBreaker(0),
    Array(policy.failureThreshold).fill(traffic("connect")),
    now,
    roomy,
    policy,
  );
  expect(state.phase).toBe("open");
  return state;
}

/** Half-open and its probe taken, at `now`. */
function probing(state: BreakerState, now: number, policy: BreakerPolicy = defaults): BreakerState {
  const step = acquireProbe(state, now, policy);
  expect(step.acquired).toBe(true);
  expect(step.state.phase).toBe("half-open");
  return step.state;
}

describe("ejection threshold", () => {
  it("stays closed below failureThreshold and ejects on the Nth failure in a row", () => {
    const two = feed(createBreaker(0), [traffic("connect"), traffic("timeout")], 100);
    expect(two.state).toMatchObject({ phase: "closed", consecutiveFailures: 2, degraded: false });
    expect(two.changes).toEqual([]);

    const three = feed(two.state, [traffic({ kind: "stall", error: "idle 30 s" })], 150);
    expect(three.state).toMatchObject({ phase: "open", ejections: 1, totalEjections: 1, openUntil: 1_150 });
    expect(three.state.lastError).toBe("stream stalled: idle 30 s");
    expect(three.changes).toEqual([
      {
        from: "closed",
        to: "open",
        reason: "3 failed requests in a row (last: stream stalled: idle 30 s); ejected for 1000 ms",
      },
    ]);
  });

  it("counts every failure class: connect, timeout, stall and 5xx", () => {
    for (const kind of ["connect", "timeout", "stall", "http5xx"] as const) {
      const { state } = feed(createBreaker(0), [traffic(kind), traffic(kind), traffic(kind)], 0);
      expect(state.phase, kind).toBe("open");
    }
  });

  it("starts counting again after a success", () => {
    const { state } = feed(
      createBreaker(0),
      [traffic("connect"), traffic("connect"), traffic("success"), traffic("connect"), traffic("connect")],
      0,
    );
    expect(state).toMatchObject({ phase: "closed", consecutiveFailures: 2 });
  });

  it("honours a configured failureThreshold", () => {
    const policy = { ...defaults, failureThreshold: 1 };
    expect(feed(createBreaker(0), [traffic("http5xx")], 0, roomy, policy).state.phase).toBe("open");
  });

  it("ejects on a failed active check at once by default (checkFailureThreshold 1)", () => {
    const { state, changes } = feed(createBreaker(0), [checkFailed("readiness: GET /api/ps hung")], 10);
    expect(state).toMatchObject({
      phase: "open",
      openUntil: 1_010,
      lastError: "readiness: GET /api/ps hung",
    });
    expect(changes[0]?.reason).toBe(
      "1 failed active check in a row (last: readiness: GET /api/ps hung); ejected for 1000 ms",
    );
  });

  it("keeps check and traffic counts apart: a passing check does not excuse failing requests", () => {
    const policy = { ...defaults, checkFailureThreshold: 2 };
    const mixed = feed(
      createBreaker(0),
      [traffic("connect"), traffic("connect"), checkOk, checkFailed(), traffic("success")],
      0,
      roomy,
      policy,
    );
    expect(mixed.state).toMatchObject({
      phase: "closed",
      consecutiveFailures: 0,
      consecutiveCheckFailures: 1,
    });
    expect(feed(mixed.state, [checkFailed()], 0, roomy, policy).state.phase).toBe("open");

    const stillFailing = feed(createBreaker(0), [traffic("connect"), traffic("connect"), checkOk], 0);
    expect(feed(stillFailing.state, [traffic("connect")], 0).state.phase).toBe("open");
  });
});

describe("open", () => {
  it("turns half-open exactly when the ejection time is over", () => {
    const open = ejectedAt(1_000);
    expect(advance(open, 1_999, defaults)).toEqual({ state: open, changes: [] });
    const step = advance(open, 2_000, defaults);
    expect(step.state).toMatchObject({ phase: "half-open", openUntil: undefined, probeUntil: undefined });
    expect(step.changes).toEqual([
      { from: "open", to: "half-open", reason: "ejection time over; one probe may go" },
    ]);
  });

  it("takes no traffic and ignores answers from requests sent before the ejection", () => {
    const open = ejectedAt(0);
    expect(isAvailable(open)).toBe(false);
    expect(acquireProbe(open, 500, defaults).acquired).toBe(false);
    const late = feed(open, [traffic("success"), checkOk, traffic("connect"), checkFailed()], 500);
    expect(late).toEqual({ state: open, changes: [] });
  });

  it("passes through half-open first when a late signal arrives after the ejection time", () => {
    const { state, changes } = feed(ejectedAt(0), [traffic("success")], 5_000);
    expect(state.phase).toBe("closed");
    expect(changes.map((change) => `${change.from}->${change.to}`)).toEqual([
      "open->half-open",
      "half-open->closed",
    ]);
  });
});

describe("half-open", () => {
  const halfOpen = advance(ejectedAt(0), 1_000, defaults).state;

  it("admits exactly one probe", () => {
    expect(isAvailable(halfOpen)).toBe(true);
    const taken = probing(halfOpen, 1_000);
    expect(taken.probeUntil).toBe(1_000 + defaults.probeLeaseMs);
    expect(isAvailable(taken)).toBe(false);
    expect(acquireProbe(taken, 1_001, defaults)).toMatchObject({ acquired: false, state: taken });
  });

  it("frees the slot when the probe is released without a verdict", () => {
    const released = releaseProbe(probing(halfOpen, 1_000));
    expect(released).toMatchObject({ phase: "half-open", probeUntil: undefined });
    expect(isAvailable(released)).toBe(true);
    expect(releaseProbe(createBreaker(0))).toEqual(createBreaker(0));
  });

  it("frees the slot when the probe's lease lapses, so a lost request cannot keep the node out", () => {
    const taken = probing(halfOpen, 1_000);
    expect(advance(taken, 1_000 + defaults.probeLeaseMs - 1, defaults).state).toBe(taken);
    const lapsed = advance(taken, 1_000 + defaults.probeLeaseMs, defaults);
    expect(lapsed.changes).toEqual([]);
    expect(isAvailable(lapsed.state)).toBe(true);
  });

  it("closes on a successful probe, live or active, and forgets the failures", () => {
    for (const signal of [traffic("success"), checkOk]) {
      const { state, changes } = feed(probing(halfOpen, 1_000), [signal], 1_200);
      expect(state).toMatchObject({
        phase: "closed",
        consecutiveFailures: 0,
        consecutiveCheckFailures: 0,
        consecutiveOverloads: 0,
        probeUntil: undefined,
        lastError: undefined,
        closedSince: 1_200,
        ejections: 1,
      });
      expect(changes).toEqual([
        {
          from: "half-open",
          to: "closed",
          reason: `probe (${signal.source === "check" ? "active check" : "request"}) succeeded`,
        },
      ]);
    }
  });

  it("opens again for twice as long when the probe fails", () => {
    const { state, changes } = feed(probing(halfOpen, 1_000), [checkFailed("liveness: ECONNREFUSED")], 1_100);
    expect(state).toMatchObject({ phase: "open", ejections: 2, totalEjections: 2, openUntil: 3_100 });
    expect(changes).toEqual([
      {
        from: "half-open",
        to: "open",
        reason: "probe (active check) failed: liveness: ECONNREFUSED; ejected for 2000 ms",
      },
    ]);
  });

  it("treats an overload answer to the probe as a failure", () => {
    const { state } = feed(probing(halfOpen, 1_000), [traffic("http503")], 1_000);
    expect(state).toMatchObject({ phase: "open", ejections: 2 });
    expect(state.penalty.level).toBe(0.5);
  });

  it("settles on whatever answer comes first, even with the slot free", () => {
    expect(feed(halfOpen, [traffic("timeout")], 1_000).state.phase).toBe("open");
    expect(feed(halfOpen, [checkOk], 1_000).state.phase).toBe("closed");
  });

  it("re-opens even when the cluster's ejection cap is full (the node is already counted as out)", () => {
    const full: ClusterView = { size: 2, ejected: 1 };
    expect(feed(halfOpen, [traffic("connect")], 1_000, full).state.phase).toBe("open");
  });
});

describe("ejection time", () => {
  const policy = { ...defaults, baseEjectionMs: 1_000, maxEjectionMs: 5_000 };

  it("doubles with each ejection in a row and stops at maxEjectionMs", () => {
    let state = ejectedAt(0, policy);
    const durations = [state.openUntil];
    let now = 0;
    for (let i = 0; i < 5; i++) {
      now = state.openUntil ?? Number.NaN;
      state = feed(probing(state, now, policy), [checkFailed()], now, roomy, policy).state;
      durations.push((state.openUntil ?? Number.NaN) - now);
    }
    expect(durations).toEqual([1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
    expect(state.ejections).toBe(6);
  });

  it("computes 2^(n-1) × base, capped, even for absurd n", () => {
    expect([1, 2, 3, 7, 2_000].map((n) => ejectionMs(n, defaults))).toEqual([
      1_000, 2_000, 4_000, 5_000, 5_000,
    ]);
  });

  it("starts over from the base after ejectionResetMs of good behaviour", () => {
    const reset = { ...policy, ejectionResetMs: 10_000 };
    let state = ejectedAt(0, reset);
    state = feed(probing(state, 1_000, reset), [checkFailed()], 1_000, roomy, reset).state; // 2nd: 2 s
    state = feed(probing(state, 3_000, reset), [checkOk], 3_000, roomy, reset).state; // closed at 3 s
    expect(state).toMatchObject({ phase: "closed", ejections: 2 });

    // Trouble before the good period is served: the next ejection is the 3rd in a row.
    const soon = feed(state, Array(3).fill(traffic("connect")), 12_999, roomy, reset).state;
    expect([soon.ejections, (soon.openUntil ?? 0) - 12_999]).toEqual([3, 4_000]);

    // After it: back to the base time.
    expect(advance(state, 13_000, reset).state.ejections).toBe(0);
    const later = feed(state, Array(3).fill(traffic("connect")), 13_000, roomy, reset).state;
    expect([later.ejections, later.totalEjections, (later.openUntil ?? 0) - 13_000]).toEqual([1, 3, 1_000]);
  });
});

describe("the cluster's ejection cap", () => {
  it("lets a share of the cluster out, rounded down, and always keeps one node in", () => {
    const cases: [number, number, number][] = [
      [1, 0.5, 0],
      [1, 1, 0],
      [2, 0.5, 1],
      [3, 0.5, 1],
      [4, 0.5, 2],
      [5, 1, 4],
      [5, 0, 0],
      [100, 0.29, 29],
      [0, 0.5, 0],
    ];
    for (const [size, share, capacity] of cases)
      expect(ejectionCapacity(size, share), `${size} × ${share}`).toBe(capacity);
  });

  it("never ejects the only node of a one-node cluster: it stays in, degraded", () => {
    const alone: ClusterView = { size: 1, ejected: 0 };
    const { state, changes } = feed(createBreaker(0), Array(3).fill(traffic("connect")), 0, alone);
    expect(state).toMatchObject({ phase: "closed", degraded: true, consecutiveFailures: 3 });
    expect(statusOf(state)).toBe("degraded");
    expect(isAvailable(state)).toBe(true);
    expect(changes).toEqual([
      {
        from: "closed",
        to: "degraded",
        reason:
          "3 failed requests in a row (last: connection failed), but 0 of 1 node ejected already (maxEjectedShare 0.5); kept in as degraded",
      },
    ]);

    // More failures change nothing (no event storm); a success clears it.
    expect(feed(state, [traffic("timeout"), checkFailed()], 1, alone).changes).toEqual([]);
    const back = feed(state, [traffic("success")], 2, alone);
    expect(back.state).toMatchObject({ phase: "closed", degraded: false, consecutiveFailures: 0 });
    expect(back.changes).toEqual([{ from: "degraded", to: "closed", reason: "recovered: answering again" }]);
  });

  it("in a two-node cluster ejects one node, keeps the other in degraded, and ejects it once room frees up", () => {
    const oneOut: ClusterView = { size: 2, ejected: 1 };
    const second = feed(createBreaker(0), Array(3).fill(traffic("connect")), 0, oneOut).state;
    expect(second).toMatchObject({ phase: "closed", degraded: true });

    // The first node came back (nobody out): the second's next failure ejects it.
    const { state, changes } = feed(second, [traffic("connect")], 10, { size: 2, ejected: 0 });
    expect(state).toMatchObject({ phase: "open", degraded: false, openUntil: 1_010 });
    expect(changes.map((change) => `${change.from}->${change.to}`)).toEqual(["degraded->open"]);
  });

  it("is not ejected on good news: a passing check leaves a node with failing requests degraded", () => {
    const oneOut: ClusterView = { size: 2, ejected: 1 };
    const degraded = feed(createBreaker(0), Array(3).fill(traffic("connect")), 0, oneOut).state;
    const { state, changes } = feed(degraded, [checkOk], 5, { size: 2, ejected: 0 });
    expect(state).toMatchObject({ phase: "closed", degraded: true });
    expect(changes).toEqual([]);
  });
});

describe("overload (429/503)", () => {
  it("lowers the score through a penalty instead of ejecting, until overloadThreshold in a row", () => {
    const four = feed(createBreaker(0), Array(4).fill(traffic("http429")), 0);
    expect(four.state).toMatchObject({ phase: "closed", consecutiveOverloads: 4, consecutiveFailures: 0 });
    expect(four.state.penalty.level).toBeCloseTo(1 - 0.5 ** 4);
    expect(four.state.lastError).toBe("overloaded: HTTP 429");

    const five = feed(four.state, [traffic("http503")], 0);
    expect(five.state).toMatchObject({ phase: "open", openUntil: 1_000 });
    expect(five.changes[0]?.reason).toMatch(/^5 overload answers in a row/);
  });

  it("forgets the overload streak on success, but the penalty fades on its own time", () => {
    const { state } = feed(createBreaker(0), [traffic("http503"), traffic("success")], 0);
    expect(state.consecutiveOverloads).toBe(0);
    expect(state.penalty.level).toBe(0.5);
  });

  it("neither counts as nor excuses a failure", () => {
    const { state } = feed(createBreaker(0), [traffic("connect"), traffic("http429"), traffic("connect")], 0);
    expect(state.consecutiveFailures).toBe(2);
    expect(feed(state, [traffic("connect")], 0).state.phase).toBe("open");
  });

  it("ejects for at least the node's Retry-After", () => {
    const policy = { ...defaults, overloadThreshold: 1 };
    const { state } = feed(
      createBreaker(0),
      [traffic({ kind: "http503", retryAfterS: 7 })],
      100,
      roomy,
      policy,
    );
    expect(state.openUntil).toBe(7_100);
    const short = feed(
      createBreaker(0),
      [traffic({ kind: "http503", retryAfterS: 0.2 })],
      100,
      roomy,
      policy,
    );
    expect(short.state.openUntil).toBe(1_100);
  });

  it("ignores checks for the penalty: only traffic carries 429/503", () => {
    expect(feed(createBreaker(0), [checkFailed()], 0, { size: 1, ejected: 0 }).state.penalty.level).toBe(0);
  });
});

describe("an ejection another gateway decided", () => {
  const ejection = { openUntil: 5_000, reason: "3 failed requests in a row" };

  it("opens a closed node until the same time, as an ejection in a row, marked remote", () => {
    const step = ejectRemotely(createBreaker(0), ejection, 1_000, roomy, defaults);
    expect(step.applied).toBe(true);
    expect(step.state).toMatchObject({
      phase: "open",
      openUntil: 5_000,
      ejections: 1,
      totalEjections: 1,
      remoteEjection: true,
      lastError: "another gateway: 3 failed requests in a row",
    });
    expect(step.changes).toEqual([
      {
        from: "closed",
        to: "open",
        reason: "ejected by another gateway for 4000 ms: 3 failed requests in a row",
        remote: true,
      },
    ]);
    expect(isAvailable(step.state)).toBe(false);
  });

  it("turns half-open when the time is over, so this gateway probes it itself", () => {
    const { state } = ejectRemotely(createBreaker(0), ejection, 1_000, roomy, defaults);
    const later = advance(state, 5_000, defaults);
    expect(later.state).toMatchObject({ phase: "half-open", remoteEjection: false });
    expect(later.changes).toEqual([
      { from: "open", to: "half-open", reason: "ejection time over; one probe may go" },
    ]);
    const closed = feed(probing(later.state, 5_000), [checkOk], 5_010);
    expect(closed.state).toMatchObject({ phase: "closed", remoteEjection: false });
  });

  it("changes nothing for a time already past", () => {
    const before = createBreaker(0);
    for (const openUntil of [999, 1_000]) {
      const step = ejectRemotely(before, { ...ejection, openUntil }, 1_000, roomy, defaults);
      expect(step).toEqual({ state: before, changes: [], applied: false });
    }
  });

  it("keeps an open node out until the later of the two times, without a new change", () => {
    const local = ejectedAt(1_000); // open until 2_000, on this gateway's own evidence
    const longer = ejectRemotely(local, ejection, 1_500, roomy, defaults);
    expect(longer).toMatchObject({ applied: true, changes: [] });
    expect(longer.state).toMatchObject({
      phase: "open",
      openUntil: 5_000,
      ejections: 1,
      remoteEjection: false,
    });
    const shorter = ejectRemotely(longer.state, { ...ejection, openUntil: 3_000 }, 1_600, roomy, defaults);
    expect(shorter).toMatchObject({ applied: false, changes: [] });
    expect(shorter.state.openUntil).toBe(5_000);
  });

  it("re-ejects a half-open node (the other gateway's probe failed) and drops the probe in flight", () => {
    const halfOpen = probing(ejectedAt(0), 1_000);
    const step = ejectRemotely(halfOpen, { ...ejection, openUntil: 3_000 }, 1_100, roomy, defaults);
    expect(step.state).toMatchObject({
      phase: "open",
      openUntil: 3_000,
      probeUntil: undefined,
      ejections: 2,
    });
    expect(step.changes).toMatchObject([{ from: "half-open", to: "open", remote: true }]);
    // The probe's late answer is from before the ejection: ignored.
    expect(feed(step.state, [traffic("success")], 1_200).state.phase).toBe("open");
  });

  it("respects this gateway's ejection cap: a node the cap keeps in stays in", () => {
    const full: ClusterView = { size: 3, ejected: 1 };
    const step = ejectRemotely(createBreaker(0), ejection, 1_000, full, defaults);
    expect(step).toMatchObject({ applied: false, changes: [] });
    expect(step.state.phase).toBe("closed");
  });

  it("takes a degraded node out too", () => {
    const degraded = feed(createBreaker(0), Array(3).fill(traffic("connect")), 0, {
      size: 2,
      ejected: 1,
    }).state;
    expect(statusOf(degraded)).toBe("degraded");
    const step = ejectRemotely(degraded, ejection, 1_000, roomy, defaults);
    expect(step.state).toMatchObject({ phase: "open", degraded: false });
    expect(step.changes).toMatchObject([{ from: "degraded", to: "open", remote: true }]);
  });

  it("passes through half-open first when its own ejection ran out before the call", () => {
    const step = ejectRemotely(ejectedAt(0), { ...ejection, openUntil: 9_000 }, 2_000, roomy, defaults);
    expect(step.changes.map((change) => `${change.from}->${change.to}`)).toEqual([
      "open->half-open",
      "half-open->open",
    ]);
    expect(step.state.openUntil).toBe(9_000);
  });
});

describe("another gateway's readmission", () => {
  it("lets a node held out on another gateway's word be probed at once", () => {
    const { state } = ejectRemotely(
      createBreaker(0),
      { openUntil: 60_000, reason: "r" },
      1_000,
      roomy,
      defaults,
    );
    const step = recoverRemotely(state, 2_000, defaults);
    expect(step.applied).toBe(true);
    expect(step.state).toMatchObject({ phase: "half-open", openUntil: undefined, probeUntil: undefined });
    expect(step.changes).toEqual([
      {
        from: "open",
        to: "half-open",
        reason: "another gateway readmitted it; one probe may go now",
        remote: true,
      },
    ]);
    expect(isAvailable(step.state)).toBe(true);
  });

  it("leaves an ejection this gateway decided itself to run its course", () => {
    const local = ejectedAt(1_000);
    expect(recoverRemotely(local, 1_100, defaults)).toEqual({ state: local, changes: [], applied: false });
  });

  it("changes nothing on a closed or half-open node", () => {
    const closed = createBreaker(0);
    expect(recoverRemotely(closed, 10, defaults).applied).toBe(false);
    const halfOpen = probing(ejectedAt(0), 1_000);
    expect(recoverRemotely(halfOpen, 1_100, defaults)).toEqual({
      state: halfOpen,
      changes: [],
      applied: false,
    });
  });
});
