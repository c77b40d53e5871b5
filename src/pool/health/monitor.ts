/**
 * The health monitor: one breaker per node (breaker.ts), fed by the pool's reports of live
 * traffic and by the active checker (checker.ts), with timers that turn an expired ejection into
 * a half-open probe at once. This is the only stateful, timed part; the rules live in breaker.ts.
 */
import { EventEmitter } from "node:events";
import { Agent } from "undici";
import {
  acquireProbe,
  advance,
  type BreakerPhase,
  type BreakerState,
  type ClusterView,
  createBreaker,
  ejectRemotely,
  type HealthStatus,
  isAvailable,
  type RemoteEjection,
  record,
  recoverRemotely,
  releaseProbe,
  type Signal,
  type Step,
  statusOf,
} from "./breaker.js";
import { type CheckResult, HealthChecker } from "./checker.js";
import type { HealthConfig } from "./config.js";
import { type Outcome, type OutcomeKind, toOutcome } from "./outcome.js";
import { penaltyAt } from "./penalty.js";
import { type HealthTarget, httpProbe, type Probe } from "./probe.js";

export interface HealthMonitorOptions {
  nodes: HealthTarget[];
  config: HealthConfig;
  /** Milliseconds since the epoch; must follow real time once `start()` runs its timers. */
  now?: () => number;
  /** In [0, 1); draws the check jitter. */
  random?: () => number;
  /** Runs one check; default: HTTP to `${url}/` and `${url}/api/ps`. The checker enforces the deadline. */
  probe?: Probe;
}

/** One status change of one node, as `change` events carry it. */
export interface HealthChange {
  node: string;
  from: HealthStatus;
  to: HealthStatus;
  reason: string;
  at: number;
  /** Present when another gateway's decision made the change (shared state must not publish it back). */
  remote?: true;
}

export interface HealthEvents {
  change: [HealthChange];
}

export interface NodeHealthState {
  breaker: BreakerPhase;
  /** `breaker`, or "degraded" for a closed node that the ejection cap keeps in. */
  status: HealthStatus;
  consecutiveFailures: number;
  consecutiveCheckFailures: number;
  consecutiveOverloads: number;
  /** Ejections in a row (they set the next ejection's length); 0 again after a good period. */
  ejections: number;
  totalEjections: number;
  /** While open: when the node becomes half-open (ms since the epoch). */
  openUntil?: number;
  /** While half-open: whether the single probe is out. */
  probeInFlight: boolean;
  /** Overload penalty in [0, 1]: 0 none; a router can multiply a score by 1 - penalty. */
  penalty: number;
  lastError?: string;
  degraded: boolean;
}

export type NodeHealthSnapshot = NodeHealthState & { node: string };

interface NodeEntry {
  target: HealthTarget;
  state: BreakerState;
  /** Fires when the node's state changes with time alone (ejection over, probe lease lapsed). */
  wake: NodeJS.Timeout | undefined;
}

export class HealthMonitor extends EventEmitter<HealthEvents> {
  readonly #config: HealthConfig;
  readonly #now: () => number;
  readonly #checker: HealthChecker;
  readonly #nodes = new Map<string, NodeEntry>();
  /** Connections of the default probe, apart from the traffic's; made on start, closed on stop. */
  #agent: Agent | undefined;
  readonly #ownsAgent: boolean;
  #started = false;

  constructor(options: HealthMonitorOptions) {
    super();
    this.#config = options.config;
    this.#now = options.now ?? Date.now;
    const probe: Probe =
      options.probe ?? ((target, kind, signal) => httpProbe(target, kind, signal, this.#agent));
    const ownsAgent = options.probe === undefined;
    this.#checker = new HealthChecker({
      config: options.config,
      probe,
      random: options.random ?? Math.random,
      isDue: (name) => this.#isDue(name),
      onResult: (name, result) => this.#onCheck(name, result),
    });
    this.#ownsAgent = ownsAgent;
    for (const node of options.nodes) this.addNode(node);
  }

  /** Starts the active checks (every node at once, then on its interval) and the breaker timers. */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    if (this.#ownsAgent) this.#agent ??= new Agent();
    this.#checker.start();
    for (const entry of this.#nodes.values()) this.#sync(entry);
  }

  /** Stops every timer and check; the breakers keep their state and still take reports. */
  async stop(): Promise<void> {
    this.#started = false;
    this.#checker.stop();
    for (const entry of this.#nodes.values()) {
      clearTimeout(entry.wake);
      entry.wake = undefined;
    }
    const agent = this.#agent;
    this.#agent = undefined;
    // destroy, not close: a probe of a hung node must not hold up shutdown.
    await agent?.destroy();
  }

  /** Adds a node (discovery), closed; a started monitor checks it at once. Re-adding replaces it. */
  addNode(target: HealthTarget): void {
    this.removeNode(target.name);
    this.#nodes.set(target.name, {
      target: { ...target },
      state: createBreaker(this.#now()),
      wake: undefined,
    });
    this.#checker.add(target);
  }

  removeNode(name: string): boolean {
    const entry = this.#nodes.get(name);
    if (entry === undefined) return false;
    clearTimeout(entry.wake);
    this.#nodes.delete(name);
    this.#checker.remove(name);
    return true;
  }

  /** The outcome of one live request to `node` (unknown nodes are ignored). */
  report(node: string, outcome: Outcome | OutcomeKind): void {
    const entry = this.#nodes.get(node);
    if (entry === undefined) return;
    this.#record(entry, { source: "traffic", outcome: toOutcome(outcome) });
  }

  /** Whether the pool may route to the node: closed, or half-open with its probe slot free. */
  isAvailable(node: string): boolean {
    const entry = this.#nodes.get(node);
    if (entry === undefined) return false;
    this.#sync(entry);
    return isAvailable(entry.state);
  }

  /**
   * Whether a live request may go to the node now. On a half-open node this takes its single probe
   * slot; the request's `report` (or `releaseProbe` if it is cancelled) gives it back. A closed
   * node needs no slot (true), an open one takes nothing (false).
   */
  tryAcquireProbe(node: string): boolean {
    const entry = this.#nodes.get(node);
    if (entry === undefined) return false;
    const step = acquireProbe(entry.state, this.#now(), this.#config);
    this.#commit(entry, step);
    return step.acquired;
  }

  /** Gives back a probe slot whose request ended without an outcome (cancelled by the client). */
  releaseProbe(node: string): void {
    const entry = this.#nodes.get(node);
    if (entry === undefined) return;
    this.#commit(entry, { state: releaseProbe(entry.state), changes: [] });
  }

  /**
   * Takes over an ejection another gateway decided (see `ejectRemotely` in breaker.ts): the node
   * is out here until the same time. Returns whether anything changed (false for unknown nodes, a
   * time already past, or when this gateway's ejection cap is reached).
   */
  applyRemoteEjection(node: string, ejection: RemoteEjection): boolean {
    const entry = this.#nodes.get(node);
    if (entry === undefined) return false;
    const step = ejectRemotely(entry.state, ejection, this.#now(), this.#clusterView(), this.#config);
    this.#commit(entry, step);
    return step.applied;
  }

  /**
   * Another gateway readmitted the node: if only another gateway's ejection holds it out here, it
   * turns half-open and a started monitor probes it at once. Returns whether anything changed.
   */
  applyRemoteRecovery(node: string): boolean {
    const entry = this.#nodes.get(node);
    if (entry === undefined) return false;
    const step = recoverRemotely(entry.state, this.#now(), this.#config);
    this.#commit(entry, step);
    return step.applied;
  }

  /** The node's overload penalty now, in [0, 1] (0 for unknown nodes). */
  penalty(node: string): number {
    const entry = this.#nodes.get(node);
    return entry === undefined ? 0 : penaltyAt(entry.state.penalty, this.#now());
  }

  state(node: string): NodeHealthState | undefined {
    const entry = this.#nodes.get(node);
    if (entry === undefined) return undefined;
    this.#sync(entry);
    return this.#view(entry.state);
  }

  /** Every node's state, in the order they were added. */
  snapshot(): NodeHealthSnapshot[] {
    return [...this.#nodes.values()].map((entry) => {
      this.#sync(entry);
      return { node: entry.target.name, ...this.#view(entry.state) };
    });
  }

  #view(state: BreakerState): NodeHealthState {
    return {
      breaker: state.phase,
      status: statusOf(state),
      consecutiveFailures: state.consecutiveFailures,
      consecutiveCheckFailures: state.consecutiveCheckFailures,
      consecutiveOverloads: state.consecutiveOverloads,
      ejections: state.ejections,
      totalEjections: state.totalEjections,
      ...(state.openUntil === undefined ? {} : { openUntil: state.openUntil }),
      probeInFlight: state.phase === "half-open" && state.probeUntil !== undefined,
      penalty: penaltyAt(state.penalty, this.#now()),
      ...(state.lastError === undefined ? {} : { lastError: state.lastError }),
      degraded: state.degraded,
    };
  }

  #isDue(name: string): boolean {
    const entry = this.#nodes.get(name);
    if (entry === undefined) return false;
    this.#sync(entry);
    return entry.state.phase === "closed";
  }

  #onCheck(name: string, result: CheckResult): void {
    const entry = this.#nodes.get(name);
    if (entry === undefined) return;
    this.#record(
      entry,
      result.ok ? { source: "check", ok: true } : { source: "check", ok: false, error: result.error },
    );
  }

  #record(entry: NodeEntry, signal: Signal): void {
    this.#commit(entry, record(entry.state, signal, this.#now(), this.#clusterView(), this.#config));
  }

  #clusterView(): ClusterView {
    let ejected = 0;
    // Open and half-open both count: a half-open node is not back until its probe says so.
    for (const other of this.#nodes.values()) if (other.state.phase !== "closed") ejected++;
    return { size: this.#nodes.size, ejected };
  }

  /** Applies the changes time alone has made. */
  #sync(entry: NodeEntry): void {
    this.#commit(entry, advance(entry.state, this.#now(), this.#config));
  }

  #commit(entry: NodeEntry, step: Step): void {
    const at = this.#now();
    entry.state = step.state;
    for (const change of step.changes) this.emit("change", { node: entry.target.name, ...change, at });
    this.#arm(entry);
  }

  /**
   * Plans what time will do to the node: wake it when its ejection or probe lease ends, and send
   * the checker's probe the moment it is half-open with a free slot, so a node that came back is
   * in again within about a probe's time rather than up to an interval later.
   */
  #arm(entry: NodeEntry): void {
    clearTimeout(entry.wake);
    entry.wake = undefined;
    if (!this.#started || this.#nodes.get(entry.target.name) !== entry) return;
    const { state } = entry;
    const wakeAt =
      state.phase === "open" ? state.openUntil : state.phase === "half-open" ? state.probeUntil : undefined;
    if (wakeAt !== undefined) {
      // At least 1 ms: a timer may fire a little before the clock reads wakeAt; this one re-arms.
      entry.wake = setTimeout(
        () => {
          if (this.#nodes.get(entry.target.name) === entry) this.#sync(entry);
        },
        Math.max(1, wakeAt - this.#now()),
      );
      entry.wake.unref();
      return;
    }
    if (state.phase !== "half-open") return;
    const step = acquireProbe(state, this.#now(), this.#config);
    if (!step.acquired) return;
    this.#commit(entry, step);
    void this.#checker.checkNow(entry.target.name);
  }
}
