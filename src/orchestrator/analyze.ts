/**
 * Step 1, analysis: how complex a request is and what kind of task it is, asked of a light model
 * with Ollama's `format` set to a JSON schema, validated; when the model's answer is unusable, a
 * heuristic decides instead (never a crash). SIMPLE requests go straight to one good model.
 */
import { z } from "zod";
import { SUBTASK_TYPES, type SubtaskType } from "./config.js";

export const COMPLEXITIES = ["SIMPLE", "MODERATE", "COMPLEX"] as const;
export type Complexity = (typeof COMPLEXITIES)[number];

export interface Analysis {
  complexity: Complexity;
  taskType: SubtaskType;
  /** "model" when the light model's answer was used, "heuristic" when the fallback decided. */
  source: "model" | "heuristic";
  reasoning?: string;
}

/** The JSON schema the light model must answer with (Ollama's `format`). */
export const ANALYSIS_SCHEMA = {
  type: "object",
  properties: {
    complexity: { type: "string", enum: [...COMPLEXITIES] },
    taskType: { type: "string", enum: [...SUBTASK_TYPES] },
    reasoning: { type: "string" },
  },
  required: ["complexity", "taskType"],
} as const;

const analysisAnswerSchema = z.object({
  complexity: z.enum(COMPLEXITIES),
  taskType: z.enum(SUBTASK_TYPES),
  reasoning: z.string().optional(),
});

export function analysisMessages(prompt: string): { role: "system" | "user"; content: string }[] {
  return [
    {
      role: "system",
      content:
        "Classify the user's request. complexity: SIMPLE (one direct answer), MODERATE (a few steps), " +
        "COMPLEX (several parts that depend on each other). taskType: code, reasoning, general, test or docs. " +
        "Answer with JSON only.",
    },
    { role: "user", content: prompt },
  ];
}

/** The model's analysis, or undefined when its answer is not a valid instance of the schema. */
export function parseAnalysis(text: string): Analysis | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = analysisAnswerSchema.safeParse(value);
  if (!parsed.success) return undefined;
  return { ...parsed.data, source: "model" };
}

const CODE_HINTS =
  /```|\b(function|implement|code|class|method|script|python|javascript|typescript|regex|sql|bug|compile)\b/i;
const TEST_HINTS = /\b(unit tests?|test cases?|write tests)\b/i;
const DOCS_HINTS = /\b(document|docs|readme|docstring)\b/i;
const REASONING_HINTS = /\b(why|prove|explain|compare|analy[sz]e|calculate|derive)\b/i;
const MULTI_STEP_HINTS = /\b(and then|then|after that|steps?|first|finally|also|both)\b|^\s*\d+[.)]\s/im;

/** The fallback: keywords for the task type, length and multi-step markers for the complexity. */
export function heuristicAnalysis(prompt: string): Analysis {
  const taskType: SubtaskType = TEST_HINTS.test(prompt)
    ? "test"
    : CODE_HINTS.test(prompt)
      ? "code"
      : DOCS_HINTS.test(prompt)
        ? "docs"
        : REASONING_HINTS.test(prompt)
          ? "reasoning"
          : "general";
  const words = prompt.trim().split(/\s+/).filter(Boolean).length;
  const steps = (prompt.match(new RegExp(MULTI_STEP_HINTS, "gim")) ?? []).length;
  const complexity: Complexity =
    words > 120 || steps >= 3 ? "COMPLEX" : words > 25 || steps >= 1 ? "MODERATE" : "SIMPLE";
  return { complexity, taskType, source: "heuristic" };
}
