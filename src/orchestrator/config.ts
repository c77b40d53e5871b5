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
});

export type OrchestratorConfig = z.infer<typeof orchestratorConfigSchema>;
