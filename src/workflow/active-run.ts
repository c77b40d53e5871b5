/**
 * A run while an engine drives it, in memory: its DAG, each step's current state and output, the
 * two abort signals, and what ends it. Built from a stored run (fresh or after a crash), turned
 * back into records and snapshots; the functions here change memory only, never the run log.
 */
import { setMaxListeners } from "node:events";
import { blockedSteps, buildDag, type Dag, topologicalLevels } from "./dag.js";
import type { StepChange } from "./run-log.js";
import type {
  ErrorInfo,
  JsonValue,
  RunRecord,
  RunSnapshot,
  RunState,
  StepRecord,
  StepSpec,
  StepState,
  WorkflowSpec,
} from "./types.js";

/**
 * - running: steps start as they become ready;
 * - stopping: a step failed under `onFailure: stop`; nothing new starts;
 * - cancelling: cancel() was called; executing steps are aborted;
 * - closing: the engine closes; nothing more is written, the run stays unfinished in the log;
 * - broken: the run log failed; like closing, and the run is reported failed.
 */
export type RunMode = "running" | "stopping" | "cancelling" | "closing" | "broken";

export interface StepRuntime {
  spec: StepSpec;
  state: StepState;
  attempt: number;
  output?: JsonValue;
  error?: ErrorInfo;
  cached: boolean;
  startedAt?: number;
  finishedAt?: number;
  /** A runner (or a batch write) owns the step: nothing else may start or settle it. */
  busy: boolean;
}

export interface ActiveRun {
  id: string;
  spec: WorkflowSpec;
  dag: Dag;
  levels: string[][];
  input: JsonValue;
  createdAt: number;
  steps: Map<string, StepRuntime>;
  /** Mirror of the steps' states, the shape dag.ts reads. */
  states: Map<string, StepState>;
  mode: RunMode;
  /** Aborted when nothing new may start (stop, cancel, close, broken): wakes waiters and back-offs. */
  halt: AbortController;
  /** Aborted when executing steps must stop (cancel, close, broken): reaches every handler's signal. */
  abort: AbortController;
  /** Runners and batch writes not yet settled; the run finishes when this reaches 0. */
  inFlight: number;
  failedSteps: string[];
  firstFailure?: { stepId: string; attempts: number; error: ErrorInfo };
  storeError?: unknown;
  finishing: boolean;
  done: Promise<RunSnapshot>;
  resolve: (snapshot: RunSnapshot) => void;
  reject: (error: unknown) => void;
}

/**
 * The in-memory run for a stored one: `records` are its steps as the log holds them (none for a
 * new run). A step the log holds as `running` was cut short by a crash: it never committed, so it
 * becomes `pending` again, and the attempt the crash interrupted is not counted against its retries.
 */
export function createActiveRun(
  id: string,
  spec: WorkflowSpec,
  input: JsonValue,
  createdAt: number,
  records: readonly StepRecord[] | undefined,
): ActiveRun {
  const dag = buildDag(spec.steps);
  const byId = new Map(records?.map((record) => [record.stepId, record]));
  const steps = new Map<string, StepRuntime>();
  const states = new Map<string, StepState>();
  for (const stepSpec of spec.steps) {
    const runtime: StepRuntime = { spec: stepSpec, state: "pending", attempt: 0, cached: false, busy: false };
    const record = byId.get(stepSpec.id);
    if (record !== undefined) {
      runtime.state = record.state;
      runtime.attempt = record.attempt;
      runtime.cached = record.cached;
      if (record.output !== undefined) runtime.output = record.output;
      if (record.error !== undefined) runtime.error = record.error;
      if (record.startedAt !== undefined) runtime.startedAt = record.startedAt;
      if (record.finishedAt !== undefined) runtime.finishedAt = record.finishedAt;
      if (record.state === "running") {
        runtime.state = "pending";
        runtime.attempt = Math.max(0, record.attempt - 1);
      }
    }
    steps.set(stepSpec.id, runtime);
    states.set(stepSpec.id, runtime.state);
  }
  let resolve!: (snapshot: RunSnapshot) => void;
  let reject!: (error: unknown) => void;
  const done = new Promise<RunSnapshot>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // wait() callers see the rejection; nobody waiting is not an unhandled rejection.
  done.catch(() => {});
  const halt = new AbortController();
  const abort = new AbortController();
  // Every step waiting for a slot listens on `halt`, every executing one on `abort`: a wide run
  // legitimately has thousands of listeners, not a leak.
  setMaxListeners(0, halt.signal, abort.signal);
  const run: ActiveRun = {
    id,
    spec,
    dag,
    levels: topologicalLevels(dag),
    input,
    createdAt,
    steps,
    states,
    mode: "running",
    halt,
    abort,
    inFlight: 0,
    failedSteps: [],
    finishing: false,
    done,
    resolve,
    reject,
  };
  for (const runtime of steps.values()) {
    if (runtime.state !== "failed") continue;
    run.failedSteps.push(runtime.spec.id);
    run.firstFailure ??= {
      stepId: runtime.spec.id,
      attempts: runtime.attempt,
      error: runtime.error ?? { message: "failed" },
    };
  }
  if (run.failedSteps.length > 0 && spec.onFailure === "stop") stopRun(run);
  return run;
}

/** `onFailure: stop`: nothing new starts; steps waiting for a slot or a retry wake up and give up. */
export function stopRun(run: ActiveRun): void {
  if (run.mode !== "running") return;
  run.mode = "stopping";
  run.halt.abort();
}

export function applyStep(
  run: ActiveRun,
  step: StepRuntime,
  change: Partial<StepRuntime> & { state: StepState },
): void {
  Object.assign(step, change);
  run.states.set(step.spec.id, change.state);
}

/**
 * Idle pending steps that can no longer run: all of them once the run stops, else those
 * downstream of a failed, skipped or cancelled step.
 */
export function stepsToSkip(run: ActiveRun): string[] {
  if (run.mode === "stopping") {
    return [...run.steps.values()]
      .filter((step) => step.state === "pending" && !step.busy)
      .map((s) => s.spec.id);
  }
  if (run.mode !== "running") return [];
  return blockedSteps(run.dag, run.states).filter((id) => run.steps.get(id)?.busy === false);
}

/** Why a step did not run, for its `skipped` record and event. */
export function skipReason(run: ActiveRun, stepId: string): string {
  for (const dependency of run.dag.dependsOn.get(stepId) ?? []) {
    const state = run.states.get(dependency);
    if (state === "failed" || state === "skipped" || state === "cancelled") {
      return `not run: its dependency "${dependency}" ${state === "failed" ? "failed" : `was ${state}`}`;
    }
  }
  const first = run.firstFailure?.stepId;
  return first === undefined
    ? "not run: the run stopped"
    : `not run: the run stopped after step "${first}" failed (onFailure: stop)`;
}

export function skippedChange(
  step: { spec: StepSpec; attempt: number },
  reason: string,
  at: number,
): StepChange {
  return {
    stepId: step.spec.id,
    state: "skipped",
    attempt: step.attempt,
    error: { message: reason },
    finishedAt: at,
  };
}

export function cancelledChange(
  step: { stepId: string; attempt: number; startedAt?: number },
  at: number,
): StepChange {
  const change: StepChange = {
    stepId: step.stepId,
    state: "cancelled",
    attempt: step.attempt,
    error: { message: "not finished: the run was cancelled", code: "HYDRA_ERR_WORKFLOW_CANCELLED" },
    finishedAt: at,
  };
  if (step.startedAt !== undefined) change.startedAt = step.startedAt;
  return change;
}

/** The run as engine.get/wait present it, from memory. */
export function runSnapshot(run: ActiveRun, state: RunState): RunSnapshot {
  const steps: StepRecord[] = [];
  const outputs: Record<string, JsonValue> = {};
  for (const step of run.steps.values()) {
    const record: StepRecord = {
      stepId: step.spec.id,
      state: step.state,
      attempt: step.attempt,
      cached: step.cached,
    };
    if (step.output !== undefined && step.state === "succeeded") {
      record.output = step.output;
      outputs[step.spec.id] = step.output;
    }
    if (step.error !== undefined) record.error = step.error;
    if (step.startedAt !== undefined) record.startedAt = step.startedAt;
    if (step.finishedAt !== undefined) record.finishedAt = step.finishedAt;
    steps.push(record);
  }
  return {
    id: run.id,
    name: run.spec.name,
    state,
    createdAt: run.createdAt,
    updatedAt: run.createdAt,
    spec: run.spec,
    input: run.input,
    steps,
    levels: run.levels,
    outputs,
  };
}

/** A stored run as engine.get/wait present it. */
export function toSnapshot(record: RunRecord): RunSnapshot {
  const outputs: Record<string, JsonValue> = {};
  for (const step of record.steps) {
    if (step.state === "succeeded" && step.output !== undefined) outputs[step.stepId] = step.output;
  }
  return { ...record, levels: topologicalLevels(buildDag(record.spec.steps)), outputs };
}
