/**
 * Ollama native responses → OpenAI responses, shaped as Ollama's compatibility layer shapes
 * them (openai.ToChatCompletion / ToChunks / ToCompletion / ToCompleteChunk / ToEmbeddingList /
 * ToListCompletion and the middleware writers in github.com/ollama/ollama).
 */
import type {
  ChatChunk,
  ChatMessage,
  DoneReason,
  EmbedResponse,
  ErrorBody,
  GenerateChunk,
  GenerationStats,
  TagsResponse,
} from "../ollama/types.js";
import { toOpenAIErrorBody } from "./errors.js";
import { toolCallId } from "./ids.js";
import type {
  ChatCompletion,
  ChatCompletionChunk,
  ChatCompletionDelta,
  Completion,
  CompletionChunk,
  EmbeddingList,
  EncodingFormat,
  FinishReason,
  Model,
  ModelList,
  OpenAIErrorBody,
  ResponseToolCall,
  Usage,
} from "./types.js";

/** Ollama stamps every chat and completion object with this fingerprint. */
export const SYSTEM_FINGERPRINT = "fp_ollama";

export interface ResponseContext {
  id: string;
  /** Unix seconds; one value for the whole response, every chunk of a stream included. */
  created: number;
  model: string;
  /** Mints ids for tool calls the model made without one; defaults to Ollama's "call_xxxxxxxx". */
  newToolCallId?: () => string;
}

export interface StreamContext extends ResponseContext {
  /** `stream_options.include_usage`: end with one extra chunk that has `choices: []` and usage. */
  includeUsage: boolean;
}

type OllamaToolCall = NonNullable<ChatMessage["tool_calls"]>[number];

// --- shared pieces ----------------------------------------------------------------------

export function toUsage(stats: Partial<GenerationStats>): Usage {
  const prompt = stats.prompt_eval_count ?? 0;
  const completion = stats.eval_count ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

/** Tool calls win over whatever Ollama says, since the client must act on them either way. */
export function toFinishReason(doneReason: DoneReason | undefined, madeToolCalls: boolean): FinishReason {
  if (madeToolCalls) return "tool_calls";
  return doneReason === "length" ? "length" : "stop";
}

function stringField(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Ollama's tool calls, OpenAI-shaped: arguments become a JSON string, the id is Ollama's when it
 * sent one, and the index is Ollama's `function.index` when present, else the call's position
 * counted from `firstIndex` (so calls spread over several stream chunks keep distinct indexes).
 */
export function toResponseToolCalls(
  calls: readonly OllamaToolCall[] | undefined,
  firstIndex: number,
  newId: () => string,
): ResponseToolCall[] {
  return (calls ?? []).map((call, i) => {
    const { index } = call.function;
    return {
      id: stringField(call.id) ?? newId(),
      index: typeof index === "number" ? index : firstIndex + i,
      type: "function",
      function: { name: call.function.name, arguments: JSON.stringify(call.function.arguments ?? {}) },
    };
  });
}

function newIdOf(ctx: ResponseContext): () => string {
  return ctx.newToolCallId ?? (() => toolCallId());
}

export function isOllamaErrorBody(value: object): value is ErrorBody {
  return "error" in value && typeof value.error === "string";
}

// --- non-streaming ----------------------------------------------------------------------

/** `final` is the last chat object with the whole answer in `message` (streamed content joined). */
export function toChatCompletion(final: ChatChunk, ctx: ResponseContext): ChatCompletion {
  const toolCalls = toResponseToolCalls(final.message.tool_calls, 0, newIdOf(ctx));
  const message: ChatCompletion["choices"][number]["message"] = {
    role: "assistant",
    content: final.message.content ?? "",
  };
  const reasoning = stringField(final.message.thinking);
  if (reasoning !== undefined) message.reasoning = reasoning;
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: ctx.id,
    object: "chat.completion",
    created: ctx.created,
    model: ctx.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [{ index: 0, message, finish_reason: toFinishReason(final.done_reason, toolCalls.length > 0) }],
    usage: toUsage(final),
  };
}

/** `final` is the last generate object with the whole text in `response`. */
export function toCompletion(final: GenerateChunk, ctx: ResponseContext): Completion {
  return {
    id: ctx.id,
    object: "text_completion",
    created: ctx.created,
    model: ctx.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
    choices: [
      { text: final.response ?? "", index: 0, finish_reason: toFinishReason(final.done_reason, false) },
    ],
    usage: toUsage(final),
  };
}

/** OpenAI's base64 embedding format: the vector as little-endian float32 bytes. */
export function floatsToBase64(values: readonly number[]): string {
  const bytes = new DataView(new ArrayBuffer(values.length * 4));
  values.forEach((value, i) => {
    bytes.setFloat32(i * 4, value, true);
  });
  return Buffer.from(bytes.buffer).toString("base64");
}

/** `model` is the name the client asked for, which is what Ollama echoes (not the resolved one). */
export function toEmbeddingList(
  response: EmbedResponse,
  model: string,
  encodingFormat: EncodingFormat | undefined = "float",
): EmbeddingList {
  const asBase64 = encodingFormat === "base64";
  const promptTokens = response.prompt_eval_count ?? 0;
  return {
    object: "list",
    data: (response.embeddings ?? []).map((vector, index) => ({
      object: "embedding",
      embedding: asBase64 ? floatsToBase64(vector) : vector,
      index,
    })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

/**
 * The namespace part of an Ollama model name ([host/][namespace/]model[:tag]), which Ollama
 * reports as `owned_by`: "library" for official models, the user for "user/model", "" when the
 * name has too many parts to be valid.
 */
export function modelNamespace(name: string): string {
  const path = name.replace(/^https?:\/\//, "").split("@")[0] ?? "";
  const segments = path.split("/");
  if (path === "" || segments.length > 3) return "";
  return segments.length === 1 ? "library" : (segments[segments.length - 2] ?? "");
}

function unixSecondsOf(timestamp: string): number {
  const millis = Date.parse(timestamp);
  return Number.isNaN(millis) ? 0 : Math.floor(millis / 1000);
}

/** One model, as GET /v1/models/{model} answers (`modifiedAt` is Ollama's `modified_at`). */
export function toModel(name: string, modifiedAt: string): Model {
  return { id: name, object: "model", created: unixSecondsOf(modifiedAt), owned_by: modelNamespace(name) };
}

/** Unlike Ollama, which sends `"data": null` when no model is installed, this always sends a list. */
export function toModelList(tags: TagsResponse): ModelList {
  return { object: "list", data: tags.models.map((model) => toModel(model.name, model.modified_at)) };
}

// --- streaming --------------------------------------------------------------------------

export type ChatStreamEvent = ChatCompletionChunk | OpenAIErrorBody;
export type CompletionStreamEvent = CompletionChunk | OpenAIErrorBody;

const TRUNCATED_STREAM_MESSAGE = "the model's response ended before it was complete; try the request again";

/**
 * A failure inside a stream that already answered 200: the OpenAI client raises an APIError
 * for any event that carries `error`, so the failure is not mistaken for a finished answer.
 */
function streamError(message: string): OpenAIErrorBody {
  return toOpenAIErrorBody(500, message);
}

/**
 * Turns Ollama's /api/chat NDJSON objects, one `push` at a time, into the chat.completion.chunk
 * objects Ollama's /v1/chat/completions streams: every delta carries role "assistant" (the
 * first one included, as OpenAI requires); an object with both thinking and content/tool calls
 * is split into a reasoning chunk and a content chunk; the final chunk has the finish_reason
 * ("tool_calls" if any earlier chunk made a call); with includeUsage one more chunk follows with
 * `choices: []` and usage. The caller writes each as an SSE event, then SSE_DONE once `done`.
 */
export class ChatStreamTranslator {
  readonly #ctx: StreamContext;
  readonly #newId: () => string;
  #toolCallCount = 0;
  #done = false;

  constructor(ctx: StreamContext) {
    this.#ctx = ctx;
    this.#newId = newIdOf(ctx);
  }

  /** True once the final chunk (or an error) went through; later pushes return nothing. */
  get done(): boolean {
    return this.#done;
  }

  push(chunk: ChatChunk | ErrorBody): ChatStreamEvent[] {
    if (this.#done) return [];
    if (isOllamaErrorBody(chunk)) return this.#fail(chunk.error);
    const chunks = this.#toChunks(chunk);
    if (!chunk.done) return chunks;
    this.#done = true;
    return this.#ctx.includeUsage ? [...chunks, this.#usageChunk(chunk)] : chunks;
  }

  /** Call when the upstream body ends: an error event if it ended before the final object. */
  end(): ChatStreamEvent[] {
    return this.#done ? [] : this.#fail(TRUNCATED_STREAM_MESSAGE);
  }

  #fail(message: string): ChatStreamEvent[] {
    this.#done = true;
    return [streamError(message)];
  }

  #chunk(delta: ChatCompletionDelta, finishReason: FinishReason | null): ChatCompletionChunk {
    const { id, created, model } = this.#ctx;
    return {
      id,
      object: "chat.completion.chunk",
      created,
      model,
      system_fingerprint: SYSTEM_FINGERPRINT,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    };
  }

  #toChunks(chunk: ChatChunk): ChatCompletionChunk[] {
    const toolCalls = toResponseToolCalls(chunk.message.tool_calls, this.#toolCallCount, this.#newId);
    this.#toolCallCount += toolCalls.length;
    const finishReason = chunk.done ? toFinishReason(chunk.done_reason, this.#toolCallCount > 0) : null;
    const content = chunk.message.content ?? "";
    const reasoning = stringField(chunk.message.thinking);
    const answer: ChatCompletionDelta = { role: "assistant", content };
    if (toolCalls.length > 0) answer.tool_calls = toolCalls;

    if (reasoning === undefined) return [this.#chunk(answer, finishReason)];
    if (content === "" && toolCalls.length === 0) {
      return [this.#chunk({ ...answer, reasoning }, finishReason)];
    }
    // Clients render reasoning and answer separately, so Ollama never mixes them in one delta.
    return [
      this.#chunk({ role: "assistant", content: "", reasoning }, null),
      this.#chunk(answer, finishReason),
    ];
  }

  #usageChunk(final: ChatChunk): ChatCompletionChunk {
    return { ...this.#chunk({ role: "assistant", content: "" }, null), choices: [], usage: toUsage(final) };
  }
}

/**
 * Turns Ollama's /api/generate NDJSON objects into the text_completion chunks Ollama's
 * /v1/completions streams. With includeUsage, Ollama puts an all-zero usage on every chunk and
 * then sends one more chunk with `choices: []` and the real usage; this does the same.
 */
export class CompletionStreamTranslator {
  readonly #ctx: StreamContext;
  #done = false;

  constructor(ctx: StreamContext) {
    this.#ctx = ctx;
  }

  get done(): boolean {
    return this.#done;
  }

  push(chunk: GenerateChunk | ErrorBody): CompletionStreamEvent[] {
    if (this.#done) return [];
    if (isOllamaErrorBody(chunk)) return this.#fail(chunk.error);
    const finishReason = chunk.done ? toFinishReason(chunk.done_reason, false) : null;
    const out = this.#chunk([{ text: chunk.response ?? "", index: 0, finish_reason: finishReason }]);
    if (this.#ctx.includeUsage) out.usage = toUsage({});
    if (!chunk.done) return [out];
    this.#done = true;
    return this.#ctx.includeUsage ? [out, { ...this.#chunk([]), usage: toUsage(chunk) }] : [out];
  }

  end(): CompletionStreamEvent[] {
    return this.#done ? [] : this.#fail(TRUNCATED_STREAM_MESSAGE);
  }

  #fail(message: string): CompletionStreamEvent[] {
    this.#done = true;
    return [streamError(message)];
  }

  #chunk(choices: CompletionChunk["choices"]): CompletionChunk {
    const { id, created, model } = this.#ctx;
    return { id, object: "text_completion", created, model, system_fingerprint: SYSTEM_FINGERPRINT, choices };
  }
}
