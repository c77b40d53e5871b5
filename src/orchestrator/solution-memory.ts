/**
 * Solution memory and the semantic cache, the pure parts: what text a request is remembered and
 * looked up by, the hashes that keep a cached answer to the conversation (and the options) it was
 * given for, what metadata a stored solution carries, and how past solutions are shown to the
 * planner and the aggregator (truncated, so that they never crowd out the request itself).
 *
 * Every successful orchestration is stored in semantic memory (namespace `solutions`): its text is
 * the whole request (prompt, then context), so the same text embeds the same way for the cache and
 * for the examples. Metadata values are scalars only (filters compare scalars for equality); the
 * full result is kept as a JSON string so that a cache hit can return it as it was.
 */
import { createHash } from "node:crypto";

export const SOLUTIONS_NAMESPACE = "solutions";

/** The parts of a request that identify what it asks (its text, and the options that change the answer). */
export interface SolutionRequest {
  prompt: string;
  context?: string;
  models?: readonly string[];
  strategy?: string;
  tests?: readonly string[];
}

/** A past solution shown to the planner and the aggregator. */
export interface SolutionExample {
  id: string;
  runId: string;
  score: number;
  prompt: string;
  answer: string;
}

/** Which stored solution a search hit is, with its similarity (cosine). */
export interface SolutionRef {
  id: string;
  runId: string;
  score: number;
}

/** The metadata of a stored solution: scalars only. */
export type SolutionMetadata = Record<string, string | number | boolean | null>;

const NO_CONTEXT = "none";

/** The text a request is embedded by: the whole request, so that a different conversation reads differently. */
export function requestText(request: Pick<SolutionRequest, "prompt" | "context">): string {
  const context = request.context?.trim() ?? "";
  return context === "" ? request.prompt : `${request.prompt}\n\nContext:\n${context}`;
}

/** A hash of the conversation so far (`none` without one): a cache hit needs the identical context. */
export function contextHash(context: string | undefined): string {
  return context === undefined || context.trim() === "" ? NO_CONTEXT : sha256(context);
}

/** A hash of the options that change an answer (models, strategy, tests): a cache hit needs the same ones. */
export function optionsHash(request: Pick<SolutionRequest, "models" | "strategy" | "tests">): string {
  return sha256(
    JSON.stringify({
      models: request.models ?? null,
      strategy: request.strategy ?? null,
      tests: request.tests ?? null,
    }),
  );
}

/** The metadata filter a cache lookup uses: only entries for the same context and options. */
export function cacheFilter(request: SolutionRequest): { contextHash: string; optionsHash: string } {
  return { contextHash: contextHash(request.context), optionsHash: optionsHash(request) };
}

/**
 * Whether this request may be answered from the cache: the request's own switch when it gives
 * one, else the configured default; and memory must be there to look in.
 */
export function cacheEligible(
  perRequest: boolean | undefined,
  config: { enabled: boolean },
  memoryAvailable: boolean,
): boolean {
  return memoryAvailable && (perRequest ?? config.enabled);
}

/** Whether a hit is close enough to be reused (cosine ≥ threshold, a little float slack at 1). */
export function isCacheHit(score: number, threshold: number): boolean {
  return score >= Math.min(threshold, 1 - 1e-6);
}

/** The text cut to `max` characters, marked when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const marker = " […]";
  return max <= marker.length ? text.slice(0, max) : `${text.slice(0, max - marker.length)}${marker}`;
}

/** The stored metadata of a solution: provenance, the answer, and the whole result as JSON. */
export function solutionMetadata(
  request: SolutionRequest,
  result: {
    runId: string;
    answer: string;
    confidence: number;
    subtasks: Record<string, { strategy: string; chosen: { model: string; node: string } | null }>;
  },
  stored: unknown,
  createdAt: Date,
): SolutionMetadata {
  const steps = Object.entries(result.subtasks);
  const chosen = steps.map(([id, step]) =>
    step.chosen === null ? `${id}=aggregate` : `${id}=${step.chosen.model}@${step.chosen.node}`,
  );
  return {
    kind: "solution",
    runId: result.runId,
    contextHash: contextHash(request.context),
    optionsHash: optionsHash(request),
    prompt: request.prompt,
    answer: result.answer,
    confidence: result.confidence,
    strategy: [...new Set(steps.map(([, step]) => step.strategy))].join(","),
    models: [...new Set(steps.flatMap(([, step]) => (step.chosen ? [step.chosen.model] : [])))].join(","),
    nodes: [...new Set(steps.flatMap(([, step]) => (step.chosen ? [step.chosen.node] : [])))].join(","),
    chosen: chosen.join(","),
    createdAt: createdAt.toISOString(),
    result: JSON.stringify(stored),
  };
}

/** A search hit as a past solution, or undefined when it is not one (another writer's entry). */
export function exampleFromHit(hit: {
  id: string;
  score: number;
  text?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
}): SolutionExample | undefined {
  const metadata = hit.metadata ?? {};
  const { runId, prompt, answer } = metadata;
  if (typeof runId !== "string" || typeof answer !== "string") return undefined;
  return {
    id: hit.id,
    runId,
    score: hit.score,
    prompt: typeof prompt === "string" ? prompt : (hit.text ?? ""),
    answer,
  };
}

/** The stored result of a hit, parsed; undefined when missing or unreadable. */
export function storedResult<T>(metadata: Record<string, unknown> | undefined): T | undefined {
  const raw = metadata?.result;
  if (typeof raw !== "string") return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === "object" && value !== null ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The past solutions as one block of text for a prompt, each request and answer cut to
 * `maxChars`; empty when there are none.
 */
export function formatExamples(
  examples: readonly Pick<SolutionExample, "prompt" | "answer">[],
  maxChars: number,
): string {
  if (examples.length === 0) return "";
  const half = Math.max(1, Math.floor(maxChars / 2));
  return examples
    .map(
      (example, index) =>
        `Past solution ${index + 1}:\nRequest: ${truncate(example.prompt, half)}\nAnswer: ${truncate(example.answer, maxChars)}`,
    )
    .join("\n\n");
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
