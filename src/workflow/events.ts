/**
 * The engine's events, one per transition, emitted after the change is in the run log (an event
 * never announces something a crash could undo). Each is also emitted as `event` with its `type`,
 * for subscribers that forward everything (the API's event stream, the dashboard).
 */
import type { ErrorInfo, JsonValue } from "./types.js";

interface Base {
  runId: string;
  /** ms since the epoch. */
  at: number;
}

interface StepBase extends Base {
  stepId: string;
}

export interface WorkflowEventMap {
  /** The run was stored and starts, or an engine took it up again after a restart (`resumed`). */
  "run.started": Base & { name: string; steps: number; resumed: boolean };
  "step.started": StepBase & { attempt: number; handler: string };
  /** What a handler passed to `ctx.emit`; not stored. */
  "step.progress": StepBase & { attempt: number; progress: JsonValue };
  /** An attempt failed; the next one starts after `delayMs`. */
  "step.retrying": StepBase & { attempt: number; durationMs: number; delayMs: number; error: ErrorInfo };
  "step.succeeded": StepBase & { attempt: number; durationMs: number; output: JsonValue };
  /** The output came from the step cache: the handler did not run. */
  "step.cached": StepBase & { cacheKey: string; output: JsonValue; durationMs: number };
  /** Final: retries spent, or a non-retryable error. */
  "step.failed": StepBase & { attempt: number; durationMs: number; error: ErrorInfo };
  "step.skipped": StepBase & { reason: string };
  "step.cancelled": StepBase & { attempt: number };
  "run.succeeded": Base & { durationMs: number };
  "run.failed": Base & { durationMs: number; error: ErrorInfo; failedSteps: string[] };
  "run.cancelled": Base & { durationMs: number };
}

export type WorkflowEventType = keyof WorkflowEventMap;

/** Any event, tagged with its type. */
export type WorkflowEvent = {
  [K in WorkflowEventType]: { type: K } & WorkflowEventMap[K];
}[WorkflowEventType];

/** The engine's EventEmitter map: each type on its own, and all of them as `event`. */
export type WorkflowEngineEvents = { [K in WorkflowEventType]: [{ type: K } & WorkflowEventMap[K]] } & {
  event: [WorkflowEvent];
};
