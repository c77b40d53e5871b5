/**
 * Model pulls the agent is running or ran lately, as heartbeats report them. Pure: fed
 * Ollama's progress lines, asked for the list with the current time.
 */
import type { PullStatus } from "./protocol.js";

export interface PullTrackerOptions {
  /** How long a finished pull stays in the reports, so the gateway sees how it ended. */
  keepFinishedMs?: number;
}

interface PullRecord extends PullStatus {
  finishedAt?: number;
}

export class PullTracker {
  readonly #keepFinishedMs: number;
  /** By model: a second pull of the same model replaces the first one's record. */
  readonly #pulls = new Map<string, PullRecord>();

  constructor(options: PullTrackerOptions = {}) {
    this.#keepFinishedMs = options.keepFinishedMs ?? 60_000;
  }

  start(model: string): void {
    this.#pulls.delete(model);
    this.#pulls.set(model, { model, status: "starting" });
  }

  /** One line of Ollama's /api/pull stream: `{status, digest?, total?, completed?}` or `{error}`. */
  progress(model: string, line: unknown, now: number): void {
    const record = this.#pulls.get(model);
    if (record === undefined || record.finishedAt !== undefined) return;
    if (typeof line !== "object" || line === null) return;
    const { status, total, completed, error } = line as Record<string, unknown>;
    if (typeof error === "string") {
      this.fail(model, error, now);
      return;
    }
    if (typeof status !== "string") return;
    record.status = status;
    if (typeof total === "number") record.total = total;
    else delete record.total;
    if (typeof completed === "number") record.completed = completed;
    else delete record.completed;
    if (status === "success") record.finishedAt = now;
  }

  /** Ends a pull that has not ended yet (no-op after "success" or an earlier error). */
  fail(model: string, error: string, now: number): void {
    const record = this.#pulls.get(model);
    if (record === undefined || record.finishedAt !== undefined) return;
    record.status = "error";
    record.error = error;
    record.finishedAt = now;
  }

  /** Running pulls and those finished less than keepFinishedMs ago. */
  list(now: number): PullStatus[] {
    const list: PullStatus[] = [];
    for (const [model, record] of this.#pulls) {
      if (record.finishedAt !== undefined && now - record.finishedAt > this.#keepFinishedMs) {
        this.#pulls.delete(model);
        continue;
      }
      const { finishedAt: _finishedAt, ...status } = record;
      list.push(status);
    }
    return list;
  }
}
