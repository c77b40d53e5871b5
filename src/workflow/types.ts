/**
 * The workflow engine's nouns as data: a workflow definition (what the caller writes), its
 * normalised form (what is stored with a run, so a resumed run uses the same retry and timeout
 * policy even if the config changed since), step and run states, and the context a step handler
 * receives. Steps name their handler instead of holding a function: a run resumed in a new process
 * must find the step's code again, and a name in a registry is what survives a restart.
 */

/** What a step's input and output must be: the run log stores them as JSON. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Tries of one step; back-off before try n+1 is full jitter up to min(maxDelayMs, baseDelayMs·2^(n-1)). */
export interface RetryPolicy {
  /** Tries in all, the first included (1 = no retry). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * What happens to the rest of the run when a step fails for good (retries spent, or a
 * non-retryable error):
 * - `stop` (default): no further step starts; steps already executing finish and their outputs are
 *   committed (and cached), every step not yet started is `skipped`; the run ends `failed`.
 * - `continue`: only the failed step's dependents (transitively) are `skipped`; independent
 *   branches run to the end; the run ends `failed` once nothing more can run.
 */
export type FailurePolicy = "stop" | "continue";

/** One step as a caller writes it; omitted fields take the engine's defaults. */
export interface StepDefinition {
  /** Unique within the workflow; dependencies and `ctx.deps` use it. */
  id: string;
  /** Steps whose outputs this one needs; it starts once all of them succeeded. */
  dependsOn?: readonly string[];
  /** The name of a handler registered with `engine.register(name, handler)`. */
  run: string;
  /** Static input, handed to the handler as `ctx.input`. */
  input?: JsonValue;
  retry?: Partial<RetryPolicy>;
  /** Longest one attempt may take (the handler's signal aborts then); 0 = no limit. */
  timeoutMs?: number;
  /**
   * When set, a stored output of the same handler under the same key is used instead of running
   * the step, and a successful run stores its output under it. The key must capture everything
   * the output depends on (input, model, prompt version...).
   */
  cacheKey?: string;
}

export interface WorkflowDefinition {
  /** What kind of workflow this is ("orchestrate", "ingest"...): shown in lists and events. */
  name: string;
  steps: readonly StepDefinition[];
  onFailure?: FailurePolicy;
}

/** A step with every default applied: what a run stores and runs. */
export interface StepSpec {
  id: string;
  dependsOn: string[];
  run: string;
  input: JsonValue;
  retry: RetryPolicy;
  /** 0 = no limit. */
  timeoutMs: number;
  cacheKey?: string;
}

export interface WorkflowSpec {
  name: string;
  steps: StepSpec[];
  onFailure: FailurePolicy;
}

export const STEP_STATES = ["pending", "running", "succeeded", "failed", "cancelled", "skipped"] as const;
/**
 * - `pending`: not started, or waiting for its next attempt (`attempt` = tries so far, `error` = the last one's);
 * - `running`: attempt `attempt` is executing (after a crash: it never committed, so it runs again);
 * - `succeeded`: final; its output is committed with this state, in the same transaction;
 * - `failed`: final; retries spent or a non-retryable error;
 * - `cancelled`: the run was cancelled before the step finished;
 * - `skipped`: never ran because a dependency (or, with `onFailure: stop`, another step) failed.
 */
export type StepState = (typeof STEP_STATES)[number];

export const RUN_STATES = ["running", "succeeded", "failed", "cancelled"] as const;
export type RunState = (typeof RUN_STATES)[number];

export function isFinalStepState(state: StepState): boolean {
  return state !== "pending" && state !== "running";
}

/** An error as the run log keeps it. */
export interface ErrorInfo {
  message: string;
  /** HYDRA_ERR_* when Hydra raised it. */
  code?: string;
  /** The error's class name ("StepTimeoutError", "TypeError"...). */
  name?: string;
}

/** One step's state in the run log. */
export interface StepRecord {
  stepId: string;
  state: StepState;
  /** Attempts made (0: never started); while `running`, the number of the current one. */
  attempt: number;
  /** Present when `succeeded`. */
  output?: JsonValue;
  error?: ErrorInfo;
  /** The output came from the step cache; the handler did not run. */
  cached: boolean;
  /** When the latest attempt started (ms since the epoch). */
  startedAt?: number;
  /** When the step reached its final state. */
  finishedAt?: number;
}

export interface RunSummary {
  id: string;
  name: string;
  state: RunState;
  error?: ErrorInfo;
  createdAt: number;
  updatedAt: number;
  finishedAt?: number;
}

export interface RunRecord extends RunSummary {
  spec: WorkflowSpec;
  /** The run's own input, `ctx.runInput` for every step. */
  input: JsonValue;
  /** In the order of `spec.steps`. */
  steps: StepRecord[];
}

/** What `engine.get` and `engine.wait` return: the run with its DAG laid out and its outputs by step. */
export interface RunSnapshot extends RunRecord {
  /** Steps by topological level: level 0 has no dependencies, level n depends on level n-1 at most. */
  levels: string[][];
  /** Outputs of the steps that succeeded, by step id. */
  outputs: Record<string, JsonValue>;
}

/** What a handler receives. `I` is its input type (checked at run time when registered with a schema). */
export interface StepContext<I = JsonValue> {
  runId: string;
  stepId: string;
  /** 1 for the first try. */
  attempt: number;
  input: I;
  /** The input given to `engine.start` (null when none). */
  runInput: JsonValue;
  /** Outputs of the steps this one depends on, by step id. */
  deps: Readonly<Record<string, JsonValue>>;
  /** Aborts on timeout, on cancellation and when the engine closes: stop work and reject then. */
  signal: AbortSignal;
  /** Reports progress (a `step.progress` event); not stored. */
  emit(progress: JsonValue): void;
}

export type StepHandler<I = JsonValue, O = JsonValue> = (ctx: StepContext<I>) => Promise<O> | O;

/** Anything with zod's `parse` (a zod schema fits): checks a handler's input or output at run time. */
export interface Schema<T> {
  parse(value: unknown): T;
}
