/**
 * One node's circuit breaker with outlier ejection: a pure state machine over plain data.
 * Every function takes the time (`now`) and, where ejection is decided, the cluster's ejection
 * count, and returns the next state plus the status changes it made; nothing here keeps time or
 * does I/O, so every rule is tested with a manual clock.
 *
 * closed     takes traffic. Consecutive failed requests (failureThreshold), failed active checks
 *            (checkFailureThreshold) or overload answers (overloadThreshold) eject it, unless the
 *            cluster already has its share of nodes out: then it stays in, marked degraded.
 * open       ejected until openUntil; the time doubles with each ejection in a row (capped), and
 *            starts over after ejectionResetMs closed. Answers arriving now are from requests sent
 *            before the ejection and are ignored: only the probe decides.
 * half-open  the ejection time is over; exactly one probe (a live request or an active check)
 *            may go. Success closes the breaker; anything else opens it again, for longer.
 *
 * With several gateways (shared state through Redis), an ejection another gateway decided opens
 * this breaker until the same time (`ejectRemotely`), and that gateway's readmission lets this one
 * probe at once (`recoverRemotely`); such changes carry `remote: true` so they are not passed on again.
 */
import type { HealthConfig } from "./config.js";
import { describeOutcome, isFailure, isOverload, type Outcome } from "./outcome.js";
import { addOverload, NO_PENALTY, type Penalty } from "./penalty.js";

export type BreakerPhase = "closed" | "open" | "half-open";

/** What change events report: the phase, or "degraded" for a closed node the ejection cap keeps in. */
export type HealthStatus = BreakerPhase | "degraded";

export interface BreakerState {
  readonly phase: BreakerPhase;
  /** Failed requests in a row (connect, timeout, stall, 5xx). */
  readonly consecutiveFailures: number;
  /** Failed active checks in a row. */
  readonly consecutiveCheckFailures: number;
  /** 429/503 answers in a row. */
  readonly consecutiveOverloads: number;
  /** Ejections in a row: the next ejection lasts baseEjectionMs × 2^ejections (capped). */
  readonly ejections: number;
  /** Every ejection since the node joined (for metrics; never reset). */
  readonly totalEjections: number;
  /** While open: when the node becomes half-open. */
  readonly openUntil: number | undefined;
  /** While half-open: the probe slot is taken until then (a lease, so a lost probe cannot wedge it). */
  readonly probeUntil: number | undefined;
  /** Should be ejected but the cluster's ejection cap keeps it in. */
  readonly degraded: boolean;
  readonly lastError: string | undefined;
  /** When the node last became closed (start of its good period). */
  readonly closedSince: number;
  readonly penalty: Penalty;
  /** While open: another gateway's ejection holds it out, not this one's own evidence. */
  readonly remoteEjection: boolean;
}

export type BreakerPolicy = Pick<
  HealthConfig,
  | "checkFailureThreshold"
  | "failureThreshold"
  | "baseEjectionMs"
  | "maxEjectionMs"
  | "ejectionResetMs"
  | "maxEjectedShare"
  | "probeLeaseMs"
  | "overloadPenalty"
  | "overloadPenaltyMs"
  | "overloadThreshold"
>;

/** Evidence about a node: a live request's outcome, or an active check's result. */
export type Signal =
  | { source: "traffic"; outcome: Outcome }
  | { source: "check"; ok: true }
  | { source: "check"; ok: false; error: string };

export interface ClusterView {
  /** Nodes in the cluster, this one included. */
  size: number;
  /** Nodes open or half-open right now, this one included. */
  ejected: number;
}

export interface Change {
  from: HealthStatus;
  to: HealthStatus;
  reason: string;
  /** Present when another gateway's decision made the change (it must not be published back). */
  remote?: true;
}

export interface Step {
  state: BreakerState;
  /** Status changes in the order they happened (a late call can pass through half-open first). */
  changes: Change[];
}

export function createBreaker(now: number): BreakerState {
  return {
    phase: "closed",
    consecutiveFailures: 0,
    consecutiveCheckFailures: 0,
    consecutiveOverloads: 0,
    ejections: 0,
    totalEjections: 0,
    openUntil: undefined,
    probeUntil: undefined,
    degraded: false,
    lastError: undefined,
    closedSince: now,
    penalty: NO_PENALTY,
    remoteEjection: false,
  };
}

export function statusOf(state: BreakerState): HealthStatus {
  return state.phase === "closed" && state.degraded ? "degraded" : state.phase;
}

/** How long the n-th ejection in a row lasts (n >= 1). */
export function ejectionMs(
  n: number,
  policy: Pick<BreakerPolicy, "baseEjectionMs" | "maxEjectionMs">,
): number {
  // 2^(n-1) overflows to Infinity for huge n, which the cap absorbs.
  return Math.min(policy.maxEjectionMs, policy.baseEjectionMs * 2 ** Math.max(0, n - 1));
}

/** How many nodes of a cluster may be ejected at once: the share, rounded down, never all of them. */
export function ejectionCapacity(size: number, maxEjectedShare: number): number {
  // The epsilon keeps 0.29 × 100 (= 28.999…) from rounding down to 28.
  return Math.max(0, Math.min(size - 1, Math.floor(size * maxEjectedShare + 1e-9)));
}

/** Whether the pool may route a request to the node now (after `advance`). */
export function isAvailable(state: BreakerState): boolean {
  return state.phase === "closed" || (state.phase === "half-open" && state.probeUntil === undefined);
}

/** The changes that only take time: ejection over, probe lease lapsed, good period served. */
export function advance(state: BreakerState, now: number, policy: BreakerPolicy): Step {
  if (state.phase === "open" && state.openUntil !== undefined && now >= state.openUntil) {
    const next: BreakerState = {
      ...state,
      phase: "half-open",
      openUntil: undefined,
      probeUntil: undefined,
      remoteEjection: false,
    };
    return changed(state, next, "ejection time over; one probe may go");
  }
  if (state.phase === "half-open" && state.probeUntil !== undefined && now >= state.probeUntil) {
    // The probe never reported back (a request the pool lost track of): let another one go.
    return { state: { ...state, probeUntil: undefined }, changes: [] };
  }
  if (
    state.phase === "closed" &&
    !state.degraded &&
    state.ejections > 0 &&
    now - state.closedSince >= policy.ejectionResetMs
  ) {
    return { state: { ...state, ejections: 0 }, changes: [] };
  }
  return { state, changes: [] };
}

/**
 * Reserves the half-open probe slot. A closed node needs no reservation (true, unchanged); an
 * open node, or a half-open one whose probe is out, takes nothing (false).
 */
export function acquireProbe(
  state: BreakerState,
  now: number,
  policy: BreakerPolicy,
): Step & { acquired: boolean } {
  const advanced = advance(state, now, policy);
  const current = advanced.state;
  if (current.phase === "closed") return { ...advanced, acquired: true };
  if (current.phase === "open" || current.probeUntil !== undefined) return { ...advanced, acquired: false };
  return {
    state: { ...current, probeUntil: now + policy.probeLeaseMs },
    changes: advanced.changes,
    acquired: true,
  };
}

/** Gives the probe slot back without a verdict (the probe was cancelled, not answered). */
export function releaseProbe(state: BreakerState): BreakerState {
  return state.phase === "half-open" && state.probeUntil !== undefined
    ? { ...state, probeUntil: undefined }
    : state;
}

/** An ejection another gateway decided: the node is out there until `openUntil`, for `reason`. */
export interface RemoteEjection {
  openUntil: number;
  reason: string;
}

/**
 * Takes over another gateway's ejection, so that every gateway stops sending the node traffic at
 * once. A closed node (degraded included) or a half-open one opens until the same time, counting as
 * an ejection in a row (the next local one lasts longer, as it would there); an open one keeps out
 * until the later of the two times. This gateway's own ejection cap still holds: the other gateway
 * may see a different cluster, and this one never ejects more than its share on anyone's word.
 * Nothing changes for a time already past. When the time is over, this gateway probes as usual.
 */
export function ejectRemotely(
  state: BreakerState,
  ejection: RemoteEjection,
  now: number,
  cluster: ClusterView,
  policy: BreakerPolicy,
): Step & { applied: boolean } {
  const advanced = advance(state, now, policy);
  const current = advanced.state;
  const unchanged = { ...advanced, applied: false };
  if (!(ejection.openUntil > now)) return unchanged;
  if (current.phase === "open") {
    if (current.openUntil !== undefined && current.openUntil >= ejection.openUntil) return unchanged;
    return { state: { ...current, openUntil: ejection.openUntil }, changes: advanced.changes, applied: true };
  }
  if (current.phase === "closed" && cluster.ejected >= ejectionCapacity(cluster.size, policy.maxEjectedShare))
    return unchanged;
  const next: BreakerState = {
    ...current,
    phase: "open",
    ejections: current.ejections + 1,
    totalEjections: current.totalEjections + 1,
    openUntil: ejection.openUntil,
    probeUntil: undefined,
    degraded: false,
    lastError: `another gateway: ${ejection.reason}`,
    remoteEjection: true,
  };
  const step = changed(
    current,
    next,
    `ejected by another gateway for ${ejection.openUntil - now} ms: ${ejection.reason}`,
    true,
  );
  return { state: step.state, changes: [...advanced.changes, ...step.changes], applied: true };
}

/**
 * Another gateway readmitted the node. If only another gateway's word holds it out here, the
 * ejection ends now and one probe may go (rather than waiting the ejection out); an ejection this
 * gateway decided on its own evidence runs its course.
 */
export function recoverRemotely(
  state: BreakerState,
  now: number,
  policy: BreakerPolicy,
): Step & { applied: boolean } {
  const advanced = advance(state, now, policy);
  const current = advanced.state;
  if (current.phase !== "open" || !current.remoteEjection) return { ...advanced, applied: false };
  const next: BreakerState = {
    ...current,
    phase: "half-open",
    openUntil: undefined,
    probeUntil: undefined,
    remoteEjection: false,
  };
  const step = changed(current, next, "another gateway readmitted it; one probe may go now", true);
  return { state: step.state, changes: [...advanced.changes, ...step.changes], applied: true };
}

/** Applies one piece of evidence about the node. */
export function record(
  state: BreakerState,
  signal: Signal,
  now: number,
  cluster: ClusterView,
  policy: BreakerPolicy,
): Step {
  const advanced = advance(state, now, policy);
  const applied = apply(advanced.state, signal, now, cluster, policy);
  return { state: applied.state, changes: [...advanced.changes, ...applied.changes] };
}

function apply(
  state: BreakerState,
  signal: Signal,
  now: number,
  cluster: ClusterView,
  policy: BreakerPolicy,
): Step {
  switch (state.phase) {
    case "open":
      return { state, changes: [] };
    case "half-open":
      return settleProbe(state, signal, now, policy);
    case "closed":
      return recordClosed(state, signal, now, cluster, policy);
  }
}

function settleProbe(state: BreakerState, signal: Signal, now: number, policy: BreakerPolicy): Step {
  const by = signal.source === "check" ? "active check" : "request";
  if (isSuccess(signal)) {
    const next: BreakerState = {
      ...state,
      phase: "closed",
      consecutiveFailures: 0,
      consecutiveCheckFailures: 0,
      consecutiveOverloads: 0,
      probeUntil: undefined,
      degraded: false,
      lastError: undefined,
      closedSince: now,
    };
    return changed(state, next, `probe (${by}) succeeded`);
  }
  // Anything but a clean answer, overload included, means the node is not ready for traffic yet.
  const error = errorOf(signal);
  const penalised = withPenalty(state, signal, now, policy);
  const next = eject(penalised, now, policy, retryAfterMs(signal));
  return changed(
    state,
    next,
    `probe (${by}) failed: ${error}; ejected for ${ejectionMs(next.ejections, policy)} ms`,
  );
}

function recordClosed(
  state: BreakerState,
  signal: Signal,
  now: number,
  cluster: ClusterView,
  policy: BreakerPolicy,
): Step {
  let next: BreakerState = withPenalty(state, signal, now, policy);
  if (signal.source === "check") {
    next = signal.ok
      ? { ...next, consecutiveCheckFailures: 0 }
      : { ...next, consecutiveCheckFailures: next.consecutiveCheckFailures + 1, lastError: signal.error };
  } else {
    const { outcome } = signal;
    if (outcome.kind === "success") next = { ...next, consecutiveFailures: 0, consecutiveOverloads: 0 };
    else if (isFailure(outcome))
      next = {
        ...next,
        consecutiveFailures: next.consecutiveFailures + 1,
        lastError: describeOutcome(outcome),
      };
    else if (isOverload(outcome))
      next = {
        ...next,
        consecutiveOverloads: next.consecutiveOverloads + 1,
        lastError: describeOutcome(outcome),
      };
  }

  const trip = tripReason(next, policy);
  if (trip === undefined) {
    if (!next.degraded) return { state: next, changes: [] };
    return changed(state, { ...next, degraded: false }, "recovered: answering again");
  }
  // A success that leaves another counter over its threshold changes nothing: a node is never
  // ejected on good news, and stays degraded until the failing signal itself recovers.
  if (isSuccess(signal)) return { state: next, changes: [] };

  const capacity = ejectionCapacity(cluster.size, policy.maxEjectedShare);
  if (cluster.ejected < capacity) {
    const ejected = eject(next, now, policy, retryAfterMs(signal));
    return changed(state, ejected, `${trip}; ejected for ${ejectionMs(ejected.ejections, policy)} ms`);
  }
  const out = `${cluster.ejected} of ${cluster.size} node${cluster.size === 1 ? "" : "s"}`;
  return changed(
    state,
    { ...next, degraded: true },
    `${trip}, but ${out} ejected already (maxEjectedShare ${policy.maxEjectedShare}); kept in as degraded`,
  );
}

/** Why the node should be ejected now, or undefined when no threshold is reached. */
function tripReason(state: BreakerState, policy: BreakerPolicy): string | undefined {
  const last = state.lastError === undefined ? "" : ` (last: ${state.lastError})`;
  if (state.consecutiveCheckFailures >= policy.checkFailureThreshold)
    return `${plural(state.consecutiveCheckFailures, "failed active check")} in a row${last}`;
  if (state.consecutiveFailures >= policy.failureThreshold)
    return `${plural(state.consecutiveFailures, "failed request")} in a row${last}`;
  if (state.consecutiveOverloads >= policy.overloadThreshold)
    return `${plural(state.consecutiveOverloads, "overload answer")} in a row${last}`;
  return undefined;
}

function eject(
  state: BreakerState,
  now: number,
  policy: BreakerPolicy,
  retryAfter: number | undefined,
): BreakerState {
  const ejections = state.ejections + 1;
  // A Retry-After longer than our backoff is the node's own estimate; do not probe before it.
  const duration = Math.max(ejectionMs(ejections, policy), retryAfter ?? 0);
  return {
    ...state,
    phase: "open",
    ejections,
    totalEjections: state.totalEjections + 1,
    openUntil: now + duration,
    probeUntil: undefined,
    degraded: false,
    remoteEjection: false,
  };
}

function withPenalty(state: BreakerState, signal: Signal, now: number, policy: BreakerPolicy): BreakerState {
  if (signal.source !== "traffic" || !isOverload(signal.outcome)) return state;
  const penalty = addOverload(
    state.penalty,
    now,
    { step: policy.overloadPenalty, decayMs: policy.overloadPenaltyMs },
    retryAfterMs(signal),
  );
  return { ...state, penalty };
}

function isSuccess(signal: Signal): boolean {
  return signal.source === "check" ? signal.ok : signal.outcome.kind === "success";
}

function errorOf(signal: Signal): string {
  if (signal.source === "check") return signal.ok ? "ok" : signal.error;
  return describeOutcome(signal.outcome);
}

function retryAfterMs(signal: Signal): number | undefined {
  if (signal.source !== "traffic" || !isOverload(signal.outcome)) return undefined;
  const seconds = signal.outcome.retryAfterS;
  return seconds !== undefined && Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}

function changed(before: BreakerState, after: BreakerState, reason: string, remote = false): Step {
  const from = statusOf(before);
  const to = statusOf(after);
  if (from === to) return { state: after, changes: [] };
  return { state: after, changes: [remote ? { from, to, reason, remote: true } : { from, to, reason }] };
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
