/**
 * The run log in this process's memory: the same rules as the SQL stores (one change at a time,
 * a `succeeded` step never changes again, a final run stays final) but nothing survives the
 * process. For tests and for throw-away runs that need no resume.
 */
import { WorkflowRunExistsError } from "../errors.js";
import {
  asChanges,
  type CachedOutput,
  type CacheEntry,
  DEFAULT_LIST_LIMIT,
  type NewRun,
  type RunChange,
  type RunQuery,
  type RunStore,
  type StepChange,
} from "../run-log.js";
import type { RunRecord, RunSummary } from "../types.js";
import { errorText, type RunRowWithSpec, type StepRow, stepValues, toRunRecord, toSummary } from "./rows.js";

interface StoredRun {
  row: RunRowWithSpec;
  steps: Map<string, StepRow>;
}

export class MemoryRunStore implements RunStore {
  readonly backend = "memory" as const;
  // Rows hold JSON text, as in SQL, so a loaded record never aliases the engine's live objects.
  readonly #runs = new Map<string, StoredRun>();
  readonly #cache = new Map<string, CachedOutput & { outputJson: string }>();

  async createRun(run: NewRun): Promise<void> {
    if (this.#runs.has(run.id)) throw new WorkflowRunExistsError(run.id);
    const steps = new Map<string, StepRow>();
    for (const step of run.spec.steps) {
      steps.set(step.id, {
        step_id: step.id,
        state: "pending",
        attempt: 0,
        output: null,
        error: null,
        cached: false,
        started_at: null,
        finished_at: null,
      });
    }
    this.#runs.set(run.id, {
      row: {
        id: run.id,
        name: run.spec.name,
        state: "running",
        spec: JSON.stringify(run.spec),
        input: JSON.stringify(run.input),
        error: null,
        created_at: run.createdAt,
        updated_at: run.createdAt,
        finished_at: null,
      },
      steps,
    });
  }

  async loadRun(runId: string): Promise<RunRecord | undefined> {
    const run = this.#runs.get(runId);
    return run === undefined ? undefined : toRunRecord(run.row, [...run.steps.values()]);
  }

  async listRuns(query: RunQuery = {}): Promise<RunSummary[]> {
    const before = query.before ?? Number.MAX_SAFE_INTEGER;
    return [...this.#runs.values()]
      .map((run) => run.row)
      .filter(
        (row) => (query.state === undefined || row.state === query.state) && Number(row.created_at) < before,
      )
      .sort((a, b) => Number(b.created_at) - Number(a.created_at) || (a.id < b.id ? 1 : -1))
      .slice(0, query.limit ?? DEFAULT_LIST_LIMIT)
      .map(toSummary);
  }

  async recordStepState(
    runId: string,
    changes: StepChange | readonly StepChange[],
    cache?: CacheEntry,
  ): Promise<number> {
    const run = this.#runs.get(runId);
    if (run === undefined) return 0;
    let changed = 0;
    for (const change of asChanges(changes)) changed += this.#update(run, change);
    if (cache !== undefined) {
      this.#cache.set(cacheId(cache.handler, cache.key), {
        output: JSON.parse(cache.outputJson),
        outputJson: cache.outputJson,
        runId,
        stepId: cache.stepId,
        createdAt: Date.now(),
      });
    }
    return changed;
  }

  async recordRunState(
    runId: string,
    change: RunChange,
    steps: readonly StepChange[] = [],
  ): Promise<boolean> {
    const run = this.#runs.get(runId);
    if (run === undefined || run.row.state !== "running") return false;
    run.row.state = change.state;
    run.row.error = errorText(change.error);
    run.row.updated_at = change.at;
    run.row.finished_at = change.state === "running" ? null : change.at;
    for (const step of steps) this.#update(run, step);
    return true;
  }

  async getCached(handler: string, key: string): Promise<CachedOutput | undefined> {
    const entry = this.#cache.get(cacheId(handler, key));
    if (entry === undefined) return undefined;
    return {
      output: JSON.parse(entry.outputJson),
      runId: entry.runId,
      stepId: entry.stepId,
      createdAt: entry.createdAt,
    };
  }

  async deleteRun(runId: string): Promise<boolean> {
    return this.#runs.delete(runId);
  }

  async close(): Promise<void> {}

  #update(run: StoredRun, change: StepChange): number {
    const row = run.steps.get(change.stepId);
    if (row === undefined || row.state === "succeeded") return 0;
    const [state, attempt, output, error, cached, startedAt, finishedAt] = stepValues(change);
    Object.assign(row, {
      state,
      attempt,
      output,
      error,
      cached,
      started_at: startedAt,
      finished_at: finishedAt,
    });
    return 1;
  }
}

function cacheId(handler: string, key: string): string {
  return JSON.stringify([handler, key]);
}
