import { afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { ModelNotFoundError } from "../errors.js";
import { WorkflowEngine, type WorkflowEngineOptions } from "./engine.js";
import {
  NonRetryableStepError,
  StepInputError,
  WorkflowEngineClosedError,
  WorkflowHandlerNotFoundError,
  WorkflowRunExistsError,
  WorkflowRunNotFoundError,
} from "./errors.js";
import { MemoryRunStore } from "./run-log/memory.js";
import type { CacheEntry, StepChange } from "./run-log.js";
import { events, gate, nextEvent, recordEvents, settle } from "./test-support.js";
import type { JsonValue, StepDefinition, WorkflowDefinition } from "./types.js";

const engines: WorkflowEngine[] = [];

afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
});

function makeEngine(options: Partial<WorkflowEngineOptions> = {}): WorkflowEngine {
  const engine = new WorkflowEngine({
    store: new MemoryRunStore(),
    defaults: { retry: { maxAttempts: 3, baseDelayMs: 0, maxDelayMs: 0 }, timeoutMs: 0 },
    ...options,
  });
  engines.push(engine);
  return engine;
}

/** Starts a run and waits for its end. */
async function run(engine: WorkflowEngine, definition: WorkflowDefinition, input?: JsonValue) {
  return engine.wait(await engine.start(definition, input));
}

function workflow(steps: StepDefinition[], extra: Partial<WorkflowDefinition> = {}): WorkflowDefinition {
  return { name: "test", steps, ...extra };
}

describe("WorkflowEngine: running a DAG", () => {
  it("runs a diamond, handing each step its input, the run input and its dependencies' outputs", async () => {
    const engine = makeEngine();
    engine.register("add", ({ input, deps, runInput }) => {
      const base = (runInput as { base: number }).base;
      const fromDeps = Object.values(deps).reduce<number>((sum, value) => sum + (value as number), 0);
      return base + (input as number) + fromDeps;
    });
    const runId = await engine.start(
      workflow([
        { id: "a", run: "add", input: 1 },
        { id: "b", run: "add", input: 10, dependsOn: ["a"] },
        { id: "c", run: "add", input: 100, dependsOn: ["a"] },
        { id: "d", run: "add", input: 1000, dependsOn: ["b", "c"] },
      ]),
      { base: 0.5 },
    );
    const result = await engine.wait(runId);
    expect(result.state).toBe("succeeded");
    // a = 0.5 + 1, b = 0.5 + 10 + a, c = 0.5 + 100 + a, d = 0.5 + 1000 + b + c
    expect(result.outputs).toEqual({ a: 1.5, b: 12, c: 102, d: 1114.5 });
    expect(result.levels).toEqual([["a"], ["b", "c"], ["d"]]);
    expect(result.steps.map((step) => [step.stepId, step.state, step.attempt])).toEqual([
      ["a", "succeeded", 1],
      ["b", "succeeded", 1],
      ["c", "succeeded", 1],
      ["d", "succeeded", 1],
    ]);
    const stored = await engine.get(runId);
    expect(stored?.state).toBe("succeeded");
    expect(stored?.outputs).toEqual(result.outputs);
  });

  it("emits run.started first, each step's started before its succeeded, run.succeeded last", async () => {
    const engine = makeEngine();
    engine.register("noop", () => null);
    const seen = recordEvents(engine);
    const runId = await engine.start(
      workflow([
        { id: "a", run: "noop" },
        { id: "b", run: "noop", dependsOn: ["a"] },
      ]),
    );
    await engine.wait(runId);
    expect(seen.map((event) => `${event.type}${"stepId" in event ? `:${event.stepId}` : ""}`)).toEqual([
      "run.started",
      "step.started:a",
      "step.succeeded:a",
      "step.started:b",
      "step.succeeded:b",
      "run.succeeded",
    ]);
    expect(seen.every((event) => event.runId === runId)).toBe(true);
  });

  it("runs independent branches at the same time", async () => {
    const engine = makeEngine({ concurrency: 8 });
    const release = gate();
    let running = 0;
    let most = 0;
    engine.register("hold", async () => {
      running++;
      most = Math.max(most, running);
      await release.promise;
      running--;
      return null;
    });
    const started = events(engine, "step.started", 4);
    const runId = await engine.start(
      workflow([{ id: "root", run: "hold" }, ...["x", "y", "z"].map((id) => ({ id, run: "hold" }))]),
    );
    const first = await started;
    // All four are inside their handlers at once, before any of them may finish.
    expect(first.map((event) => event.stepId).sort()).toEqual(["root", "x", "y", "z"]);
    expect(running).toBe(4);
    release.open();
    expect((await engine.wait(runId)).state).toBe("succeeded");
    expect(most).toBe(4);
  });

  it("never runs more steps at once than the concurrency limit, across runs", async () => {
    const engine = makeEngine({ concurrency: 3 });
    const release = gate();
    let running = 0;
    let most = 0;
    engine.register("hold", async () => {
      running++;
      most = Math.max(most, running);
      await release.promise;
      running--;
      return null;
    });
    const started = events(engine, "step.started", 3);
    const steps = Array.from({ length: 6 }, (_, i) => ({ id: `s${i}`, run: "hold" }));
    const runs = [await engine.start(workflow(steps)), await engine.start(workflow(steps))];
    await started;
    await settle();
    expect(running).toBe(3);
    expect(engine.load).toEqual({ active: 3, waiting: 9, limit: 3 });
    release.open();
    for (const runId of runs) expect((await engine.wait(runId)).state).toBe("succeeded");
    expect(most).toBe(3);
  });

  it("starts a dependent as soon as its last dependency succeeds, while other branches still run", async () => {
    const engine = makeEngine();
    const slow = gate();
    engine.register("quick", () => "q");
    engine.register("slow", async () => {
      await slow.promise;
      return "s";
    });
    const dependentStarted = nextEvent(engine, "step.started", (event) => event.stepId === "after-quick");
    const runId = await engine.start(
      workflow([
        { id: "quick", run: "quick" },
        { id: "slow", run: "slow" },
        { id: "after-quick", run: "quick", dependsOn: ["quick"] },
      ]),
    );
    await dependentStarted;
    expect((await engine.get(runId))?.steps.find((step) => step.stepId === "slow")?.state).toBe("running");
    slow.open();
    expect((await engine.wait(runId)).state).toBe("succeeded");
  });

  it("forwards progress reports as step.progress events", async () => {
    const engine = makeEngine();
    engine.register("talk", ({ emit }) => {
      emit({ done: 1, of: 2 });
      emit({ done: 2, of: 2 });
      return "ok";
    });
    const progress = events(engine, "step.progress", 2);
    const runId = await engine.start(workflow([{ id: "t", run: "talk" }]));
    expect((await progress).map((event) => event.progress)).toEqual([
      { done: 1, of: 2 },
      { done: 2, of: 2 },
    ]);
    await engine.wait(runId);
  });

  it("stores outputs as JSON: undefined becomes null, Dates become strings", async () => {
    const engine = makeEngine();
    engine.register("odd", ({ input }) => (input === "date" ? { at: new Date(0) } : undefined));
    const result = await run(
      engine,
      workflow([
        { id: "u", run: "odd", input: "undefined" },
        { id: "d", run: "odd", input: "date" },
      ]),
    );
    expect(result.outputs).toEqual({ u: null, d: { at: "1970-01-01T00:00:00.000Z" } });
  });
});

describe("WorkflowEngine: retries and failures", () => {
  it("retries a failing step with back-off until it succeeds", async () => {
    const engine = makeEngine({ random: () => 0.5 });
    const attempts: number[] = [];
    engine.register("flaky", ({ attempt }) => {
      attempts.push(attempt);
      if (attempt < 3) throw new Error(`boom ${attempt}`);
      return "finally";
    });
    const retrying = events(engine, "step.retrying", 2);
    const result = await run(
      engine,
      workflow([{ id: "f", run: "flaky", retry: { maxAttempts: 3, baseDelayMs: 4, maxDelayMs: 100 } }]),
    );
    expect(result.state).toBe("succeeded");
    expect(result.outputs.f).toBe("finally");
    expect(attempts).toEqual([1, 2, 3]);
    const retries = await retrying;
    expect(retries.map((event) => [event.attempt, event.error.message, event.delayMs])).toEqual([
      [1, "boom 1", 2], // full jitter: random 0.5 × 4·2^0
      [2, "boom 2", 4], // 0.5 × 4·2^1
    ]);
    expect(result.steps[0]?.attempt).toBe(3);
  });

  it("fails the run when retries run out, skipping dependents and steps not yet started (onFailure: stop)", async () => {
    const engine = makeEngine();
    const sideRelease = gate();
    engine.register("fail", () => {
      throw new Error("always");
    });
    engine.register("side", async () => {
      await sideRelease.promise;
      return "side done";
    });
    engine.register("ok", () => "ok");
    const sideStarted = nextEvent(engine, "step.started", (event) => event.stepId === "side");
    const failed = nextEvent(engine, "step.failed");
    const runId = await engine.start(
      workflow([
        { id: "side", run: "side" },
        { id: "bad", run: "fail", retry: { maxAttempts: 2 } },
        { id: "after-bad", run: "ok", dependsOn: ["bad"] },
        { id: "after-side", run: "ok", dependsOn: ["side"] },
      ]),
    );
    await sideStarted;
    const failure = await failed;
    expect(failure.stepId).toBe("bad");
    expect(failure.attempt).toBe(2);
    sideRelease.open();
    const result = await engine.wait(runId);
    expect(result.state).toBe("failed");
    expect(result.error?.code).toBe("HYDRA_ERR_WORKFLOW_STEP_FAILED");
    expect(result.error?.message).toBe('step "bad" failed after 2 attempts: always');
    const states = Object.fromEntries(result.steps.map((step) => [step.stepId, step.state]));
    // The step already running finishes and keeps its output; nothing new starts.
    expect(states).toEqual({
      side: "succeeded",
      bad: "failed",
      "after-bad": "skipped",
      "after-side": "skipped",
    });
    expect(result.outputs).toEqual({ side: "side done" });
    const skipped = result.steps.find((step) => step.stepId === "after-bad");
    expect(skipped?.error?.message).toBe('not run: its dependency "bad" failed');
  });

  it("with onFailure: continue, runs independent branches to the end and skips only dependents", async () => {
    const engine = makeEngine();
    engine.register("fail", () => {
      throw new NonRetryableStepError("no");
    });
    engine.register("ok", () => "ok");
    const runId = await engine.start(
      workflow(
        [
          { id: "bad", run: "fail" },
          { id: "child", run: "ok", dependsOn: ["bad"] },
          { id: "grandchild", run: "ok", dependsOn: ["child"] },
          { id: "free", run: "ok" },
          { id: "free-2", run: "ok", dependsOn: ["free"] },
        ],
        { onFailure: "continue" },
      ),
    );
    const result = await engine.wait(runId);
    expect(result.state).toBe("failed");
    expect(Object.fromEntries(result.steps.map((step) => [step.stepId, step.state]))).toEqual({
      bad: "failed",
      child: "skipped",
      grandchild: "skipped",
      free: "succeeded",
      "free-2": "succeeded",
    });
    const run = await engine.list();
    expect(run[0]).toMatchObject({ id: runId, state: "failed" });
  });

  it("does not retry a NonRetryableStepError", async () => {
    const engine = makeEngine();
    let calls = 0;
    engine.register("refuse", () => {
      calls++;
      throw new NonRetryableStepError("the prompt is empty");
    });
    const result = await run(engine, workflow([{ id: "r", run: "refuse", retry: { maxAttempts: 5 } }]));
    expect(calls).toBe(1);
    expect(result.steps[0]?.error).toEqual({
      message: "the prompt is empty",
      code: "HYDRA_ERR_WORKFLOW_STEP_PERMANENT",
      name: "NonRetryableStepError",
    });
  });

  it("does not retry client errors such as an unknown model", async () => {
    const engine = makeEngine();
    let calls = 0;
    engine.register("ask", () => {
      calls++;
      throw new ModelNotFoundError("nope:1b");
    });
    expect((await run(engine, workflow([{ id: "ask", run: "ask" }]))).state).toBe("failed");
    expect(calls).toBe(1);
  });

  it("fails an attempt that outlives its timeout, retries it, and reports a clear error", async () => {
    const engine = makeEngine();
    const signals: AbortSignal[] = [];
    engine.register("hang", ({ signal }) => {
      signals.push(signal);
      return new Promise(() => {}); // ignores its signal: the engine stops waiting anyway
    });
    const result = await run(
      engine,
      workflow([{ id: "h", run: "hang", timeoutMs: 20, retry: { maxAttempts: 2 } }]),
    );
    expect(result.state).toBe("failed");
    expect(result.steps[0]?.attempt).toBe(2);
    expect(result.steps[0]?.error?.code).toBe("HYDRA_ERR_WORKFLOW_STEP_TIMEOUT");
    expect(result.steps[0]?.error?.message).toBe(
      'step "h" timed out after 20 ms; raise the step\'s timeoutMs (or workflow.timeoutMs) or make its handler faster',
    );
    expect(signals.map((signal) => signal.aborted)).toEqual([true, true]);
  });

  it("succeeds on the retry after a timeout", async () => {
    const engine = makeEngine();
    engine.register("slow-first", ({ attempt }) => (attempt === 1 ? new Promise(() => {}) : "second"));
    const result = await run(engine, workflow([{ id: "s", run: "slow-first", timeoutMs: 10 }]));
    expect(result.outputs.s).toBe("second");
    expect(result.steps[0]?.attempt).toBe(2);
  });

  it("refuses an output JSON cannot hold, without retrying", async () => {
    const engine = makeEngine();
    let calls = 0;
    engine.register("bigint", () => {
      calls++;
      return 10n as unknown as JsonValue;
    });
    const result = await run(engine, workflow([{ id: "b", run: "bigint" }]));
    expect(result.state).toBe("failed");
    expect(calls).toBe(1);
    expect(result.steps[0]?.error?.code).toBe("HYDRA_ERR_WORKFLOW_STEP_OUTPUT");
  });

  it("keeps running when an event listener throws", async () => {
    const engine = makeEngine();
    engine.register("noop", () => null);
    engine.on("step.started", () => {
      throw new Error("listener bug");
    });
    expect((await run(engine, workflow([{ id: "a", run: "noop" }]))).state).toBe("succeeded");
  });
});

describe("WorkflowEngine: typed handlers", () => {
  it("checks static inputs against the handler's schema before storing the run", async () => {
    const store = new MemoryRunStore();
    const engine = makeEngine({ store });
    engine.register("square", ({ input }) => input.n * input.n, {
      input: z.object({ n: z.number() }),
      output: z.number(),
    });
    await expect(
      engine.start(workflow([{ id: "s", run: "square", input: { n: "two" } }])),
    ).rejects.toBeInstanceOf(StepInputError);
    expect(await store.listRuns()).toEqual([]);
    expect((await run(engine, workflow([{ id: "s", run: "square", input: { n: 7 } }]))).outputs.s).toBe(49);
  });

  it("retries an output that fails the output schema, then fails the step", async () => {
    const engine = makeEngine();
    let calls = 0;
    engine.register(
      "answer",
      () => {
        calls++;
        return { answer: 42 } as unknown as { answer: string };
      },
      { output: z.object({ answer: z.string() }) },
    );
    const result = await run(engine, workflow([{ id: "a", run: "answer", retry: { maxAttempts: 2 } }]));
    expect(calls).toBe(2);
    expect(result.steps[0]?.error?.message).toMatch(
      /^step "a": handler "answer" returned an unusable output: answer:/,
    );
  });

  it("refuses a definition naming an unregistered handler, storing nothing", async () => {
    const store = new MemoryRunStore();
    const engine = makeEngine({ store });
    engine.register("known", () => null);
    const error = await engine
      .start(workflow([{ id: "x", run: "unknown" }]))
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WorkflowHandlerNotFoundError);
    expect((error as Error).message).toContain('engine.register("unknown", handler)');
    expect((error as Error).message).toContain("registered: known");
    expect(await store.listRuns()).toEqual([]);
  });

  it("refuses to register a name twice", () => {
    const engine = makeEngine();
    engine.register("x", () => null);
    expect(() => engine.register("x", () => null)).toThrow(/already registered/);
  });
});

describe("WorkflowEngine: cancellation", () => {
  it("aborts running steps, cancels the rest and reports the run cancelled", async () => {
    const engine = makeEngine();
    const aborted = gate<unknown>();
    engine.register("listen", ({ signal }) => {
      return new Promise((_, reject) => {
        signal.addEventListener("abort", () => {
          aborted.open(signal.reason);
          reject(signal.reason);
        });
      });
    });
    engine.register("ok", () => "ok");
    const started = nextEvent(engine, "step.started", (event) => event.stepId === "long");
    const runId = await engine.start(
      workflow([
        { id: "quick", run: "ok" },
        { id: "long", run: "listen", dependsOn: ["quick"] },
        { id: "after", run: "ok", dependsOn: ["long"] },
      ]),
    );
    await started;
    const cancelled = nextEvent(engine, "run.cancelled");
    expect(await engine.cancel(runId)).toBe(true);
    expect((await aborted.promise) as Error).toMatchObject({ code: "HYDRA_ERR_WORKFLOW_CANCELLED" });
    await cancelled;
    const result = await engine.wait(runId);
    expect(result.state).toBe("cancelled");
    expect(Object.fromEntries(result.steps.map((step) => [step.stepId, step.state]))).toEqual({
      quick: "succeeded",
      long: "cancelled",
      after: "cancelled",
    });
    expect(await engine.cancel(runId)).toBe(false);
    expect((await engine.get(runId))?.state).toBe("cancelled");
  });

  it("cancels a step waiting out a long back-off at once", async () => {
    const engine = makeEngine();
    engine.register("fail", () => {
      throw new Error("transient");
    });
    const retrying = nextEvent(engine, "step.retrying");
    const runId = await engine.start(
      workflow([
        { id: "f", run: "fail", retry: { maxAttempts: 5, baseDelayMs: 3_600_000, maxDelayMs: 3_600_000 } },
      ]),
      null,
    );
    await retrying;
    expect(await engine.cancel(runId)).toBe(true);
    expect((await engine.wait(runId)).steps[0]?.state).toBe("cancelled");
  });

  it("cancels steps still waiting for a concurrency slot", async () => {
    const engine = makeEngine({ concurrency: 1 });
    const hold = gate();
    engine.register("hold", async ({ signal }) => {
      await Promise.race([
        hold.promise,
        new Promise((_, reject) => signal.addEventListener("abort", reject)),
      ]);
      return null;
    });
    const started = nextEvent(engine, "step.started");
    const runId = await engine.start(
      workflow([
        { id: "a", run: "hold" },
        { id: "b", run: "hold" },
      ]),
    );
    await started;
    expect(engine.load.waiting).toBe(1);
    await engine.cancel(runId);
    expect(engine.load).toEqual({ active: 0, waiting: 0, limit: 1 });
    expect((await engine.wait(runId)).steps.map((step) => step.state)).toEqual(["cancelled", "cancelled"]);
  });

  it("cancels a run that no engine drives directly in the log", async () => {
    const store = new MemoryRunStore();
    const first = makeEngine({ store });
    first.register("hang", () => new Promise(() => {}));
    const started = nextEvent(first, "step.started");
    const runId = await first.start(workflow([{ id: "h", run: "hang" }]));
    await started;
    await first.close();
    const second = makeEngine({ store });
    expect(await second.cancel(runId)).toBe(true);
    const record = await store.loadRun(runId);
    expect(record?.state).toBe("cancelled");
    expect(record?.steps[0]?.state).toBe("cancelled");
  });
});

describe("WorkflowEngine: step cache", () => {
  it("uses a stored output for a step whose cache key is known, without running it", async () => {
    const engine = makeEngine();
    let calls = 0;
    engine.register("expensive", ({ input }) => {
      calls++;
      return { answer: input };
    });
    const definition = workflow([
      { id: "e", run: "expensive", input: "q", cacheKey: "q-v1" },
      { id: "next", run: "expensive", input: "n", dependsOn: ["e"] },
    ]);
    const first = await run(engine, definition);
    expect(calls).toBe(2);
    const cached = nextEvent(engine, "step.cached");
    const second = await run(engine, definition);
    expect(calls).toBe(3); // only "next" ran again
    expect((await cached).cacheKey).toBe("q-v1");
    expect(second.outputs).toEqual(first.outputs);
    expect(second.steps[0]).toMatchObject({ stepId: "e", state: "succeeded", cached: true, attempt: 0 });
  });

  it("keeps cache entries apart per handler", async () => {
    const engine = makeEngine();
    engine.register("one", () => 1);
    engine.register("two", () => 2);
    await run(engine, workflow([{ id: "a", run: "one", cacheKey: "k" }]));
    const result = await run(engine, workflow([{ id: "a", run: "two", cacheKey: "k" }]));
    expect(result.outputs.a).toBe(2);
    expect(result.steps[0]?.cached).toBe(false);
  });

  it("does not cache a failed step", async () => {
    const engine = makeEngine();
    let calls = 0;
    engine.register("fails-once", () => {
      calls++;
      if (calls === 1) throw new NonRetryableStepError("first run fails");
      return "second";
    });
    const definition = workflow([{ id: "a", run: "fails-once", cacheKey: "k" }]);
    expect((await run(engine, definition)).state).toBe("failed");
    expect((await run(engine, definition)).outputs.a).toBe("second");
  });
});

describe("WorkflowEngine: runs, resume and shutdown", () => {
  it("refuses a run id that is taken", async () => {
    const engine = makeEngine();
    engine.register("noop", () => null);
    await engine.start(workflow([{ id: "a", run: "noop" }]), null, { runId: "fixed" });
    await expect(
      engine.start(workflow([{ id: "a", run: "noop" }]), null, { runId: "fixed" }),
    ).rejects.toBeInstanceOf(WorkflowRunExistsError);
  });

  it("answers unknown runs clearly", async () => {
    const engine = makeEngine();
    expect(await engine.get("nope")).toBeUndefined();
    await expect(engine.wait("nope")).rejects.toBeInstanceOf(WorkflowRunNotFoundError);
    await expect(engine.cancel("nope")).rejects.toBeInstanceOf(WorkflowRunNotFoundError);
    await expect(engine.resume("nope")).rejects.toBeInstanceOf(WorkflowRunNotFoundError);
  });

  it("resumes a run left unfinished by a closed engine: finished steps are not redone", async () => {
    const store = new MemoryRunStore();
    const first = makeEngine({ store });
    const calls: string[] = [];
    first.register("work", ({ stepId }) => {
      calls.push(`first:${stepId}`);
      return stepId === "b" ? new Promise(() => {}) : `${stepId} by first`;
    });
    const bStarted = nextEvent(first, "step.started", (event) => event.stepId === "b");
    const definition = workflow([
      { id: "a", run: "work" },
      { id: "b", run: "work", dependsOn: ["a"] },
      { id: "c", run: "work", dependsOn: ["b"] },
    ]);
    const runId = await first.start(definition);
    await bStarted;
    const waiting = first.wait(runId);
    await first.close();
    await expect(waiting).rejects.toBeInstanceOf(WorkflowEngineClosedError);
    expect((await store.loadRun(runId))?.steps.map((step) => step.state)).toEqual([
      "succeeded",
      "running",
      "pending",
    ]);

    const second = makeEngine({ store });
    second.register("work", ({ stepId, attempt }) => {
      calls.push(`second:${stepId}:${attempt}`);
      return `${stepId} by second`;
    });
    const started = nextEvent(second, "run.started");
    expect(await second.resumeAll()).toEqual({ resumed: [runId], failed: [] });
    expect((await started).resumed).toBe(true);
    const result = await second.wait(runId);
    expect(result.state).toBe("succeeded");
    expect(result.outputs).toEqual({ a: "a by first", b: "b by second", c: "c by second" });
    // The interrupted attempt of b is not counted: it runs again as attempt 1.
    expect(calls).toEqual(["first:a", "first:b", "second:b:1", "second:c:1"]);
  });

  it("leaves a run unfinished when a handler it needs is not registered, and says so", async () => {
    const store = new MemoryRunStore();
    const first = makeEngine({ store });
    first.register("hang", () => new Promise(() => {}));
    const started = nextEvent(first, "step.started");
    const runId = await first.start(workflow([{ id: "h", run: "hang" }]));
    await started;
    await first.close();
    const second = makeEngine({ store });
    const result = await second.resumeAll();
    expect(result.resumed).toEqual([]);
    expect(result.failed[0]?.runId).toBe(runId);
    expect(result.failed[0]?.error).toBeInstanceOf(WorkflowHandlerNotFoundError);
    expect((await store.loadRun(runId))?.state).toBe("running");
    await expect(second.wait(runId)).rejects.toThrow(/call resume/);
  });

  it("resumes a run whose step had failed for good into a failed run, without running anything", async () => {
    const store = new MemoryRunStore();
    const engine = makeEngine({ store });
    let calls = 0;
    engine.register("count", () => {
      calls++;
      return null;
    });
    const spec = {
      name: "x",
      onFailure: "stop" as const,
      steps: ["a", "b"].map((id, i) => ({
        id,
        run: "count",
        dependsOn: i === 0 ? [] : ["a"],
        input: null,
        retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
        timeoutMs: 0,
      })),
    };
    await store.createRun({ id: "r", spec, input: null, createdAt: 1 });
    await store.recordStepState("r", {
      stepId: "a",
      state: "failed",
      attempt: 1,
      error: { message: "died" },
    });
    expect(await engine.resume("r")).toBe(true);
    const result = await engine.wait("r");
    expect(result.state).toBe("failed");
    expect(result.error?.message).toBe('step "a" failed after 1 attempt: died');
    expect(result.steps[1]?.state).toBe("skipped");
    expect(calls).toBe(0);
    expect(await engine.resume("r")).toBe(false);
  });

  it("takes a step's committed output when the log already holds it as succeeded", async () => {
    const store = new MemoryRunStore();
    const engine = makeEngine({ store });
    const first = gate();
    const ran: string[] = [];
    engine.register("work", async ({ stepId }) => {
      ran.push(stepId);
      if (stepId === "a") await first.promise;
      return `${stepId} here`;
    });
    const started = nextEvent(engine, "step.started");
    const runId = await engine.start(
      workflow([
        { id: "a", run: "work" },
        { id: "b", run: "work", dependsOn: ["a"] },
      ]),
    );
    await started;
    // Another engine (by mistake) finished b meanwhile: its committed output must win.
    await store.recordStepState(runId, {
      stepId: "b",
      state: "succeeded",
      attempt: 1,
      outputJson: '"b elsewhere"',
    });
    first.open();
    const result = await engine.wait(runId);
    expect(result.outputs).toEqual({ a: "a here", b: "b elsewhere" });
    expect(ran).toEqual(["a"]);
  });

  it("stops a run whose log cannot be written, reports it failed, and leaves it for a later resume", async () => {
    /** A log that refuses writes once told to, like a full disk or a PostgreSQL outage. */
    class FailingStore extends MemoryRunStore {
      failing = false;
      override async recordStepState(
        runId: string,
        changes: StepChange | readonly StepChange[],
        cache?: CacheEntry,
      ): Promise<number> {
        if (this.failing) throw new Error("disk full");
        return super.recordStepState(runId, changes, cache);
      }
    }
    const store = new FailingStore();
    const engine = makeEngine({ store });
    const hold = gate();
    const aborted = gate();
    engine.register("work", async ({ stepId, signal }) => {
      if (stepId === "one") return "one";
      signal.addEventListener("abort", () => aborted.open());
      await hold.promise;
      return stepId;
    });
    const started = nextEvent(engine, "step.started", (event) => event.stepId === "two");
    const failed = nextEvent(engine, "run.failed");
    const runId = await engine.start(
      workflow([
        { id: "one", run: "work" },
        { id: "two", run: "work", dependsOn: ["one"] },
      ]),
    );
    const waiting = engine.wait(runId);
    await started;
    store.failing = true;
    hold.open();
    const event = await failed;
    expect(event.error.message).toBe("disk full");
    expect(await waiting).toMatchObject({ state: "failed", error: { message: "disk full" } });
    // The engine no longer drives it; the log says what to do.
    await expect(engine.wait(runId)).rejects.toThrow(/call resume/);
    // The log still holds the run as unfinished, with what it had committed.
    const record = await store.loadRun(runId);
    expect(record?.state).toBe("running");
    expect(record?.steps.map((step) => step.state)).toEqual(["succeeded", "running"]);
    store.failing = false;
    expect(await engine.resume(runId)).toBe(true);
    expect((await engine.wait(runId)).outputs).toEqual({ one: "one", two: "two" });
  });

  it("refuses new work after close", async () => {
    const engine = makeEngine();
    engine.register("noop", () => null);
    await engine.close();
    await expect(engine.start(workflow([{ id: "a", run: "noop" }]))).rejects.toBeInstanceOf(
      WorkflowEngineClosedError,
    );
    await expect(engine.resume("x")).rejects.toBeInstanceOf(WorkflowEngineClosedError);
  });
});
