/**
 * The active checker: the I/O shell that runs probes on timers. Each node is checked on its own
 * jittered schedule (the next check is planned when the last one ends, so checks of one node never
 * pile up); every `readinessEvery`-th check adds readiness to liveness. What a result means is the
 * breaker's business: the checker only reports `ok` or the reason it failed.
 */

import { raceAbort } from "../../async/race-abort.js";
import type { HealthConfig } from "./config.js";
import { type HealthTarget, PROBE_PATHS, type Probe, ProbeFailure, type ProbeKind } from "./probe.js";

export type CheckResult = { ok: true } | { ok: false; error: string };

export interface CheckerOptions {
  config: Pick<
    HealthConfig,
    "intervalMs" | "jitter" | "livenessTimeoutMs" | "readinessEvery" | "readinessTimeoutMs"
  >;
  probe: Probe;
  /** In [0, 1); draws the jitter. */
  random: () => number;
  /** Whether a routine check of the node is due (open and half-open nodes get only their probe). */
  isDue: (name: string) => boolean;
  onResult: (name: string, result: CheckResult) => void;
}

interface Entry {
  target: HealthTarget;
  /** Routine checks started so far (decides which ones include readiness). */
  checks: number;
  timer: NodeJS.Timeout | undefined;
  /** Aborted when the node is removed or the checker stops: probes end, verdicts are dropped. */
  controller: AbortController;
}

/** Marks a probe that ran out of time (the signal's reason), to tell it from other failures. */
class ProbeTimeout extends Error {
  override readonly name = "ProbeTimeout";
}

/** The wait before the next routine check: intervalMs × (1 ± jitter), from a draw r in [0, 1). */
export function nextCheckDelay(intervalMs: number, jitter: number, r: number): number {
  return Math.max(1, Math.round(intervalMs * (1 + jitter * (2 * r - 1))));
}

export class HealthChecker {
  readonly #options: CheckerOptions;
  readonly #entries = new Map<string, Entry>();
  #running = false;

  constructor(options: CheckerOptions) {
    this.#options = options;
  }

  /** Adds (or replaces) a node; a running checker checks it at once, readiness included. */
  add(target: HealthTarget): void {
    this.remove(target.name);
    const entry: Entry = { target, checks: 0, timer: undefined, controller: new AbortController() };
    this.#entries.set(target.name, entry);
    if (this.#running) this.#schedule(entry, 0);
  }

  remove(name: string): void {
    const entry = this.#entries.get(name);
    if (entry === undefined) return;
    this.#entries.delete(name);
    clearTimeout(entry.timer);
    entry.controller.abort();
  }

  /** Checks every node now, then on its interval. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (const entry of this.#entries.values()) {
      if (entry.controller.signal.aborted) entry.controller = new AbortController();
      this.#schedule(entry, 0);
    }
  }

  /** Stops the timers and abandons the probes in flight; their verdicts are dropped. */
  stop(): void {
    this.#running = false;
    for (const entry of this.#entries.values()) {
      clearTimeout(entry.timer);
      entry.timer = undefined;
      entry.controller.abort();
    }
  }

  /**
   * A full check (liveness and readiness) now, outside the schedule: the probe of a half-open
   * node, which should not wait up to an interval to come back.
   */
  async checkNow(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (entry === undefined || !this.#running) return;
    await this.#check(entry, true);
  }

  #schedule(entry: Entry, delayMs: number): void {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => void this.#routine(entry), delayMs);
    // Health checks alone must not keep the process alive.
    entry.timer.unref();
  }

  async #routine(entry: Entry): Promise<void> {
    entry.timer = undefined;
    if (!this.#isCurrent(entry)) return;
    if (this.#options.isDue(entry.target.name)) {
      const withReadiness = entry.checks % this.#options.config.readinessEvery === 0;
      entry.checks++;
      await this.#check(entry, withReadiness);
    }
    if (!this.#isCurrent(entry)) return;
    const { intervalMs, jitter } = this.#options.config;
    this.#schedule(entry, nextCheckDelay(intervalMs, jitter, this.#options.random()));
  }

  #isCurrent(entry: Entry): boolean {
    return this.#running && this.#entries.get(entry.target.name) === entry;
  }

  async #check(entry: Entry, withReadiness: boolean): Promise<void> {
    const kinds: ProbeKind[] = withReadiness ? ["liveness", "readiness"] : ["liveness"];
    const { signal } = entry.controller;
    let result: CheckResult = { ok: true };
    for (const kind of kinds) {
      const error = await this.#probeOnce(entry.target, kind, signal);
      if (error !== undefined) {
        result = { ok: false, error };
        break;
      }
    }
    if (signal.aborted) return;
    this.#options.onResult(entry.target.name, result);
  }

  /** Runs one probe under its deadline; resolves to the failure reason, or undefined when it passed. */
  async #probeOnce(target: HealthTarget, kind: ProbeKind, parent: AbortSignal): Promise<string | undefined> {
    const timeoutMs =
      kind === "liveness" ? this.#options.config.livenessTimeoutMs : this.#options.config.readinessTimeoutMs;
    // A controller per probe, not AbortSignal.any(): composite signals hung off a long-lived
    // parent have leaked in Node 20, and checks run every few seconds for the life of the process.
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new ProbeTimeout()), timeoutMs);
    timer.unref();
    const onParentAbort = () => controller.abort(parent.reason);
    parent.addEventListener("abort", onParentAbort, { once: true });
    try {
      await raceAbort(this.#options.probe(target, kind, controller.signal), controller.signal);
      return undefined;
    } catch (error) {
      const reason = controller.signal.reason;
      if (reason instanceof ProbeTimeout)
        return `${kind}: GET ${PROBE_PATHS[kind]} gave no answer within ${timeoutMs} ms`;
      return `${kind}: ${describeError(error)}`;
    } finally {
      clearTimeout(timer);
      parent.removeEventListener("abort", onParentAbort);
    }
  }
}

/** Settles with `work`, or rejects as soon as `signal` aborts, whether or not `work` honours it. */

function describeError(error: unknown): string {
  if (error instanceof ProbeFailure) return error.message;
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return typeof code === "string" && !error.message.includes(code)
      ? `${code}: ${error.message}`
      : error.message;
  }
  return String(error);
}
