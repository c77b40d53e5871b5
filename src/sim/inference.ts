/**
 * Ollama's request semantics for chat, generate and embeddings, between a parsed request and
 * the engine: model lookup and capability checks with Ollama's status codes and wording, the
 * empty-prompt load and keep_alive-0 unload answers, prompt rendering, and turning an answer's
 * steps into Ollama's chunk objects. No HTTP here; the server writes what these return.
 */

import { qualifiedModelName } from "../protocol/ollama/model-name.js";
import type {
  ChatChunk,
  ChatMessage,
  ChatRequest,
  EmbeddingsRequest,
  EmbedRequest,
  EmbedResponse,
  GenerateChunk,
  GenerateRequest,
} from "../protocol/ollama/types.js";
import { SimApiError } from "./api-error.js";
import type { SimEngine } from "./engine.js";
import type { GenerationStep } from "./generation.js";
import { isUnloadRequest } from "./keep-alive.js";
import type { SimModel } from "./models.js";
import type { GenerationSession } from "./session.js";
import { promptKeywords } from "./text-generator.js";
import { countTokens, tokenIds } from "./tokens.js";

export interface InferenceContext {
  engine: SimEngine;
  /** Request path, for fault matching. */
  path: string;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
}

/** Either an immediate single answer (load / unload) or an answer streamed chunk by chunk. */
export type Outcome<T> =
  | { kind: "immediate"; body: T }
  | { kind: "stream"; chunks: AsyncGenerator<T>; session: GenerationSession };

/** Ollama's wording when a model is not installed (handleScheduleError). */
export function modelNotFound(name: string): SimApiError {
  return new SimApiError(404, `model "${name}" not found, try pulling it first`);
}

function requireModel(engine: SimEngine, name: string): SimModel {
  const model = engine.findModel(name);
  if (!model) throw modelNotFound(name);
  return model;
}

function createdAt(engine: SimEngine): string {
  return new Date(engine.clock.wallNow()).toISOString();
}

function wantsThinking(model: SimModel, requested: ChatRequest["think"], name: string): boolean {
  const supports = model.capabilities.includes("thinking");
  const asked = requested !== undefined && requested !== false && requested !== "none";
  if (asked && !supports) throw new SimApiError(400, `"${name}" does not support thinking`);
  // Thinking models think unless told not to, as in Ollama.
  return supports && requested !== false && requested !== "none";
}

/** The conversation as text the model reads: roles, contents, tool calls and tool definitions. */
export function renderChatPrompt(
  messages: readonly ChatMessage[],
  tools: readonly unknown[] | undefined,
): string {
  const parts = messages.map((m) => {
    const calls = m.tool_calls ? ` ${JSON.stringify(m.tool_calls)}` : "";
    return `<|${m.role}|>\n${m.content}${calls}`;
  });
  if (tools && tools.length > 0) parts.unshift(`<|tools|>\n${JSON.stringify(tools)}`);
  return `${parts.join("\n")}\n<|assistant|>\n`;
}

export async function startChat(ctx: InferenceContext, req: ChatRequest): Promise<Outcome<ChatChunk>> {
  const { engine } = ctx;
  const keepAliveMs = engine.keepAliveMs(req.keep_alive);
  const model = requireModel(engine, req.model);
  const base = () => ({ model: req.model, created_at: createdAt(engine) });
  if (req.messages.length === 0 && isUnloadRequest(req.keep_alive)) {
    engine.unload(model);
    return {
      kind: "immediate",
      body: { ...base(), message: { role: "assistant", content: "" }, done_reason: "unload", done: true },
    };
  }
  if (!model.capabilities.includes("completion"))
    throw new SimApiError(400, `"${req.model}" does not support chat`);
  const think = wantsThinking(model, req.think, req.model);
  if (req.tools && req.tools.length > 0 && !model.capabilities.includes("tools")) {
    throw new SimApiError(400, `${qualifiedModelName(model.name)} does not support tools`);
  }
  if (req.messages.length === 0) {
    await engine.load(model, keepAliveMs, ctx.signal);
    return {
      kind: "immediate",
      body: { ...base(), message: { role: "assistant", content: "" }, done_reason: "load", done: true },
    };
  }
  // A last message from the assistant is a prefill: the model continues it (as Ollama does).
  const last = req.messages[req.messages.length - 1];
  const prefill =
    last?.role === "assistant" && !last.tool_calls?.length && last.content !== "" ? last.content : undefined;
  const conversation = prefill === undefined ? req.messages : req.messages.slice(0, -1);
  const promptText = renderChatPrompt(conversation, req.tools);
  const lastUser = [...req.messages].reverse().find((m) => m.role === "user");
  const lastRole = prefill === undefined ? last?.role : "assistant";
  const session = await engine.generate(
    {
      model,
      promptText,
      promptTokens: countTokens(promptText) + countTokens(prefill ?? "") + 3 * req.messages.length,
      keywords: promptKeywords(lastUser?.content ?? ""),
      options: req.options,
      format: req.format === "" ? undefined : req.format,
      think,
      // A model offered tools answers the user's turn with a call, and the tool's result with text.
      toolsForCall: lastRole === "user" ? req.tools : undefined,
      prefill,
      keepAliveMs,
      firstTokenDelayMs: engine.faults.takeFirstTokenDelay({ path: ctx.path, model: req.model }),
    },
    ctx.signal,
  );
  async function* chunks(): AsyncGenerator<ChatChunk> {
    for await (const step of session.steps(ctx.signal))
      yield { ...base(), message: chatMessageOf(step), done: false };
    yield {
      ...base(),
      message: { role: "assistant", content: "" },
      done_reason: session.plan.doneReason,
      done: true,
      ...session.stats(),
    };
  }
  return { kind: "stream", chunks: chunks(), session };
}

function chatMessageOf(step: GenerationStep): ChatChunk["message"] {
  if (step.kind === "thinking") return { role: "assistant", content: "", thinking: step.text };
  if (step.kind === "content") return { role: "assistant", content: step.text };
  return { role: "assistant", content: "", tool_calls: step.calls };
}

export async function startGenerate(
  ctx: InferenceContext,
  req: GenerateRequest,
): Promise<Outcome<GenerateChunk>> {
  const { engine } = ctx;
  const keepAliveMs = engine.keepAliveMs(req.keep_alive);
  const model = requireModel(engine, req.model);
  const base = () => ({ model: req.model, created_at: createdAt(engine) });
  if (req.prompt === "" && isUnloadRequest(req.keep_alive)) {
    engine.unload(model);
    return { kind: "immediate", body: { ...base(), response: "", done: true, done_reason: "unload" } };
  }
  if (req.raw && (req.template || req.system || (req.context && req.context.length > 0))) {
    throw new SimApiError(400, "raw mode does not support template, system, or context");
  }
  if (!model.capabilities.includes("completion"))
    throw new SimApiError(400, `"${req.model}" does not support generate`);
  if (req.suffix && !model.capabilities.includes("insert")) {
    throw new SimApiError(400, `${qualifiedModelName(model.name)} does not support insert`);
  }
  const think = wantsThinking(model, req.think, req.model);
  if (req.prompt === "") {
    await engine.load(model, keepAliveMs, ctx.signal);
    return { kind: "immediate", body: { ...base(), response: "", done: true, done_reason: "load" } };
  }
  // In raw mode, text after the last assistant marker is the start of the answer (a prefill).
  const marker = "<|assistant|>\n";
  const markerAt = req.raw ? req.prompt.lastIndexOf(marker) : -1;
  const rawPrefill = markerAt >= 0 ? req.prompt.slice(markerAt + marker.length) : "";
  const prefill = rawPrefill === "" ? undefined : rawPrefill;
  const promptText = req.raw
    ? req.prompt.slice(0, req.prompt.length - rawPrefill.length)
    : `${req.system ? `<|system|>\n${req.system}\n` : ""}<|user|>\n${req.prompt}\n<|assistant|>\n`;
  const session = await engine.generate(
    {
      model,
      promptText,
      promptTokens: countTokens(promptText) + (req.context?.length ?? 0) + (req.raw ? 0 : 3),
      keywords: promptKeywords(req.raw ? promptText : req.prompt),
      options: req.options,
      format: req.format === "" ? undefined : req.format,
      think,
      prefill,
      keepAliveMs,
      firstTokenDelayMs: engine.faults.takeFirstTokenDelay({ path: ctx.path, model: req.model }),
    },
    ctx.signal,
  );
  async function* chunks(): AsyncGenerator<GenerateChunk> {
    let response = "";
    for await (const step of session.steps(ctx.signal)) {
      if (step.kind === "thinking") yield { ...base(), response: "", thinking: step.text, done: false };
      else if (step.kind === "content") {
        response += step.text;
        yield { ...base(), response: step.text, done: false };
      }
    }
    const final: GenerateChunk = {
      ...base(),
      response: "",
      done: true,
      done_reason: session.plan.doneReason,
    };
    // `context` (deprecated in Ollama, still sent) encodes prompt and answer for the next turn.
    if (!req.raw) final.context = [...(req.context ?? []), ...tokenIds(promptText + response)];
    yield { ...final, ...session.stats() };
  }
  return { kind: "stream", chunks: chunks(), session };
}

/** The single object a `stream: false` chat returns: the final chunk with the whole message. */
export function joinChatChunks(chunks: readonly ChatChunk[]): ChatChunk {
  const last = chunks[chunks.length - 1];
  if (!last) throw new Error("a chat answer always has a final chunk");
  const content = chunks.map((c) => c.message.content).join("");
  const thinking = chunks.map((c) => c.message.thinking ?? "").join("");
  const toolCalls = chunks.flatMap((c) => c.message.tool_calls ?? []);
  const message: ChatChunk["message"] = { role: "assistant", content };
  if (thinking !== "") message.thinking = thinking;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return { ...last, message };
}

/** The single object a `stream: false` generate returns. */
export function joinGenerateChunks(chunks: readonly GenerateChunk[]): GenerateChunk {
  const last = chunks[chunks.length - 1];
  if (!last) throw new Error("a generate answer always has a final chunk");
  const joined: GenerateChunk = { ...last, response: chunks.map((c) => c.response).join("") };
  const thinking = chunks.map((c) => c.thinking ?? "").join("");
  if (thinking !== "") joined.thinking = thinking;
  return joined;
}

export async function runEmbed(ctx: InferenceContext, req: EmbedRequest): Promise<EmbedResponse> {
  const { engine } = ctx;
  const keepAliveMs = engine.keepAliveMs(req.keep_alive);
  const texts = typeof req.input === "string" ? (req.input === "" ? [] : [req.input]) : req.input;
  const model = requireModel(engine, req.model);
  if (texts.length === 0) {
    // An empty input only loads the model, as in Ollama.
    await engine.load(model, keepAliveMs, ctx.signal);
    return { model: req.model, embeddings: [] };
  }
  await delayFirstToken(ctx, req.model);
  const result = await engine.embed(
    model,
    texts,
    { keepAliveMs, truncate: req.truncate, dimensions: req.dimensions, numCtx: req.options?.num_ctx },
    ctx.signal,
  );
  return {
    model: req.model,
    embeddings: result.embeddings,
    total_duration: result.stats.total_duration,
    load_duration: result.stats.load_duration,
    prompt_eval_count: result.promptTokens,
  };
}

/** The older /api/embeddings: one prompt, one vector under `embedding`. */
export async function runEmbeddings(
  ctx: InferenceContext,
  req: EmbeddingsRequest,
): Promise<{ embedding: number[] }> {
  const { engine } = ctx;
  const keepAliveMs = engine.keepAliveMs(req.keep_alive);
  const model = requireModel(engine, req.model);
  if (req.prompt === "") {
    await engine.load(model, keepAliveMs, ctx.signal);
    return { embedding: [] };
  }
  await delayFirstToken(ctx, req.model);
  const result = await engine.embed(
    model,
    [req.prompt],
    { keepAliveMs, numCtx: req.options?.num_ctx },
    ctx.signal,
  );
  return { embedding: result.embeddings[0] ?? [] };
}

/** slow_first_token on an embedding request delays the whole answer. */
async function delayFirstToken(ctx: InferenceContext, model: string): Promise<void> {
  const delay = ctx.engine.faults.takeFirstTokenDelay({ path: ctx.path, model });
  if (delay > 0) await ctx.engine.pauseUntil(ctx.engine.clock.now() + delay, ctx.signal);
}
