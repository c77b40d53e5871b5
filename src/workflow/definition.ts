/**
 * From what a caller writes (a WorkflowDefinition, possibly straight from a request body) to what
 * a run stores and executes (a WorkflowSpec): the shape checked with zod, the graph with dag.ts,
 * every default filled in. All problems are reported together in one WorkflowDefinitionError.
 */
import { z } from "zod";
import { formatPath } from "../validation/zod-issues.js";
import { dagIssues } from "./dag.js";
import { WorkflowDefinitionError } from "./errors.js";
import type { RetryPolicy, StepSpec, WorkflowSpec } from "./types.js";

/** More steps than this is a runaway generator, not a workflow. */
export const MAX_STEPS = 10_000;

const wholeMs = z.number().int({ error: "must be a whole number of milliseconds" }).nonnegative();

const retrySchema = z.strictObject({
  maxAttempts: z.number().int().min(1).max(100).optional(),
  baseDelayMs: wholeMs.optional(),
  maxDelayMs: wholeMs.optional(),
});

const stepSchema = z.strictObject({
  id: z.string().min(1, { error: "must not be empty" }).max(200),
  dependsOn: z.array(z.string()).optional(),
  run: z.string().min(1, { error: "must name a registered handler" }),
  input: z.json().optional(),
  retry: retrySchema.optional(),
  timeoutMs: wholeMs.optional(),
  cacheKey: z.string().min(1).max(2_000).optional(),
});

/** The shape of a WorkflowDefinition, for definitions that arrive as data (an API body, a file). */
export const workflowDefinitionSchema = z.strictObject({
  name: z.string().min(1, { error: "must not be empty" }).max(200),
  steps: z.array(stepSchema).max(MAX_STEPS),
  onFailure: z.enum(["stop", "continue"]).optional(),
});

/** What a step gets when its definition leaves retry or timeout out (from `workflow.*` config). */
export interface StepDefaults {
  retry: RetryPolicy;
  /** 0 = no limit. */
  timeoutMs: number;
}

/**
 * The spec of a definition, or a WorkflowDefinitionError naming every problem (shape first; the
 * graph is checked only once the shape is right).
 */
export function normalizeDefinition(definition: unknown, defaults: StepDefaults): WorkflowSpec {
  const parsed = workflowDefinitionSchema.safeParse(definition);
  if (!parsed.success) {
    throw new WorkflowDefinitionError(
      parsed.error.issues.slice(0, 10).map((issue) => {
        const path = formatPath(issue.path);
        return path === "" ? issue.message : `${path}: ${issue.message}`;
      }),
    );
  }
  const steps: StepSpec[] = parsed.data.steps.map((step) => {
    const spec: StepSpec = {
      id: step.id,
      dependsOn: [...new Set(step.dependsOn ?? [])],
      run: step.run,
      input: step.input ?? null,
      retry: { ...defaults.retry, ...step.retry },
      timeoutMs: step.timeoutMs ?? defaults.timeoutMs,
    };
    if (step.cacheKey !== undefined) spec.cacheKey = step.cacheKey;
    return spec;
  });
  const issues = dagIssues(steps);
  if (issues.length > 0) throw new WorkflowDefinitionError(issues);
  return { name: parsed.data.name, steps, onFailure: parsed.data.onFailure ?? "stop" };
}
