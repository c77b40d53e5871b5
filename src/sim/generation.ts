/**
 * What a model "says" for a request: the thinking, content and tool-call steps of an answer,
 * with token counts and the done reason. Pure: the same input (including its seed) gives the
 * same plan. Timing is applied elsewhere (engine.ts).
 *
 * Content, in order of precedence: a tool call; JSON for `format` (with plausible analysis /
 * decomposition content for the orchestrator's schemas); for a model with a `skill` asked about
 * a bank task, code or tests for it (src/sim/tasks); otherwise sentences of pseudo-prose.
 */
import type { Format, Options } from "../protocol/ollama/types.js";
import { generateStructured, type JsonSchema } from "./json-output.js";
import type { SimModel } from "./models.js";
import { hashString, Rng } from "./rng.js";
import { type SimulatedAnswer, simulatedAnswer } from "./tasks/answer.js";
import { asksForTests, asksForTestsToo, matchTask } from "./tasks/match.js";
import { structuredHint } from "./tasks/plan-content.js";
import { generateTextPieces, generateThinkingPieces } from "./text-generator.js";
import { splitIntoPieces } from "./tokens.js";

/** A type alias (not an interface) so it fits the protocol's open-ended tool call shape. */
export type ToolCall = {
  id: string;
  function: { index: number; name: string; arguments: Record<string, unknown> };
};

/** One chunk of a streamed answer; `tokens` is how many decode steps it costs. */
export type GenerationStep =
  | { kind: "thinking"; text: string; tokens: number }
  | { kind: "content"; text: string; tokens: number }
  | { kind: "tool_calls"; calls: ToolCall[]; tokens: number };

export interface GenerationPlan {
  steps: GenerationStep[];
  doneReason: "stop" | "length";
  evalCount: number;
  seed: number;
}

export interface GenerationInput {
  model: SimModel;
  /** The conversation as the model sees it; seeds the output when the request is deterministic. */
  promptText: string;
  keywords: readonly string[];
  options?: Options | undefined;
  format?: Format | undefined;
  /** Emit reasoning first (thinking models with think not disabled). */
  think: boolean;
  /** Tools offered in a turn that should answer with a call (last message from the user). */
  toolsForCall?: readonly unknown[] | undefined;
  /**
   * Text the answer already starts with (an assistant prefill). The model continues it:
   * when its own answer to the prompt begins with this text, it goes on from there, so
   * a deterministic answer interrupted and resumed reads exactly as if never cut.
   */
  prefill?: string | undefined;
  /** Seed to use when the request itself is not deterministic (drawn from the node's RNG). */
  fallbackSeed: number;
  responseTokens: { min: number; max: number };
}

/**
 * A request is deterministic when it fixes the seed or uses temperature 0; then its output
 * depends only on model, prompt and options, as with a real model.
 */
export function requestSeed(
  input: Pick<GenerationInput, "model" | "promptText" | "options" | "format" | "fallbackSeed">,
): number {
  const { options } = input;
  if (options?.seed === undefined && options?.temperature !== 0) return input.fallbackSeed;
  const formatKey = input.format === undefined ? "" : JSON.stringify(input.format);
  return hashString(
    `${input.model.key}\u0000${input.promptText}\u0000${options?.seed ?? 0}\u0000${formatKey}`,
  );
}

export function planGeneration(input: GenerationInput): GenerationPlan {
  const seed = requestSeed(input);
  const rng = new Rng(seed);
  const steps: GenerationStep[] = [];
  if (input.think) {
    for (const text of generateThinkingPieces(rng, input.keywords))
      steps.push({ kind: "thinking", text, tokens: 1 });
  }
  const toolCall =
    input.toolsForCall && input.toolsForCall.length > 0
      ? buildToolCall(input.toolsForCall, input.promptText, rng)
      : undefined;
  if (toolCall) {
    // The model writes the call as text (about one token per 4 characters), Ollama parses it and
    // sends it as one chunk once complete.
    const tokens = splitIntoPieces(
      JSON.stringify({ name: toolCall.function.name, arguments: toolCall.function.arguments }),
    ).length;
    steps.push({ kind: "tool_calls", calls: [toolCall], tokens });
  } else {
    const format = input.format;
    let pieces: string[];
    if (format === "json" || (typeof format === "object" && format !== null)) {
      const hint =
        format === "json" ? undefined : structuredHint(format as JsonSchema, lastUserText(input.promptText));
      pieces = splitIntoPieces(
        JSON.stringify(generateStructured(format as "json" | JsonSchema, rng, input.keywords, hint)),
      );
    } else {
      const answer = skilledAnswer(input, seed);
      pieces = answer
        ? splitIntoPieces(answer.text)
        : generateTextPieces(
            rng,
            rng.int(input.responseTokens.min, input.responseTokens.max),
            input.keywords,
          );
    }
    for (const text of applyStop(pieces, input.options?.stop))
      steps.push({ kind: "content", text, tokens: 1 });
  }
  const continued = input.prefill ? continueAfter(steps, input.prefill) : steps;
  return limitTokens(continued, input.options?.num_predict, seed);
}

/**
 * The last user turn of a rendered conversation (`<|user|>\n...`), which is what the model is
 * asked now; the whole text when it has no user turn (a raw prompt).
 */
export function lastUserText(promptText: string): string {
  const marker = "<|user|>\n";
  const at = promptText.lastIndexOf(marker);
  if (at < 0) return promptText;
  const start = at + marker.length;
  const end = promptText.indexOf("\n<|", start);
  return promptText.slice(start, end < 0 ? undefined : end);
}

/**
 * A skilled model's answer to a bank task the user names: tests when the request starts by
 * asking for them, else code (plus tests when asked "... with tests"). Undefined for models
 * without a `skill` and for prompts about no bank task.
 */
export function skilledAnswer(
  input: Pick<GenerationInput, "model" | "promptText">,
  seed: number,
): SimulatedAnswer | undefined {
  const skill = input.model.config.skill;
  if (skill === undefined) return undefined;
  const asked = lastUserText(input.promptText);
  const task = matchTask(asked);
  if (!task) return undefined;
  const kind = asksForTests(asked) ? "tests" : "code";
  return simulatedAnswer({
    task,
    model: input.model.name,
    skill,
    seed,
    kind,
    withTests: kind === "code" && asksForTestsToo(asked),
  });
}

/**
 * The steps that come after `prefill`: the reasoning is over (the prefill is answer text),
 * and content already written is skipped, a piece cut in the middle keeping its rest.
 * When the planned answer does not begin with the prefill, the model just goes on.
 */
export function continueAfter(steps: readonly GenerationStep[], prefill: string): GenerationStep[] {
  const content = steps.filter((step) => step.kind === "content");
  const planned = content.map((step) => step.text).join("");
  if (!planned.startsWith(prefill)) return content;
  const rest: GenerationStep[] = [];
  let skipped = 0;
  for (const step of content) {
    if (skipped >= prefill.length) rest.push(step);
    else if (skipped + step.text.length > prefill.length) {
      rest.push({ ...step, text: step.text.slice(prefill.length - skipped) });
    }
    skipped += step.text.length;
  }
  return rest;
}

/** Cuts the content before the first stop sequence (the stop text itself is not returned). */
function applyStop(pieces: string[], stop: readonly string[] | undefined): string[] {
  const stops = (stop ?? []).filter((s) => s.length > 0);
  if (stops.length === 0) return pieces;
  const text = pieces.join("");
  let cut = -1;
  for (const s of stops) {
    const at = text.indexOf(s);
    if (at >= 0 && (cut < 0 || at < cut)) cut = at;
  }
  if (cut < 0) return pieces;
  const out: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    if (length + piece.length <= cut) out.push(piece);
    else {
      if (cut > length) out.push(piece.slice(0, cut - length));
      break;
    }
    length += piece.length;
  }
  return out;
}

/** num_predict: a positive limit cuts the answer (done_reason "length"); negative means no limit. */
function limitTokens(steps: GenerationStep[], numPredict: number | undefined, seed: number): GenerationPlan {
  const total = steps.reduce((sum, step) => sum + step.tokens, 0);
  if (numPredict === undefined || numPredict < 0 || total <= numPredict) {
    return { steps, doneReason: "stop", evalCount: total, seed };
  }
  const kept: GenerationStep[] = [];
  let used = 0;
  for (const step of steps) {
    // A tool call cut short is never parsed, so it produces nothing.
    if (used + step.tokens > numPredict) break;
    kept.push(step);
    used += step.tokens;
  }
  return { steps: kept, doneReason: "length", evalCount: numPredict, seed };
}

function buildToolCall(tools: readonly unknown[], promptText: string, rng: Rng): ToolCall | undefined {
  const functions = tools
    .map((tool) => (isRecord(tool) && isRecord(tool.function) ? tool.function : undefined))
    .filter((fn): fn is Record<string, unknown> => fn !== undefined && typeof fn.name === "string");
  if (functions.length === 0) return undefined;
  const lower = promptText.toLowerCase();
  // Prefer a tool the user names; otherwise the first one, as a model usually does.
  const chosen = functions.find((fn) => lower.includes(String(fn.name).toLowerCase())) ?? functions[0];
  if (!chosen) return undefined;
  const schema = isRecord(chosen.parameters) ? chosen.parameters : { type: "object", properties: {} };
  const args = generateStructured(schema, rng, []);
  const id = `call_${Array.from({ length: 8 }, () => "abcdefghijklmnopqrstuvwxyz0123456789"[rng.int(0, 35)]).join("")}`;
  return { id, function: { index: 0, name: String(chosen.name), arguments: isRecord(args) ? args : {} } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
