/**
 * The prompts of the pipeline's model calls, and the assembly of the final answer: pure
 * functions over data, so that what each model is asked is easy to read and to test.
 */

import type { Plan, Subtask } from "./decompose.js";
import type { ChatMessage } from "./model-client.js";

export interface SubtaskResult {
  subtaskId: string;
  answer: string;
  /** 0..1: how strongly the evidence backs the chosen answer. */
  confidence: number;
}

/** What a model answering one subtask is asked: the whole request for context, the subtask, and its inputs. */
export function subtaskMessages(
  request: { prompt: string; context?: string },
  subtask: Subtask,
  plan: Plan,
  inputs: readonly SubtaskResult[],
): ChatMessage[] {
  const single = plan.subtasks.length === 1;
  const parts: string[] = [];
  if (request.context) parts.push(`Context:\n${request.context}`);
  if (!single) parts.push(`The overall request (you handle one part of it):\n${request.prompt}`);
  for (const input of inputs) {
    const source = plan.subtasks.find((s) => s.id === input.subtaskId);
    parts.push(`Result of "${source?.description ?? input.subtaskId}":\n${input.answer}`);
  }
  // "Task:" marks what to do now, after the context (the simulated nodes look for it too).
  parts.push(single ? subtask.description : `Task: ${subtask.description}`);
  const system =
    subtask.type === "code"
      ? // The tests the models write are half of verify's evidence (each candidate runs every model's tests).
        "You are an expert programmer. Answer with the complete code in one fenced code block, then " +
        "a few unit tests of it as plain assert statements in a second fenced code block."
      : subtask.type === "test"
        ? "You write precise unit tests as assert statements."
        : "You are a careful expert. Answer directly and completely.";
  return [
    { role: "system", content: system },
    { role: "user", content: parts.join("\n\n") },
  ];
}

/** What the aggregator model is asked: write the best answer from the candidates (Mixture-of-Agents). */
export function aggregateMessages(
  subtask: Subtask,
  candidates: readonly { text: string }[],
  examples?: string,
): ChatMessage[] {
  const listed = candidates.map((candidate, index) => `Answer ${index + 1}:\n${candidate.text}`).join("\n\n");
  const guide =
    examples === undefined || examples === ""
      ? ""
      : `Similar requests were solved before (a guide, not the task):\n\n${examples}\n\n`;
  return [
    {
      role: "system",
      content:
        "Several experts answered the same task. Write the single best answer: keep what is correct, " +
        "fix what is wrong, drop what is redundant. Answer with the final answer only.",
    },
    { role: "user", content: `${guide}Task: ${subtask.description}\n\n${listed}` },
  ];
}

/**
 * The final answer: the answer of the plan's last subtask when it is the only one nothing depends
 * on (it was given everything before it), else every unconsumed subtask's answer in plan order,
 * each under its description. Confidence: the weakest link's.
 */
export function assembleAnswer(
  plan: Plan,
  results: readonly SubtaskResult[],
): { answer: string; confidence: number } {
  const byId = new Map(results.map((result) => [result.subtaskId, result]));
  const consumed = new Set(plan.subtasks.flatMap((subtask) => subtask.dependencies));
  const sinks = plan.subtasks.filter((subtask) => !consumed.has(subtask.id));
  const confidence = results.length === 0 ? 0 : Math.min(...results.map((result) => result.confidence));
  if (sinks.length === 1) return { answer: byId.get(sinks[0]?.id ?? "")?.answer ?? "", confidence };
  const answer = sinks
    .map((subtask) => `## ${subtask.description}\n\n${byId.get(subtask.id)?.answer ?? ""}`)
    .join("\n\n");
  return { answer, confidence };
}
