/**
 * The orchestrator's configuration: which models analyse and decompose a request, which models
 * answer each kind of subtask and how many of them, and how their answers are combined.
 */
import { z } from "zod";

export const SUBTASK_TYPES = ["code", "reasoning", "general", "test", "docs"] as const;
export type SubtaskType = (typeof SUBTASK_TYPES)[number];

export const SYNTHESIS_STRATEGIES = ["aggregate", "vote", "verify"] as const;
export type SynthesisStrategyName = (typeof SYNTHESIS_STRATEGIES)[number];

const modelList = z.array(z.string().min(1)).min(1);

export const orchestratorConfigSchema = z.strictObject({
  /** Analyses complexity and task type (a small, fast model is enough). */
  lightModel: z.string().min(1).default("llama3.2:3b"),
  /** Decomposes complex requests and aggregates candidates. */
  heavyModel: z.string().min(1).default("qwen2.5:7b"),
  /** Per subtask type, the models that answer it, best first; `general` serves types not listed. */
  models: z
    .partialRecord(z.enum(SUBTASK_TYPES), modelList)
    .default({ general: ["llama3.2:3b"], code: ["qwen2.5-coder:7b", "llama3.2:3b"] }),
  /** How many models answer each subtask in parallel (fewer when fewer are available). */
  fanOut: z.number().int().min(1).max(16).default(3),
  /** A plan with more subtasks is cut down to this many. */
  maxSubtasks: z.number().int().min(1).max(64).default(8),
  /** How candidates are combined: per subtask type, else `default`. */
  strategy: z
    .strictObject({
      default: z.enum(SYNTHESIS_STRATEGIES).default("vote"),
      code: z.enum(SYNTHESIS_STRATEGIES).default("verify"),
    })
    .default({ default: "vote", code: "verify" }),
  /** Deadline of one model call. */
  callTimeoutMs: z.number().int().positive().default(120_000),
  /**
   * Opt-in: a request close enough to a past one (cosine ≥ threshold, same context and options)
   * gets the past result back, with the similarity; `semanticCache` in a request overrides `enabled`.
   */
  semanticCache: z
    .strictObject({
      enabled: z.boolean().default(false),
      threshold: z.number().min(0).max(1).default(0.95),
    })
    .default({ enabled: false, threshold: 0.95 }),
  /**
   * Every successful result is stored in semantic memory (namespace `solutions`); the most
   * similar past ones (cosine ≥ threshold, at most `examples`) are shown to the planner and the
   * aggregator, each cut to `maxExampleChars`.
   */
  solutionMemory: z
    .strictObject({
      enabled: z.boolean().default(true),
      threshold: z.number().min(0).max(1).default(0.75),
      examples: z.number().int().min(0).max(10).default(3),
      maxExampleChars: z.number().int().min(100).max(20_000).default(1_500),
    })
    .default({ enabled: true, threshold: 0.75, examples: 3, maxExampleChars: 1_500 }),
});

export type OrchestratorConfig = z.infer<typeof orchestratorConfigSchema>;
