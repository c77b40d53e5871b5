/**
 * What the run picture shows of each step, read out of a run snapshot: the subtask (from the
 * step's input), its state and timing (from the step record), and the synthesis (from its
 * output: the candidates each model gave on which node, the one chosen and why). The stored
 * JSON is read defensively: a run written by another version must still draw.
 */
import type { JsonValue, RunSnapshot, StepState } from "../api/types.js";

export interface CandidateView {
  model: string;
  node: string;
  durationMs: number | undefined;
  outputTokens: number | undefined;
}

export interface StepView {
  id: string;
  dependsOn: string[];
  state: StepState;
  description: string | undefined;
  type: string | undefined;
  /** The models the subtask was fanned out to. */
  models: string[];
  /** The nodes that answered (from the candidates). */
  nodes: string[];
  /** Synthesis strategy: single, aggregate, vote, verify. */
  strategy: string | undefined;
  chosen: { model: string; node: string } | undefined;
  reason: string | undefined;
  confidence: number | undefined;
  candidates: CandidateView[];
  answer: string | undefined;
  durationMs: number | undefined;
  attempt: number;
  cached: boolean;
  error: string | undefined;
}

export function stepViews(run: RunSnapshot, now: number): StepView[] {
  const records = new Map(run.steps.map((record) => [record.stepId, record]));
  return run.spec.steps.map((spec) => {
    const record = records.get(spec.id);
    const input = asRecord(spec.input);
    const subtask = asRecord(input?.subtask);
    const output = asRecord(run.outputs[spec.id] ?? record?.output);
    const candidates = asArray(output?.candidates).flatMap((value): CandidateView[] => {
      const candidate = asRecord(value);
      const model = asString(candidate?.model);
      if (model === undefined) return [];
      return [
        {
          model,
          node: asString(candidate?.node) ?? "?",
          durationMs: asNumber(candidate?.durationMs),
          outputTokens: asNumber(candidate?.outputTokens),
        },
      ];
    });
    const chosen = asRecord(output?.chosen);
    const chosenModel = asString(chosen?.model);
    const startedAt = record?.startedAt;
    const end = record?.finishedAt ?? (record?.state === "running" ? now : undefined);
    return {
      id: spec.id,
      dependsOn: spec.dependsOn,
      state: record?.state ?? "pending",
      description: asString(subtask?.description),
      type: asString(subtask?.type),
      models: asArray(input?.models).filter((m): m is string => typeof m === "string"),
      nodes: [...new Set(candidates.map((c) => c.node))],
      strategy: asString(output?.strategy) ?? asString(input?.strategy),
      chosen:
        chosenModel === undefined ? undefined : { model: chosenModel, node: asString(chosen?.node) ?? "?" },
      reason: asString(output?.reason),
      confidence: asNumber(output?.confidence),
      candidates,
      answer: asString(output?.answer),
      durationMs: startedAt !== undefined && end !== undefined ? Math.max(0, end - startedAt) : undefined,
      attempt: record?.attempt ?? 0,
      cached: record?.cached ?? false,
      error: record?.error?.message,
    };
  });
}

/** The request the run was started for (the orchestrator's run input holds the prompt). */
export function runPrompt(run: RunSnapshot): string | undefined {
  return asString(asRecord(run.input)?.prompt);
}

function asRecord(value: JsonValue | undefined): Record<string, JsonValue> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? value : undefined;
}

function asArray(value: JsonValue | undefined): JsonValue[] {
  return Array.isArray(value) ? value : [];
}

function asString(value: JsonValue | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function asNumber(value: JsonValue | undefined): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}
