import { EventEmitter } from "node:events";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterEach, describe, expect, it } from "vitest";
import type { WorkflowEvent } from "../workflow/events.js";
import { telemetryConfigSchema } from "./config.js";
import { OrchestrationTracer, orchestrationScope, stepScope } from "./orchestration-spans.js";
import { currentScope, currentTrace } from "./scope.js";
import { Tracing } from "./tracing.js";

describe("orchestration spans", () => {
  let exporter = new InMemorySpanExporter();
  let tracing: Tracing | undefined;
  afterEach(async () => {
    await tracing?.shutdown();
  });

  function setUp() {
    // A new exporter each time: shutting a tracer down stops its exporter for good.
    exporter = new InMemorySpanExporter();
    tracing = new Tracing(telemetryConfigSchema.parse({}), exporter);
    const engine = new EventEmitter<{ event: [WorkflowEvent] }>();
    const tracer = new OrchestrationTracer(tracing, engine);
    const emit = (event: WorkflowEvent) => engine.emit("event", event);
    return { tracer, emit };
  }

  async function finished(): Promise<ReadableSpan[]> {
    await tracing?.flush();
    return exporter.getFinishedSpans();
  }

  const at = 1_700_000_000_000;

  it("gives each step attempt a span under the run's, with its state, duration and error", async () => {
    const { tracer, emit } = setUp();
    let stepScopeSeen: ReturnType<typeof currentTrace>;
    await tracer.run("run-1", async () => {
      emit({ type: "run.started", runId: "run-1", at, name: "orchestrate", steps: 3, resumed: false });
      emit({ type: "step.started", runId: "run-1", stepId: "a", at, attempt: 1, handler: "h" });
      await tracer.step("run-1", "a", 1, async () => {
        stepScopeSeen = currentTrace();
      });
      const error = { message: "model went away", name: "UpstreamError" };
      emit({
        type: "step.retrying",
        runId: "run-1",
        stepId: "a",
        at: at + 5,
        attempt: 1,
        durationMs: 5,
        delayMs: 0,
        error,
      });
      emit({ type: "step.started", runId: "run-1", stepId: "a", at: at + 6, attempt: 2, handler: "h" });
      emit({
        type: "step.succeeded",
        runId: "run-1",
        stepId: "a",
        at: at + 9,
        attempt: 2,
        durationMs: 3,
        output: null,
      });
      emit({
        type: "step.cached",
        runId: "run-1",
        stepId: "b",
        at: at + 9,
        cacheKey: "k",
        output: null,
        durationMs: 0,
      });
      emit({ type: "step.skipped", runId: "run-1", stepId: "c", at: at + 9, reason: "a dependency failed" });
    });
    const spans = await finished();
    const run = spans.find((span) => span.name === "hydra.orchestration");
    expect(run?.attributes).toMatchObject({
      "hydra.run_id": "run-1",
      "hydra.request_id": "run-1",
      "hydra.run.steps": 3,
    });
    const steps = spans.filter((span) => span.name === "hydra.step");
    expect(
      steps.map((span) => [
        span.attributes["hydra.step_id"],
        span.attributes["hydra.step.attempt"],
        span.attributes["hydra.step.state"],
      ]),
    ).toEqual([
      ["a", 1, "retrying"],
      ["a", 2, "succeeded"],
      ["b", 0, "cached"],
      ["c", 0, "skipped"],
    ]);
    for (const step of steps) expect(step.parentSpanContext?.spanId).toBe(run?.spanContext().spanId);
    const [retried, succeeded] = steps as [ReadableSpan, ReadableSpan];
    expect(retried.status).toEqual({ code: SpanStatusCode.ERROR, message: "model went away" });
    expect(retried.attributes["error.type"]).toBe("UpstreamError");
    expect(retried.attributes["hydra.step.duration_ms"]).toBe(5);
    expect(succeeded.status.code).toBe(SpanStatusCode.UNSET);
    // The handler ran in the first attempt's scope: what it starts is that span's child.
    expect(stepScopeSeen?.requestId).toBe("run-1");
    expect(trace.getSpan(stepScopeSeen?.trace.context ?? ({} as never))?.spanContext().spanId).toBe(
      retried.spanContext().spanId,
    );
  });

  it("marks a failed run and ends the step spans its engine left open", async () => {
    const { tracer, emit } = setUp();
    await expect(
      tracer.run("run-2", async () => {
        emit({ type: "step.started", runId: "run-2", stepId: "a", at, attempt: 1, handler: "h" });
        throw new Error("orchestration run-2 failed");
      }),
    ).rejects.toThrow("run-2 failed");
    const spans = await finished();
    expect(spans.find((span) => span.name === "hydra.orchestration")?.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: "orchestration run-2 failed",
    });
    expect(spans.find((span) => span.name === "hydra.step")?.attributes["hydra.step.state"]).toBe(
      "unfinished",
    );
  });

  it("traces a run resumed after a restart from its events alone", async () => {
    const { emit } = setUp();
    emit({ type: "run.started", runId: "old", at, name: "orchestrate", steps: 1, resumed: true });
    emit({ type: "step.started", runId: "old", stepId: "a", at, attempt: 2, handler: "h" });
    emit({
      type: "step.failed",
      runId: "old",
      stepId: "a",
      at: at + 1,
      attempt: 2,
      durationMs: 1,
      error: { message: "no" },
    });
    emit({
      type: "run.failed",
      runId: "old",
      at: at + 1,
      durationMs: 1,
      error: { message: "step a failed" },
      failedSteps: ["a"],
    });
    const spans = await finished();
    const run = spans.find((span) => span.name === "hydra.orchestration");
    expect(run?.attributes).toMatchObject({ "hydra.run.resumed": true, "hydra.run.failed_steps": ["a"] });
    expect(run?.status.code).toBe(SpanStatusCode.ERROR);
    expect(spans.find((span) => span.name === "hydra.step")?.parentSpanContext?.spanId).toBe(
      run?.spanContext().spanId,
    );
  });

  it("without a tracer, forwards the run id, or the request's id when one is in scope", async () => {
    expect(currentScope()).toBeUndefined();
    const seen = await orchestrationScope(undefined, "run-3", async () =>
      stepScope(undefined, { runId: "run-3", stepId: "a", attempt: 1 }, async () => currentScope()),
    );
    expect(seen).toEqual({ requestId: "run-3" });
    const resumed = await stepScope(undefined, { runId: "run-4", stepId: "a", attempt: 1 }, async () =>
      currentScope(),
    );
    expect(resumed).toEqual({ requestId: "run-4" });
  });
});
