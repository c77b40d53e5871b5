/**
 * What the workflow engine raises, as HydraErrors with stable codes. Step errors also say whether
 * another attempt could help (`isRetryable`): timeouts and handler errors are retried, a bad
 * definition, a missing handler or bad input never are.
 */
import { HydraError, isHydraError } from "../errors.js";
import type { ErrorInfo } from "./types.js";

/** The definition is not a valid DAG (or not a definition at all); `issues` lists every problem. */
export class WorkflowDefinitionError extends HydraError {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(
      "HYDRA_ERR_WORKFLOW_DEFINITION",
      400,
      `invalid workflow definition: ${issues.join("; ")}; fix the steps and start again`,
    );
    this.issues = issues;
  }
}

/** A step names a handler that is not registered in this process. */
export class WorkflowHandlerNotFoundError extends HydraError {
  readonly handler: string;
  constructor(handler: string, known: readonly string[]) {
    const list = known.length === 0 ? "none is registered" : `registered: ${known.join(", ")}`;
    super(
      "HYDRA_ERR_WORKFLOW_HANDLER",
      400,
      `no step handler named "${handler}" (${list}); call engine.register("${handler}", handler) before starting or resuming runs that use it`,
    );
    this.handler = handler;
  }
}

export class WorkflowRunNotFoundError extends HydraError {
  constructor(runId: string) {
    super(
      "HYDRA_ERR_WORKFLOW_RUN_NOT_FOUND",
      404,
      `no workflow run with id "${runId}" in the run log; list runs to find its id`,
    );
  }
}

export class WorkflowRunExistsError extends HydraError {
  constructor(runId: string) {
    super(
      "HYDRA_ERR_WORKFLOW_RUN_EXISTS",
      409,
      `a workflow run with id "${runId}" already exists; use another id, or resume(runId) to continue it`,
    );
  }
}

/** The log says the run is still going, but this engine is not driving it (e.g. after a restart). */
export class WorkflowRunNotActiveError extends HydraError {
  constructor(runId: string) {
    super(
      "HYDRA_ERR_WORKFLOW_RUN_NOT_ACTIVE",
      409,
      `workflow run "${runId}" is unfinished in the run log but no engine in this process drives it; call resume("${runId}") (or resumeAll()) first`,
    );
  }
}

/** The run log could not be read or written. */
export class WorkflowStoreError extends HydraError {
  constructor(backend: string, action: string, cause: unknown) {
    super(
      "HYDRA_ERR_WORKFLOW_STORE",
      503,
      `workflow run log (${backend}) failed to ${action}: ${(cause as Error)?.message ?? String(cause)}; check that ${backend === "postgres" ? "PostgreSQL is reachable" : "the data dir is writable and the disk not full"}, then resume the run`,
      { cause, retryAfterSeconds: 1 },
    );
  }
}

export class WorkflowEngineClosedError extends HydraError {
  constructor(runId?: string) {
    super(
      "HYDRA_ERR_WORKFLOW_CLOSED",
      503,
      runId === undefined
        ? "the workflow engine is closed; open a new one"
        : `the workflow engine closed before run "${runId}" finished; it continues where it stopped when an engine calls resume("${runId}") or resumeAll()`,
    );
  }
}

/** One attempt ran longer than the step's `timeoutMs`. Retried like any other failure. */
export class StepTimeoutError extends HydraError {
  constructor(stepId: string, timeoutMs: number) {
    super(
      "HYDRA_ERR_WORKFLOW_STEP_TIMEOUT",
      504,
      `step "${stepId}" timed out after ${timeoutMs} ms; raise the step's timeoutMs (or workflow.timeoutMs) or make its handler faster`,
    );
  }
}

/** The run was cancelled while the step ran. */
export class StepCancelledError extends HydraError {
  constructor(runId: string) {
    super("HYDRA_ERR_WORKFLOW_CANCELLED", 409, `workflow run "${runId}" was cancelled`);
  }
}

/**
 * Thrown by a handler that knows another attempt cannot help (bad input, a refusal): the step
 * fails at once instead of being retried.
 */
export class NonRetryableStepError extends HydraError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("HYDRA_ERR_WORKFLOW_STEP_PERMANENT", 500, message, options);
  }
}

/** The step's input does not match its handler's input schema. Never retried. */
export class StepInputError extends HydraError {
  constructor(stepId: string, handler: string, reason: string) {
    super(
      "HYDRA_ERR_WORKFLOW_STEP_INPUT",
      400,
      `step "${stepId}": its input does not fit handler "${handler}": ${reason}; fix the step's input`,
    );
  }
}

/** The handler returned something the run log cannot store, or that fails its output schema. */
export class StepOutputError extends HydraError {
  readonly retryable: boolean;
  constructor(stepId: string, handler: string, reason: string, retryable: boolean) {
    super(
      "HYDRA_ERR_WORKFLOW_STEP_OUTPUT",
      500,
      `step "${stepId}": handler "${handler}" returned an unusable output: ${reason}; return a JSON value that fits its output schema`,
    );
    this.retryable = retryable;
  }
}

/** How a run that failed reports its first failed step. */
export class WorkflowStepFailedError extends HydraError {
  readonly stepId: string;
  constructor(stepId: string, attempts: number, cause: ErrorInfo) {
    super(
      "HYDRA_ERR_WORKFLOW_STEP_FAILED",
      500,
      `step "${stepId}" failed after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${cause.message}`,
    );
    this.stepId = stepId;
  }
}

/**
 * Whether another attempt of a step may succeed where this error ended the last one. Client
 * errors (HydraError 4xx other than 408 and 429: an unknown model, a bad request) are final, as
 * are NonRetryableStepError and anything carrying `retryable: false`.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof NonRetryableStepError || error instanceof StepInputError) return false;
  if (error instanceof WorkflowHandlerNotFoundError || error instanceof StepCancelledError) return false;
  if (typeof error === "object" && error !== null && (error as { retryable?: unknown }).retryable === false)
    return false;
  if (isHydraError(error) && error.status >= 400 && error.status < 500) {
    return error.status === 408 || error.status === 429;
  }
  return true;
}

/** What the run log keeps of an error. */
export function errorInfo(error: unknown): ErrorInfo {
  if (error instanceof Error) {
    const info: ErrorInfo = { message: error.message || error.name, name: error.name };
    if (isHydraError(error)) info.code = error.code;
    return info;
  }
  return { message: typeof error === "string" ? error : (JSON.stringify(error) ?? String(error)) };
}
