/**
 * The orchestration pipeline: analyse the request, decompose it into a DAG of subtasks, run the
 * DAG on the workflow engine (independent subtasks in parallel, each fanned out to several
 * models in parallel through the pool), synthesise each subtask's candidates, and assemble the
 * answer with its confidence and trace. The plan is made before the run starts; the run itself
 * is durable: after a crash it resumes and no finished subtask is asked again.
 */
import { EventEmitter } from "node:events";
import { BadRequestError } from "../errors.js";
import type { SemanticMemory } from "../memory/vector/semantic-memory.js";
import { type OrchestrationTracer, orchestrationScope, stepScope } from "../telemetry/orchestration-spans.js";
import type { WorkflowEngine } from "../workflow/engine.js";
import type { WorkflowEvent } from "../workflow/events.js";
import type { JsonValue } from "../workflow/types.js";
import {
  ANALYSIS_SCHEMA,
  type Analysis,
  analysisMessages,
  heuristicAnalysis,
  parseAnalysis,
} from "./analyze.js";
import { chooseModels } from "./choose-models.js";
import type { OrchestratorConfig, SubtaskType, SynthesisStrategyName } from "./config.js";
import {
  DECOMPOSITION_SCHEMA,
  decompositionMessages,
  fallbackPlan,
  type Plan,
  planFromAnswer,
  type Subtask,
} from "./decompose.js";
import type { ModelAnswer, ModelCaller } from "./model-client.js";
import { aggregateMessages, assembleAnswer, type SubtaskResult, subtaskMessages } from "./prompts.js";
import {
  cacheEligible,
  cacheFilter,
  exampleFromHit,
  formatExamples,
  isCacheHit,
  requestText,
  SOLUTIONS_NAMESPACE,
  type SolutionExample,
  type SolutionRef,
  solutionMetadata,
  storedResult,
} from "./solution-memory.js";

export interface OrchestrateRequest {
  prompt: string;
  context?: string;
  /** Models to fan out to instead of the configured ones. */
  models?: string[];
  strategy?: SynthesisStrategyName;
  /** Tests the answer must pass (code): assert statements, trusted more than model-written ones. */
  tests?: string[];
  priority?: number;
  /** Reuse a past result for a close enough request (overrides `semanticCache.enabled`). */
  semanticCache?: boolean;
}

/** One subtask's synthesis, as the step stores it. */
export interface SubtaskOutput extends SubtaskResult {
  strategy: SynthesisStrategyName | "single";
  chosen: { model: string; node: string } | null;
  reason: string;
  candidates: { model: string; node: string; durationMs: number; outputTokens: number }[];
}

export interface Synthesis {
  /** Index into the candidates of the chosen one, or undefined when the text was written anew. */
  chosenIndex: number | undefined;
  text: string;
  reason: string;
  confidence: number;
}

/** Combines candidates by evidence (`vote`, `verify`); `aggregate` is done here with a model call. */
export type Synthesizer = (
  strategy: "vote" | "verify",
  candidates: readonly ModelAnswer[],
  options: { tests?: readonly string[]; subtask: Subtask; signal: AbortSignal },
) => Promise<Synthesis>;

export type OrchestratorEvent =
  | { type: "analysis"; runId: string; analysis: Analysis }
  | { type: "plan"; runId: string; plan: Plan; models: Record<string, string[]> }
  | { type: "workflow"; runId: string; event: WorkflowEvent }
  | { type: "final"; runId: string; answer: string; confidence: number }
  /** Past solutions given to the planner and the aggregator as examples. */
  | { type: "memory"; runId: string; solutions: { id: string; score: number }[] }
  /** The result is a past run's (semantic cache hit). */
  | { type: "cache"; runId: string; cachedRunId: string; similarity: number };

export interface OrchestrationResult {
  runId: string;
  answer: string;
  confidence: number;
  analysis: Analysis;
  plan: Plan;
  subtasks: Record<string, SubtaskOutput>;
  durationMs: number;
  /** The past solutions this run was given as examples (id in semantic memory, its run, similarity). */
  solutions?: SolutionRef[];
  /** Set when the result is a past run's, reused from the semantic cache. */
  cached?: { runId: string; similarity: number };
}

/** The result as it is stored for the cache: what a later hit returns. */
type StoredResult = Omit<OrchestrationResult, "cached" | "durationMs" | "solutions">;

interface SubtaskInput {
  subtask: Subtask;
  models: string[];
  strategy: SynthesisStrategyName | "single";
}

interface RunInput {
  prompt: string;
  context: string | null;
  tests: string[];
  priority: number | null;
  plan: Plan;
  /** Past solutions, formatted for the aggregator (absent in runs logged before solution memory). */
  examples?: string;
}

export const SUBTASK_HANDLER = "hydra.subtask";
export const STRATEGIES_FOR_REQUEST: readonly string[] = ["aggregate", "vote", "verify"];

export interface OrchestratorOptions {
  engine: WorkflowEngine;
  call: ModelCaller;
  config: OrchestratorConfig;
  /** Models some node in the cluster has now (canonical names). */
  availableModels: () => Promise<ReadonlySet<string>>;
  synthesize: Synthesizer;
  /**
   * Semantic memory for solution memory and the semantic cache; undefined (or a getter that
   * yields undefined or fails) means neither: the orchestrator works as without them.
   */
  memory?: () => Promise<SemanticMemory | undefined>;
  log?: { warn(obj: object, msg: string): void };
  /** Spans for runs and steps; without it the calls still forward the request (or run) id. */
  tracing?: OrchestrationTracer;
}

export class Orchestrator extends EventEmitter<{ event: [OrchestratorEvent] }> {
  readonly #options: OrchestratorOptions;
  #memoryWarned = false;

  constructor(options: OrchestratorOptions) {
    super();
    this.#options = options;
    options.engine.register(SUBTASK_HANDLER, (ctx) =>
      // In the step's scope: its model calls are its span's children and forward the run's request id.
      stepScope(options.tracing, ctx, () =>
        this.#runSubtask(
          ctx.input as unknown as SubtaskInput,
          ctx.runInput as unknown as RunInput,
          ctx.deps,
          ctx.signal,
        ),
      ),
    );
    options.engine.on("event", (event) =>
      this.emit("event", { type: "workflow", runId: event.runId, event }),
    );
  }

  /** The workflow engine the runs are on (their state, cancellation). */
  get engine(): WorkflowEngine {
    return this.#options.engine;
  }

  /**
   * Runs a request end to end; `onEvent` hears every stage of this run as it happens. A bad
   * request (empty prompt, unknown strategy, models no node has) is refused with a 400 first.
   */
  async run(
    request: OrchestrateRequest,
    options: { runId?: string; signal?: AbortSignal; onEvent?: (event: OrchestratorEvent) => void } = {},
  ): Promise<OrchestrationResult> {
    const runId = options.runId ?? crypto.randomUUID();
    // The whole run (analysis, plan, steps, synthesis) in one scope: one span, one forwarded request id.
    return orchestrationScope(this.#options.tracing, runId, () => this.#run(request, { ...options, runId }));
  }

  async #run(
    request: OrchestrateRequest,
    options: { runId?: string; signal?: AbortSignal; onEvent?: (event: OrchestratorEvent) => void },
  ): Promise<OrchestrationResult> {
    const started = performance.now();
    const { config, engine } = this.#options;
    if (request.prompt.trim() === "")
      throw new BadRequestError('prompt is empty: send {"prompt": "what you want done"}');
    const runId = options.runId ?? crypto.randomUUID();
    const mine = (event: OrchestratorEvent) => {
      if (event.runId === runId) options.onEvent?.(event);
    };
    this.on("event", mine);
    try {
      const available = await this.#options.availableModels();
      if (request.models !== undefined) chooseModels("general", config, available, request.models);
      const memory = await this.#memory();
      if (memory !== undefined && cacheEligible(request.semanticCache, config.semanticCache, true)) {
        const hit = await this.#cached(memory, request, runId, started);
        if (hit !== undefined) return hit;
      }
      const analysis = await this.#analyze(request, available);
      this.emit("event", { type: "analysis", runId, analysis });
      const examples = memory === undefined ? [] : await this.#examples(memory, request);
      if (examples.length > 0) {
        this.emit("event", {
          type: "memory",
          runId,
          solutions: examples.map(({ id, score }) => ({ id, score })),
        });
      }
      const guide = formatExamples(examples, config.solutionMemory.maxExampleChars);
      const plan =
        analysis.complexity === "SIMPLE"
          ? fallbackPlan(request.prompt, analysis.taskType, "SIMPLE: one subtask")
          : await this.#decompose(request, analysis, available, guide);
      const inputs = plan.subtasks.map((subtask) =>
        this.#subtaskInput(subtask, analysis, request, available),
      );
      this.emit("event", {
        type: "plan",
        runId,
        plan,
        models: Object.fromEntries(inputs.map((input) => [input.subtask.id, input.models])),
      });
      const runInput: RunInput = {
        prompt: request.prompt,
        context: request.context ?? null,
        tests: request.tests ?? [],
        priority: request.priority ?? null,
        plan,
        ...(guide === "" ? {} : { examples: guide }),
      };
      await engine.start(
        {
          name: "orchestrate",
          steps: inputs.map((input) => ({
            id: input.subtask.id,
            dependsOn: input.subtask.dependencies,
            run: SUBTASK_HANDLER,
            input: input as unknown as JsonValue,
            timeoutMs: config.callTimeoutMs * 2,
            retry: { maxAttempts: 2 },
          })),
        },
        runInput as unknown as JsonValue,
        { runId },
      );
      const abort = () => void engine.cancel(runId);
      options.signal?.addEventListener("abort", abort, { once: true });
      const snapshot = await engine
        .wait(runId)
        .finally(() => options.signal?.removeEventListener("abort", abort));
      if (snapshot.state !== "succeeded") {
        throw new Error(
          `orchestration ${runId} ${snapshot.state}: ${snapshot.error?.message ?? "a subtask failed"}`,
        );
      }
      const subtasks = snapshot.outputs as unknown as Record<string, SubtaskOutput>;
      const { answer, confidence } = assembleAnswer(plan, Object.values(subtasks));
      const stored: StoredResult = { runId, answer, confidence, analysis, plan, subtasks };
      if (memory !== undefined) await this.#remember(memory, request, stored);
      this.emit("event", { type: "final", runId, answer, confidence });
      const solutions = examples.map(({ id, runId: from, score }) => ({ id, runId: from, score }));
      return { ...stored, durationMs: performance.now() - started, solutions };
    } finally {
      this.off("event", mine);
    }
  }

  /** Semantic memory, or undefined when there is none (told once in the log). */
  async #memory(): Promise<SemanticMemory | undefined> {
    const get = this.#options.memory;
    if (get === undefined) return undefined;
    try {
      return await get();
    } catch (error) {
      this.#memoryFailed(error);
      return undefined;
    }
  }

  #memoryFailed(error: unknown): void {
    if (this.#memoryWarned) return;
    this.#memoryWarned = true;
    this.#options.log?.warn(
      { err: error },
      "semantic memory is unavailable (is an embedding model in the cluster?): orchestrating without solution memory and semantic cache",
    );
  }

  /** The past result of a close enough request with the same context and options, as this run's answer. */
  async #cached(
    memory: SemanticMemory,
    request: OrchestrateRequest,
    runId: string,
    started: number,
  ): Promise<OrchestrationResult | undefined> {
    const { threshold } = this.#options.config.semanticCache;
    let hits: Awaited<ReturnType<SemanticMemory["search"]>>;
    try {
      hits = await memory.search(requestText(request), 1, {
        namespace: SOLUTIONS_NAMESPACE,
        metadata: cacheFilter(request),
      });
    } catch (error) {
      this.#memoryFailed(error);
      return undefined;
    }
    const hit = hits[0];
    if (hit === undefined || !isCacheHit(hit.score, threshold)) return undefined;
    const stored = storedResult<StoredResult>(hit.metadata);
    if (stored === undefined || typeof stored.answer !== "string") return undefined;
    const similarity = Math.min(1, hit.score);
    // The stages a listener expects, in their usual order, then where the answer came from.
    this.emit("event", { type: "analysis", runId, analysis: stored.analysis });
    this.emit("event", { type: "cache", runId, cachedRunId: stored.runId, similarity });
    this.emit("event", {
      type: "plan",
      runId,
      plan: stored.plan,
      models: Object.fromEntries(
        Object.entries(stored.subtasks).map(([id, step]) => [id, step.candidates.map((c) => c.model)]),
      ),
    });
    this.emit("event", { type: "final", runId, answer: stored.answer, confidence: stored.confidence });
    return {
      ...stored,
      runId,
      durationMs: performance.now() - started,
      solutions: [],
      cached: { runId: stored.runId, similarity },
    };
  }

  /** The most similar past solutions above the threshold, best first (none when switched off or failing). */
  async #examples(memory: SemanticMemory, request: OrchestrateRequest): Promise<SolutionExample[]> {
    const { enabled, threshold, examples } = this.#options.config.solutionMemory;
    if (!enabled || examples === 0) return [];
    try {
      const hits = await memory.search(requestText(request), examples, { namespace: SOLUTIONS_NAMESPACE });
      return hits
        .filter((hit) => hit.score >= threshold)
        .flatMap((hit) => {
          const example = exampleFromHit(hit);
          return example === undefined ? [] : [example];
        });
    } catch (error) {
      this.#memoryFailed(error);
      return [];
    }
  }

  /** Stores a successful result (its request's embedding, provenance, the result); a failure is only logged. */
  async #remember(memory: SemanticMemory, request: OrchestrateRequest, stored: StoredResult): Promise<void> {
    const { solutionMemory, semanticCache } = this.#options.config;
    // Kept when either use wants it: a request may switch the cache on while solution memory is off.
    if (!solutionMemory.enabled && !semanticCache.enabled && request.semanticCache !== true) return;
    try {
      await memory.remember(
        requestText(request),
        solutionMetadata(request, stored, stored, new Date()),
        SOLUTIONS_NAMESPACE,
        { id: stored.runId },
      );
    } catch (error) {
      this.#memoryFailed(error);
    }
  }

  async #analyze(request: OrchestrateRequest, available: ReadonlySet<string>): Promise<Analysis> {
    const model = this.#options.config.lightModel;
    if (!available.has(model)) return heuristicAnalysis(request.prompt);
    try {
      const answer = await this.#options.call({
        model,
        messages: analysisMessages(request.prompt),
        format: ANALYSIS_SCHEMA,
        options: { temperature: 0 },
        ...(request.priority === undefined ? {} : { priority: request.priority }),
      });
      return parseAnalysis(answer.text) ?? heuristicAnalysis(request.prompt);
    } catch {
      // The light model failing costs the quality of the analysis, never the request.
      return heuristicAnalysis(request.prompt);
    }
  }

  async #decompose(
    request: OrchestrateRequest,
    analysis: Analysis,
    available: ReadonlySet<string>,
    examples = "",
  ): Promise<Plan> {
    const { heavyModel, maxSubtasks } = this.#options.config;
    if (!available.has(heavyModel)) {
      return fallbackPlan(
        request.prompt,
        analysis.taskType,
        `the planner model ${heavyModel} is not in the cluster: one subtask`,
      );
    }
    try {
      const answer = await this.#options.call({
        model: heavyModel,
        messages: decompositionMessages(request.prompt, maxSubtasks, examples),
        format: DECOMPOSITION_SCHEMA,
        options: { temperature: 0 },
        ...(request.priority === undefined ? {} : { priority: request.priority }),
      });
      return planFromAnswer(answer.text, request.prompt, analysis.taskType, maxSubtasks);
    } catch (error) {
      return fallbackPlan(
        request.prompt,
        analysis.taskType,
        `planning failed (${(error as Error).message}): one subtask`,
      );
    }
  }

  #subtaskInput(
    subtask: Subtask,
    analysis: Analysis,
    request: OrchestrateRequest,
    available: ReadonlySet<string>,
  ): SubtaskInput {
    const { config } = this.#options;
    const models = chooseModels(subtask.type, config, available, request.models);
    const single = analysis.complexity === "SIMPLE" && request.strategy === undefined;
    const strategy = single ? "single" : (request.strategy ?? strategyFor(subtask.type, config));
    return { subtask, models: single ? models.slice(0, 1) : models, strategy };
  }

  async #runSubtask(
    input: SubtaskInput,
    runInput: RunInput,
    deps: Readonly<Record<string, JsonValue>>,
    signal: AbortSignal,
  ): Promise<JsonValue> {
    const { subtask, models, strategy } = input;
    const inputs = subtask.dependencies.map((id) => deps[id] as unknown as SubtaskOutput);
    const request = {
      prompt: runInput.prompt,
      ...(runInput.context === null ? {} : { context: runInput.context }),
    };
    const messages = subtaskMessages(request, subtask, runInput.plan, inputs);
    const priority = runInput.priority ?? undefined;
    const settled = await Promise.allSettled(
      models.map((model) =>
        this.#options.call({ model, messages, signal, ...(priority === undefined ? {} : { priority }) }),
      ),
    );
    const candidates = settled.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
    if (candidates.length === 0) {
      const reasons = settled
        .map((result) => (result.status === "rejected" ? (result.reason as Error).message : ""))
        .join("; ");
      throw new Error(`no model answered subtask "${subtask.id}": ${reasons}`);
    }
    const views = candidates.map(({ model, node, durationMs, outputTokens }) => ({
      model,
      node,
      durationMs: Math.round(durationMs),
      outputTokens,
    }));
    const synthesis = await this.#synthesize(strategy, candidates, subtask, runInput, signal);
    const chosen = synthesis.chosenIndex === undefined ? undefined : candidates[synthesis.chosenIndex];
    const output: SubtaskOutput = {
      subtaskId: subtask.id,
      answer: synthesis.text,
      confidence: synthesis.confidence,
      strategy,
      chosen: chosen === undefined ? null : { model: chosen.model, node: chosen.node },
      reason: synthesis.reason,
      candidates: views,
    };
    return output as unknown as JsonValue;
  }

  async #synthesize(
    strategy: SubtaskInput["strategy"],
    candidates: ModelAnswer[],
    subtask: Subtask,
    runInput: RunInput,
    signal: AbortSignal,
  ): Promise<Synthesis> {
    const first = candidates[0] as ModelAnswer;
    if (strategy === "single" || candidates.length === 1) {
      return {
        chosenIndex: 0,
        text: first.text,
        reason: `one answer, from ${first.model}`,
        confidence: strategy === "single" ? 1 : 0.5,
      };
    }
    if (strategy === "aggregate") {
      const answer = await this.#options.call({
        model: this.#options.config.heavyModel,
        messages: aggregateMessages(subtask, candidates, runInput.examples),
        signal,
      });
      return {
        chosenIndex: undefined,
        text: answer.text,
        reason: `${answer.model} wrote one answer from ${candidates.length} candidates (aggregate)`,
        confidence: 0.5,
      };
    }
    return this.#options.synthesize(strategy, candidates, { tests: runInput.tests, subtask, signal });
  }
}

function strategyFor(type: SubtaskType, config: OrchestratorConfig): SynthesisStrategyName {
  return type === "code" || type === "test" ? config.strategy.code : config.strategy.default;
}
