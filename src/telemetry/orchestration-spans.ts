/**
 * `hydra.orchestration` (one orchestrator run: analysis, plan, the workflow run, synthesis) and
 * its `hydra.step` children, one per attempt of each workflow step, built from the engine's
 * events. A step's handler runs inside its span's scope, so the model calls it makes through the
 * pool (their `hydra.route` and `hydra.upstream` spans) hang under the step that made them.
 *
 * Without tracing the orchestrator still opens a call scope: its model calls forward the id of
 * the request that started the run when one is known, else the run id, as `x-request-id`.
 */
import { type Attributes, ROOT_CONTEXT, type Span, trace } from "@opentelemetry/api";
import type { WorkflowEvent } from "../workflow/events.js";
import { currentScope, currentTrace, runInScope, type TracedScope, within } from "./scope.js";
import { failSpan } from "./spans.js";
import type { Tracing } from "./tracing.js";

export const ORCHESTRATION_SPAN = "hydra.orchestration";
export const STEP_SPAN = "hydra.step";

interface OpenRun {
  scope: TracedScope;
  span: Span;
  /** Opened from the engine's events (a run resumed after a restart): they also close it. */
  fromEvents: boolean;
}

interface OpenStep {
  scope: TracedScope;
  span: Span;
}

export class OrchestrationTracer {
  readonly #tracing: Tracing;
  readonly #runs = new Map<string, OpenRun>();
  readonly #steps = new Map<string, OpenStep>();

  /** `engine`: the workflow engine, or anything that emits its events as `event`. */
  constructor(
    tracing: Tracing,
    engine: { on(type: "event", listener: (event: WorkflowEvent) => void): unknown },
  ) {
    this.#tracing = tracing;
    engine.on("event", (event) => this.#onEvent(event));
  }

  /** Runs one orchestration inside its `hydra.orchestration` span (a child of the request's, if traced). */
  async run<T>(runId: string, work: () => Promise<T>): Promise<T> {
    const outer = currentTrace();
    const requestId = outer?.requestId ?? currentScope()?.requestId ?? runId;
    const parent = outer?.trace.context ?? ROOT_CONTEXT;
    const span = this.#tracing.start(ORCHESTRATION_SPAN, parent, {
      attributes: { "hydra.run_id": runId, "hydra.request_id": requestId },
    });
    const scope: TracedScope = {
      requestId,
      trace: { ...outer?.trace, tracing: this.#tracing, context: trace.setSpan(parent, span) },
    };
    this.#runs.set(runId, { scope, span, fromEvents: false });
    try {
      return await runInScope(scope, work);
    } catch (error) {
      failSpan(span, error);
      throw error;
    } finally {
      this.#closeRun(runId);
    }
  }

  /** Runs a step's handler inside the scope of its `hydra.step` span. */
  step<T>(runId: string, stepId: string, attempt: number, work: () => Promise<T>): Promise<T> {
    const open = this.#steps.get(stepKey(runId, stepId, attempt));
    if (open !== undefined) return runInScope(open.scope, work);
    return untracedStep(runId, work);
  }

  #onEvent(event: WorkflowEvent): void {
    switch (event.type) {
      case "run.started":
        if (!this.#runs.has(event.runId)) this.#openResumedRun(event.runId);
        this.#runs
          .get(event.runId)
          ?.span.setAttributes({ "hydra.run.steps": event.steps, "hydra.run.resumed": event.resumed });
        return;
      case "step.started":
        this.#openStep(event.runId, event.stepId, event.attempt, event.at, {
          "hydra.step.handler": event.handler,
        });
        return;
      case "step.succeeded":
        this.#closeStep(event.runId, event.stepId, event.attempt, event.at, "succeeded", event.durationMs);
        return;
      case "step.retrying":
        this.#closeStep(
          event.runId,
          event.stepId,
          event.attempt,
          event.at,
          "retrying",
          event.durationMs,
          event.error,
        );
        return;
      case "step.failed":
        this.#closeStep(
          event.runId,
          event.stepId,
          event.attempt,
          event.at,
          "failed",
          event.durationMs,
          event.error,
        );
        return;
      case "step.cancelled":
        this.#closeStep(event.runId, event.stepId, event.attempt, event.at, "cancelled");
        return;
      case "step.cached":
      case "step.skipped": {
        // The handler did not run: a span of no length says so, in its place in the run.
        const reason = event.type === "step.skipped" ? { "hydra.step.reason": event.reason } : {};
        this.#openStep(event.runId, event.stepId, 0, event.at, reason);
        this.#closeStep(
          event.runId,
          event.stepId,
          0,
          event.at,
          event.type === "step.cached" ? "cached" : "skipped",
        );
        return;
      }
      case "run.failed":
        this.#runs.get(event.runId)?.span.setAttribute("hydra.run.failed_steps", event.failedSteps);
        this.#endResumedRun(event.runId, event.error.message);
        return;
      case "run.succeeded":
      case "run.cancelled":
        this.#endResumedRun(event.runId);
        return;
      default:
        return;
    }
  }

  #openResumedRun(runId: string): void {
    const span = this.#tracing.start(ORCHESTRATION_SPAN, ROOT_CONTEXT, {
      attributes: { "hydra.run_id": runId },
    });
    const scope: TracedScope = {
      requestId: runId,
      trace: { tracing: this.#tracing, context: trace.setSpan(ROOT_CONTEXT, span) },
    };
    this.#runs.set(runId, { scope, span, fromEvents: true });
  }

  #endResumedRun(runId: string, error?: string): void {
    const run = this.#runs.get(runId);
    if (run === undefined || !run.fromEvents) return;
    if (error !== undefined) failSpan(run.span, error);
    this.#closeRun(runId);
  }

  #openStep(runId: string, stepId: string, attempt: number, at: number, attributes: Attributes): void {
    const run = this.#runs.get(runId);
    if (run === undefined) return;
    const span = this.#tracing.start(STEP_SPAN, run.scope.trace.context, {
      startTime: at,
      attributes: {
        ...attributes,
        "hydra.run_id": runId,
        "hydra.step_id": stepId,
        "hydra.step.attempt": attempt,
      },
    });
    this.#steps.set(stepKey(runId, stepId, attempt), { scope: within(run.scope, span), span });
  }

  #closeStep(
    runId: string,
    stepId: string,
    attempt: number,
    at: number,
    state: string,
    durationMs?: number,
    error?: { message: string; code?: string | undefined; name?: string | undefined },
  ): void {
    const key = stepKey(runId, stepId, attempt);
    const open = this.#steps.get(key);
    if (open === undefined) return;
    this.#steps.delete(key);
    open.span.setAttribute("hydra.step.state", state);
    if (durationMs !== undefined) open.span.setAttribute("hydra.step.duration_ms", durationMs);
    if (error !== undefined) failSpan(open.span, error.message, error.code ?? error.name);
    open.span.end(at);
  }

  /** Ends the run's span and any step span its engine never closed (the engine stopped under it). */
  #closeRun(runId: string): void {
    const run = this.#runs.get(runId);
    if (run === undefined) return;
    this.#runs.delete(runId);
    const prefix = `${runId}\u0000`;
    for (const [key, open] of this.#steps) {
      if (!key.startsWith(prefix)) continue;
      this.#steps.delete(key);
      open.span.setAttribute("hydra.step.state", "unfinished");
      open.span.end();
    }
    run.span.end();
  }
}

/** The orchestration's scope: traced with `tracer`, else only the request id its calls forward. */
export function orchestrationScope<T>(
  tracer: OrchestrationTracer | undefined,
  runId: string,
  work: () => Promise<T>,
): Promise<T> {
  if (tracer !== undefined) return tracer.run(runId, work);
  return runInScope({ requestId: currentScope()?.requestId ?? runId }, work);
}

/** A step handler's scope: its span's with `tracer`, else the run's (a resumed run: its id). */
export function stepScope<T>(
  tracer: OrchestrationTracer | undefined,
  step: { runId: string; stepId: string; attempt: number },
  work: () => Promise<T>,
): Promise<T> {
  if (tracer !== undefined) return tracer.step(step.runId, step.stepId, step.attempt, work);
  return untracedStep(step.runId, work);
}

function untracedStep<T>(runId: string, work: () => Promise<T>): Promise<T> {
  return currentScope() === undefined ? runInScope({ requestId: runId }, work) : work();
}

function stepKey(runId: string, stepId: string, attempt: number): string {
  return `${runId}\u0000${stepId}\u0000${attempt}`;
}
