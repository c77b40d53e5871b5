/**
 * The workflow engine: stores a run, then drives its DAG — each step starts the moment its last
 * dependency succeeds (no polling), within the engine-wide concurrency limit, with per-attempt
 * timeouts and full-jitter back-off between attempts — and writes every transition to the run log
 * before announcing it as an event. After a crash, `resumeAll()` picks up every unfinished run:
 * steps that had `succeeded` keep their committed output and never run again; steps that were
 * `running` never committed, so they run again from scratch (the interrupted attempt is not
 * counted against their retries).
 *
 * Failure policy (per workflow, `onFailure`): with `stop` (default) the first step that fails for
 * good stops the run — nothing new starts, steps already executing finish and commit, every step
 * not started is `skipped`; with `continue` only its dependents are skipped. Either way the run
 * ends `failed`, naming the first failed step. Cancellation aborts executing steps (their signal)
 * and marks every unfinished step `cancelled`.
 *
 * A run log that cannot be written stops the run in this process (event `run.failed` with the
 * store's error) but leaves it unfinished in the log, so a later resume continues it.
 */
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { BaseLogger } from "pino";
import { backoffDelayMs } from "../pool/retry/backoff.js";
import {
  type ActiveRun,
  applyStep,
  cancelledChange,
  createActiveRun,
  runSnapshot,
  type StepRuntime,
  skippedChange,
  skipReason,
  stepsToSkip,
  stopRun,
  toSnapshot,
} from "./active-run.js";
import { type AttemptResult, pause, runAttempt, toJsonText } from "./attempt.js";
import { newlyReady, readySteps } from "./dag.js";
import { normalizeDefinition, type StepDefaults } from "./definition.js";
import {
  errorInfo,
  isRetryable,
  StepCancelledError,
  WorkflowDefinitionError,
  WorkflowEngineClosedError,
  WorkflowRunNotActiveError,
  WorkflowRunNotFoundError,
  WorkflowStepFailedError,
  WorkflowStoreError,
} from "./errors.js";
import type { WorkflowEngineEvents, WorkflowEvent, WorkflowEventMap, WorkflowEventType } from "./events.js";
import { InProcessExecutor, type StepExecutor } from "./executor.js";
import { ConcurrencyLimiter, type Release } from "./limiter.js";
import { HandlerRegistry, type HandlerSchemas } from "./registry.js";
import type { RunQuery, RunStore, StepChange } from "./run-log.js";
import type {
  ErrorInfo,
  JsonValue,
  RunSnapshot,
  RunState,
  RunSummary,
  StepHandler,
  StepRecord,
  WorkflowDefinition,
  WorkflowSpec,
} from "./types.js";

export { toSnapshot } from "./active-run.js";

export interface WorkflowEngineOptions {
  store: RunStore;
  /** Where steps run; default: in this process, from the engine's registry. */
  executor?: StepExecutor;
  /** Default: a new one (engine.register fills it). */
  registry?: HandlerRegistry;
  /** Steps executing at once across all runs of this engine (default 8). */
  concurrency?: number;
  /** For steps whose definition leaves retry or timeoutMs out. */
  defaults?: Partial<StepDefaults>;
  /** Close the store (and the executor) in close(). Default false: whoever opened it closes it. */
  ownsStore?: boolean;
  log?: Pick<BaseLogger, "warn" | "error">;
  /** Milliseconds since the epoch (tests). */
  now?: () => number;
  /** In [0, 1): draws back-off jitter (tests). */
  random?: () => number;
}

export interface StartOptions {
  /** Default: a new UUID. Lets a caller tie a run to its request; refused if taken. */
  runId?: string;
}

export interface ResumeAllResult {
  resumed: string[];
  /** Runs that could not be resumed (e.g. a handler not registered here); they stay unfinished in the log. */
  failed: { runId: string; error: Error }[];
}

export const DEFAULT_STEP_DEFAULTS: StepDefaults = {
  retry: { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 30_000 },
  timeoutMs: 600_000,
};

export class WorkflowEngine extends EventEmitter<WorkflowEngineEvents> {
  readonly registry: HandlerRegistry;
  readonly store: RunStore;
  readonly executor: StepExecutor;
  readonly #limiter: ConcurrencyLimiter;
  readonly #defaults: StepDefaults;
  readonly #ownsStore: boolean;
  readonly #log: Pick<BaseLogger, "warn" | "error"> | undefined;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #runs = new Map<string, ActiveRun>();
  /** resume() calls under way, so two for one run do not both drive it. */
  readonly #resuming = new Map<string, Promise<boolean>>();
  #closed = false;

  constructor(options: WorkflowEngineOptions) {
    super();
    this.store = options.store;
    this.registry = options.registry ?? new HandlerRegistry();
    this.executor = options.executor ?? new InProcessExecutor(this.registry);
    this.#limiter = new ConcurrencyLimiter(options.concurrency ?? 8);
    this.#defaults = {
      retry: { ...DEFAULT_STEP_DEFAULTS.retry, ...options.defaults?.retry },
      timeoutMs: options.defaults?.timeoutMs ?? DEFAULT_STEP_DEFAULTS.timeoutMs,
    };
    this.#ownsStore = options.ownsStore ?? false;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
  }

  /** Steps executing now / waiting for a slot, across all runs. */
  get load(): { active: number; waiting: number; limit: number } {
    return { active: this.#limiter.active, waiting: this.#limiter.waiting, limit: this.#limiter.limit };
  }

  /** Ids of the runs this engine drives now. */
  get activeRuns(): string[] {
    return [...this.#runs.keys()];
  }

  /** Makes `name` available to steps (`run: name`). Register every handler before start/resume. */
  register<I = JsonValue, O = JsonValue>(
    name: string,
    handler: StepHandler<I, O>,
    schemas?: HandlerSchemas<I, O>,
  ): this {
    this.registry.register(name, handler, schemas);
    return this;
  }

  /**
   * Validates the definition (shape, DAG, handlers, static inputs against their schemas), stores
   * the run and starts driving it; resolves to its id once it is in the run log. Events of the
   * run follow after the caller has the id, so listeners attached then miss nothing.
   */
  async start(
    definition: WorkflowDefinition,
    input: JsonValue = null,
    options: StartOptions = {},
  ): Promise<string> {
    this.#assertOpen();
    const spec = normalizeDefinition(definition, this.#defaults);
    for (const step of spec.steps) this.registry.parseInput(step.id, step.run, step.input);
    const runId = options.runId ?? randomUUID();
    const createdAt = this.#now();
    let runInput: JsonValue;
    try {
      runInput = JSON.parse(toJsonText(input, "the run input")) as JsonValue;
    } catch (error) {
      throw new WorkflowDefinitionError([(error as Error).message]);
    }
    await this.store.createRun({ id: runId, spec, input: runInput, createdAt });
    const run = this.#activate(runId, spec, runInput, createdAt, undefined);
    setImmediate(() => this.#begin(run, false));
    return runId;
  }

  /**
   * Takes up an unfinished run from the log (after a restart). Resolves to true when this engine
   * now drives it (or already did), false when it is already final. Rejects with
   * WorkflowRunNotFoundError, or WorkflowHandlerNotFoundError when a step's handler is not
   * registered here (the run is left as it is).
   */
  resume(runId: string): Promise<boolean> {
    if (this.#closed) return Promise.reject(new WorkflowEngineClosedError());
    if (this.#runs.has(runId)) return Promise.resolve(true);
    const pending = this.#resuming.get(runId);
    if (pending !== undefined) return pending;
    const resuming = this.#resume(runId).finally(() => this.#resuming.delete(runId));
    this.#resuming.set(runId, resuming);
    return resuming;
  }

  /** Resumes every run the log holds as unfinished; call once at process start, after registering handlers. */
  async resumeAll(): Promise<ResumeAllResult> {
    this.#assertOpen();
    const runs = await this.store.listRuns({ state: "running", limit: 100_000 });
    const result: ResumeAllResult = { resumed: [], failed: [] };
    for (const summary of runs.reverse()) {
      try {
        if (await this.resume(summary.id)) result.resumed.push(summary.id);
      } catch (error) {
        result.failed.push({ runId: summary.id, error: error as Error });
        this.#log?.warn(
          { runId: summary.id, err: error },
          `workflow run ${summary.id} not resumed: ${(error as Error).message}`,
        );
      }
    }
    return result;
  }

  /**
   * Cancels a run: executing steps are aborted, nothing new starts, every unfinished step ends
   * `cancelled`. Resolves once that is in the log: true, or false when the run was already final.
   * A run no engine drives (unfinished in the log) is cancelled in the log directly.
   */
  async cancel(runId: string): Promise<boolean> {
    const run = this.#runs.get(runId);
    if (run !== undefined) {
      if (run.finishing || run.mode === "cancelling" || run.mode === "closing" || run.mode === "broken") {
        return run.done.then(
          (snapshot) => snapshot.state === "cancelled",
          () => false,
        );
      }
      run.mode = "cancelling";
      const reason = new StepCancelledError(runId);
      run.halt.abort(reason);
      run.abort.abort(reason);
      this.#maybeFinish(run);
      const snapshot = await run.done;
      return snapshot.state === "cancelled";
    }
    const record = await this.store.loadRun(runId);
    if (record === undefined) throw new WorkflowRunNotFoundError(runId);
    if (record.state !== "running") return false;
    const at = this.#now();
    const changes = record.steps
      .filter((step) => step.state === "pending" || step.state === "running")
      .map((step) => cancelledChange(step, at));
    const changed = await this.store.recordRunState(
      runId,
      { state: "cancelled", at, error: errorInfo(new StepCancelledError(runId)) },
      changes,
    );
    if (changed) {
      for (const change of changes)
        this.#emit("step.cancelled", { runId, stepId: change.stepId, attempt: change.attempt, at });
      this.#emit("run.cancelled", { runId, at, durationMs: at - record.createdAt });
    }
    return changed;
  }

  /**
   * The run's final snapshot once it is finished (succeeded, failed or cancelled: check `state`).
   * Rejects with WorkflowRunNotActiveError for an unfinished run nobody drives here (resume it
   * first), or WorkflowEngineClosedError when the engine closes first.
   */
  async wait(runId: string): Promise<RunSnapshot> {
    const run = this.#runs.get(runId);
    if (run !== undefined) return run.done;
    const resuming = this.#resuming.get(runId);
    if (resuming !== undefined) {
      await resuming;
      const resumed = this.#runs.get(runId);
      if (resumed !== undefined) return resumed.done;
    }
    const record = await this.store.loadRun(runId);
    if (record === undefined) throw new WorkflowRunNotFoundError(runId);
    if (record.state === "running") throw new WorkflowRunNotActiveError(runId);
    return toSnapshot(record);
  }

  /** The run now: state, DAG levels, each step's state and the outputs so far; undefined if unknown. */
  async get(runId: string): Promise<RunSnapshot | undefined> {
    const run = this.#runs.get(runId);
    if (run !== undefined) return runSnapshot(run, "running");
    const record = await this.store.loadRun(runId);
    return record === undefined ? undefined : toSnapshot(record);
  }

  /** Runs in the log, newest first. */
  list(query?: RunQuery): Promise<RunSummary[]> {
    return this.store.listRuns(query);
  }

  /**
   * Stops driving runs without finishing them: executing steps are aborted and nothing more is
   * written, so every unfinished run stays unfinished in the log and resumes later — exactly as
   * after a crash, minus the crash. Closes the store and executor when the engine owns them.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const runs = [...this.#runs.values()];
    for (const run of runs) {
      if (run.finishing) continue;
      run.mode = "closing";
      const reason = new WorkflowEngineClosedError(run.id);
      run.halt.abort(reason);
      run.abort.abort(reason);
      this.#maybeFinish(run);
    }
    await Promise.allSettled(runs.map((run) => run.done));
    await Promise.allSettled([...this.#resuming.values()]);
    if (this.#ownsStore) {
      await this.executor.close?.();
      await this.store.close();
    }
  }

  // ---------------------------------------------------------------- driving a run

  async #resume(runId: string): Promise<boolean> {
    const record = await this.store.loadRun(runId);
    if (record === undefined) throw new WorkflowRunNotFoundError(runId);
    if (record.state !== "running") return false;
    for (const step of record.spec.steps) this.registry.get(step.run);
    if (this.#closed) throw new WorkflowEngineClosedError(runId);
    if (this.#runs.has(runId)) return true;
    const run = this.#activate(record.id, record.spec, record.input, record.createdAt, record.steps);
    setImmediate(() => this.#begin(run, true));
    return true;
  }

  #activate(
    id: string,
    spec: WorkflowSpec,
    input: JsonValue,
    createdAt: number,
    records: readonly StepRecord[] | undefined,
  ): ActiveRun {
    const run = createActiveRun(id, spec, input, createdAt, records);
    this.#runs.set(id, run);
    return run;
  }

  #begin(run: ActiveRun, resumed: boolean): void {
    // Cancelled or closed before its first turn: cancel()/close() finish it.
    if (run.finishing || run.mode === "cancelling" || run.mode === "closing") return;
    this.#emit("run.started", {
      runId: run.id,
      at: this.#now(),
      name: run.spec.name,
      steps: run.spec.steps.length,
      resumed,
    });
    this.#skipBlocked(run);
    this.#launch(run, readySteps(run.dag, run.states));
    this.#maybeFinish(run);
  }

  #launch(run: ActiveRun, stepIds: readonly string[]): void {
    if (run.mode !== "running") return;
    for (const stepId of stepIds) {
      const step = run.steps.get(stepId);
      if (step === undefined || step.busy || step.state !== "pending") continue;
      step.busy = true;
      run.inFlight++;
      void this.#drive(run, step);
    }
  }

  async #drive(run: ActiveRun, step: StepRuntime): Promise<void> {
    try {
      await this.#runStep(run, step);
    } catch (error) {
      this.#break(run, error);
    } finally {
      step.busy = false;
      run.inFlight--;
      if (step.state === "succeeded") this.#launch(run, newlyReady(run.dag, run.states, step.spec.id));
      this.#maybeFinish(run);
    }
  }

  /** One step from its first attempt to a final state (or until the run stops); throws on store errors. */
  async #runStep(run: ActiveRun, step: StepRuntime): Promise<void> {
    const spec = step.spec;
    if (spec.cacheKey !== undefined && (await this.#fromCache(run, step, spec.cacheKey))) return;
    for (;;) {
      if (run.halt.signal.aborted) return this.#giveUp(run, step);
      let release: Release;
      try {
        release = await this.#limiter.acquire(run.halt.signal);
      } catch {
        return this.#giveUp(run, step);
      }
      const attempt = step.attempt + 1;
      const startedAt = this.#now();
      let result: AttemptResult;
      try {
        if (run.halt.signal.aborted) return this.#giveUp(run, step);
        const claimed = await this.store.recordStepState(run.id, {
          stepId: spec.id,
          state: "running",
          attempt,
          startedAt,
        });
        if (claimed === 0) return this.#adopt(run, step);
        applyStep(run, step, { state: "running", attempt, startedAt, error: undefined });
        this.#emit("step.started", {
          runId: run.id,
          stepId: spec.id,
          at: startedAt,
          attempt,
          handler: spec.run,
        });
        result = await runAttempt(this.executor, run, step, attempt, (progress) =>
          this.#emit("step.progress", { runId: run.id, stepId: spec.id, at: this.#now(), attempt, progress }),
        );
      } finally {
        release();
      }
      const finishedAt = this.#now();
      const durationMs = finishedAt - startedAt;
      if (result.ok) {
        const cache =
          spec.cacheKey === undefined
            ? undefined
            : { handler: spec.run, key: spec.cacheKey, outputJson: result.outputJson, stepId: spec.id };
        const committed = await this.store.recordStepState(
          run.id,
          {
            stepId: spec.id,
            state: "succeeded",
            attempt,
            outputJson: result.outputJson,
            startedAt,
            finishedAt,
          },
          cache,
        );
        if (committed === 0) return this.#adopt(run, step);
        applyStep(run, step, { state: "succeeded", attempt, output: result.output, startedAt, finishedAt });
        this.#emit("step.succeeded", {
          runId: run.id,
          stepId: spec.id,
          at: finishedAt,
          attempt,
          durationMs,
          output: result.output,
        });
        return;
      }
      // Closing or a broken log: write nothing; the step stays `running` in the log and runs again on resume.
      if (run.mode === "closing" || run.mode === "broken") return;
      if (run.mode === "cancelling") return this.#settleCancelled(run, step, attempt, startedAt, finishedAt);
      const error = errorInfo(result.error);
      if (isRetryable(result.error) && attempt < spec.retry.maxAttempts && !run.halt.signal.aborted) {
        const delayMs = backoffDelayMs({
          attempt: attempt - 1,
          baseMs: spec.retry.baseDelayMs,
          maxMs: spec.retry.maxDelayMs,
          random: this.#random,
        });
        const recorded = await this.store.recordStepState(run.id, {
          stepId: spec.id,
          state: "pending",
          attempt,
          error,
          startedAt,
        });
        if (recorded === 0) return this.#adopt(run, step);
        applyStep(run, step, { state: "pending", attempt, error, startedAt });
        this.#emit("step.retrying", {
          runId: run.id,
          stepId: spec.id,
          at: finishedAt,
          attempt,
          durationMs,
          delayMs,
          error,
        });
        if (delayMs > 0) await pause(delayMs, run.halt.signal);
        continue;
      }
      const recorded = await this.store.recordStepState(run.id, {
        stepId: spec.id,
        state: "failed",
        attempt,
        error,
        startedAt,
        finishedAt,
      });
      if (recorded === 0) return this.#adopt(run, step);
      applyStep(run, step, { state: "failed", attempt, error, startedAt, finishedAt });
      this.#emit("step.failed", {
        runId: run.id,
        stepId: spec.id,
        at: finishedAt,
        attempt,
        durationMs,
        error,
      });
      run.failedSteps.push(spec.id);
      run.firstFailure ??= { stepId: spec.id, attempts: attempt, error };
      if (run.spec.onFailure === "stop") stopRun(run);
      this.#skipBlocked(run);
      return;
    }
  }

  /** A stored output under the step's cache key, committed as the step's own; false on a miss. */
  async #fromCache(run: ActiveRun, step: StepRuntime, cacheKey: string): Promise<boolean> {
    const startedAt = this.#now();
    const hit = await this.store.getCached(step.spec.run, cacheKey);
    if (hit === undefined || run.halt.signal.aborted) return false;
    const finishedAt = this.#now();
    const changed = await this.store.recordStepState(run.id, {
      stepId: step.spec.id,
      state: "succeeded",
      attempt: step.attempt,
      outputJson: JSON.stringify(hit.output),
      cached: true,
      startedAt,
      finishedAt,
    });
    if (changed === 0) {
      await this.#adopt(run, step);
      return true;
    }
    applyStep(run, step, { state: "succeeded", output: hit.output, cached: true, startedAt, finishedAt });
    this.#emit("step.cached", {
      runId: run.id,
      stepId: step.spec.id,
      at: finishedAt,
      cacheKey,
      output: hit.output,
      durationMs: finishedAt - startedAt,
    });
    return true;
  }

  /**
   * The log refused to change the step: it already `succeeded` there (another engine drove the
   * same run). Take its committed output instead of running it again.
   */
  async #adopt(run: ActiveRun, step: StepRuntime): Promise<void> {
    const record = (await this.store.loadRun(run.id))?.steps.find((s) => s.stepId === step.spec.id);
    if (record?.state !== "succeeded") {
      throw new WorkflowStoreError(
        this.store.backend,
        `claim step ${step.spec.id} of run ${run.id}`,
        new Error("the step is not in the run log"),
      );
    }
    this.#log?.warn(
      { runId: run.id, stepId: step.spec.id },
      `step ${step.spec.id} of run ${run.id} already succeeded in the run log (is another engine driving this run?); using its output`,
    );
    applyStep(run, step, {
      state: "succeeded",
      attempt: record.attempt,
      output: record.output ?? null,
      cached: record.cached,
      startedAt: record.startedAt,
      finishedAt: record.finishedAt,
    });
    this.#emit("step.succeeded", {
      runId: run.id,
      stepId: step.spec.id,
      at: this.#now(),
      attempt: record.attempt,
      durationMs: 0,
      output: record.output ?? null,
    });
  }

  /** A step that will not start (again) because the run stops or is cancelled. */
  async #giveUp(run: ActiveRun, step: StepRuntime): Promise<void> {
    if (run.mode === "closing" || run.mode === "broken") return;
    const at = this.#now();
    if (run.mode === "cancelling") return this.#settleCancelled(run, step, step.attempt, step.startedAt, at);
    const change = skippedChange(step, skipReason(run, step.spec.id), at);
    await this.store.recordStepState(run.id, change);
    applyStep(run, step, { state: "skipped", error: change.error, finishedAt: at });
    this.#emit("step.skipped", {
      runId: run.id,
      stepId: step.spec.id,
      at,
      reason: change.error?.message ?? "",
    });
  }

  async #settleCancelled(
    run: ActiveRun,
    step: StepRuntime,
    attempt: number,
    startedAt: number | undefined,
    finishedAt: number,
  ): Promise<void> {
    const change: StepChange = {
      stepId: step.spec.id,
      state: "cancelled",
      attempt,
      error: errorInfo(new StepCancelledError(run.id)),
      finishedAt,
    };
    if (startedAt !== undefined) change.startedAt = startedAt;
    await this.store.recordStepState(run.id, change);
    applyStep(run, step, { state: "cancelled", attempt, error: change.error, finishedAt });
    this.#emit("step.cancelled", { runId: run.id, stepId: step.spec.id, at: finishedAt, attempt });
  }

  /**
   * Marks `skipped`, in one write, every idle pending step that can no longer run: all of them
   * when the run stops, else those downstream of a failed (or skipped) step.
   */
  #skipBlocked(run: ActiveRun): void {
    const ids = stepsToSkip(run);
    if (ids.length === 0) return;
    const at = this.#now();
    const changes = ids.map((id) => {
      const step = run.steps.get(id) as StepRuntime;
      step.busy = true;
      return skippedChange(step, skipReason(run, id), at);
    });
    run.inFlight++;
    this.store
      .recordStepState(run.id, changes)
      .then(() => {
        for (const change of changes) {
          const step = run.steps.get(change.stepId) as StepRuntime;
          applyStep(run, step, { state: "skipped", error: change.error, finishedAt: at });
          this.#emit("step.skipped", {
            runId: run.id,
            stepId: change.stepId,
            at,
            reason: change.error?.message ?? "",
          });
        }
      })
      .catch((error: unknown) => this.#break(run, error))
      .finally(() => {
        for (const change of changes) {
          const step = run.steps.get(change.stepId);
          if (step !== undefined) step.busy = false;
        }
        run.inFlight--;
        this.#maybeFinish(run);
      });
  }

  /** The run log failed: stop the run here, leave it unfinished in the log for a later resume. */
  #break(run: ActiveRun, error: unknown): void {
    if (run.mode === "broken" || run.mode === "closing") return;
    this.#log?.error(
      { runId: run.id, err: error },
      `workflow run ${run.id} stopped: ${(error as Error)?.message}`,
    );
    run.mode = "broken";
    run.storeError = error;
    run.halt.abort(error);
    run.abort.abort(error);
  }

  #maybeFinish(run: ActiveRun): void {
    if (run.inFlight > 0 || run.finishing) return;
    if (run.mode === "running") {
      const ready = readySteps(run.dag, run.states).filter((id) => run.steps.get(id)?.busy === false);
      if (ready.length > 0) {
        this.#launch(run, ready);
        return;
      }
    }
    run.finishing = true;
    void this.#finish(run);
  }

  async #finish(run: ActiveRun): Promise<void> {
    const at = this.#now();
    const durationMs = at - run.createdAt;
    if (run.mode === "closing") {
      this.#runs.delete(run.id);
      run.reject(new WorkflowEngineClosedError(run.id));
      return;
    }
    if (run.mode === "broken") {
      this.#runs.delete(run.id);
      const error = errorInfo(run.storeError);
      this.#emit("run.failed", { runId: run.id, at, durationMs, error, failedSteps: run.failedSteps });
      run.resolve({ ...runSnapshot(run, "failed"), error });
      return;
    }
    const remaining = [...run.steps.values()].filter(
      (step) => step.state === "pending" || step.state === "running",
    );
    let state: RunState;
    let error: ErrorInfo | undefined;
    let changes: StepChange[];
    if (run.mode === "cancelling") {
      state = "cancelled";
      error = errorInfo(new StepCancelledError(run.id));
      changes = remaining.map((step) =>
        cancelledChange({ stepId: step.spec.id, attempt: step.attempt, startedAt: step.startedAt }, at),
      );
    } else {
      state = run.failedSteps.length > 0 || remaining.length > 0 ? "failed" : "succeeded";
      changes = remaining.map((step) => skippedChange(step, skipReason(run, step.spec.id), at));
      if (run.firstFailure !== undefined) {
        const failure = run.firstFailure;
        error = errorInfo(new WorkflowStepFailedError(failure.stepId, failure.attempts, failure.error));
      }
    }
    try {
      const changed = await this.store.recordRunState(run.id, { state, error, at }, changes);
      if (!changed) {
        // Someone else finished it in the log (a cancel from another process): report what the log says.
        const record = await this.store.loadRun(run.id);
        this.#runs.delete(run.id);
        if (record === undefined) run.reject(new WorkflowRunNotFoundError(run.id));
        else run.resolve(toSnapshot(record));
        return;
      }
    } catch (storeError) {
      this.#break(run, storeError);
      run.mode = "broken";
      void this.#finish(run);
      return;
    }
    for (const change of changes) {
      const step = run.steps.get(change.stepId) as StepRuntime;
      applyStep(run, step, { state: change.state, error: change.error, finishedAt: at });
      if (change.state === "cancelled") {
        this.#emit("step.cancelled", { runId: run.id, stepId: change.stepId, at, attempt: change.attempt });
      } else {
        this.#emit("step.skipped", {
          runId: run.id,
          stepId: change.stepId,
          at,
          reason: change.error?.message ?? "",
        });
      }
    }
    this.#runs.delete(run.id);
    if (state === "succeeded") this.#emit("run.succeeded", { runId: run.id, at, durationMs });
    else if (state === "cancelled") this.#emit("run.cancelled", { runId: run.id, at, durationMs });
    else {
      this.#emit("run.failed", {
        runId: run.id,
        at,
        durationMs,
        error: error ?? { message: "steps could not run" },
        failedSteps: run.failedSteps,
      });
    }
    const snapshot = runSnapshot(run, state);
    if (error !== undefined) snapshot.error = error;
    snapshot.finishedAt = at;
    snapshot.updatedAt = at;
    run.resolve(snapshot);
  }

  // ---------------------------------------------------------------- helpers

  #emit<K extends WorkflowEventType>(type: K, data: WorkflowEventMap[K]): void {
    const event = { type, ...data } as WorkflowEvent;
    try {
      // The typed map cannot follow a generic K; the event is built for exactly this type above.
      (this as EventEmitter).emit(type, event);
      (this as EventEmitter).emit("event", event);
    } catch (error) {
      // A listener's bug must not stop the run.
      this.#log?.warn({ err: error, type }, `a workflow event listener threw: ${(error as Error)?.message}`);
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new WorkflowEngineClosedError();
  }
}
