/**
 * OpenAI requests → Ollama native requests, field for field as Ollama's compatibility layer
 * maps them (openai.FromChatRequest / FromCompleteRequest and the embeddings middleware in
 * github.com/ollama/ollama), so a client sees the same behaviour through Hydra as from Ollama.
 *
 * Inputs are already schema-validated (see validate.ts); what is left to reject here needs the
 * data itself (image payloads, tool-call argument JSON) and raises BadRequestError.
 */
import { BadRequestError } from "../../errors.js";
import type {
  ChatMessage,
  ChatRequest,
  EmbedRequest,
  Format,
  GenerateRequest,
  Options,
} from "../ollama/types.js";
import {
  type ChatCompletionMessage,
  type ChatCompletionRequest,
  type CompletionRequest,
  type ContentPart,
  type EmbeddingRequest,
  normalizeResponseFormatType,
  type RequestToolCall,
  type ResponseFormat,
  requestedReasoningEffort,
} from "./types.js";

type OllamaToolCall = NonNullable<ChatMessage["tool_calls"]>[number];

// OpenAI's defaults differ from Ollama's model defaults (0.8 / 0.9); Ollama's /v1 layer pins
// OpenAI's so the same request samples the same way on both APIs.
const OPENAI_DEFAULT_TEMPERATURE = 1;
const OPENAI_DEFAULT_TOP_P = 1;

// --- images -----------------------------------------------------------------------------

// Ollama accepts exactly these data-URL prefixes; "data:;base64," matches /api/chat's bare base64.
const IMAGE_DATA_URL_PREFIXES = [
  "data:;base64,",
  ...["jpeg", "jpg", "png", "webp"].map((type) => `data:image/${type};base64,`),
];

// Standard, padded base64, which is what Go's StdEncoding (used by Ollama) insists on.
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The base64 payload of an image data URL, re-encoded canonically as Ollama's JSON carries it. */
export function imageDataUrlToBase64(url: string, where: string): string {
  const prefix = IMAGE_DATA_URL_PREFIXES.find((candidate) => url.startsWith(candidate));
  if (prefix === undefined) {
    throw new BadRequestError(
      `invalid image input: ${where} must be a base64 data URL such as "data:image/png;base64,..." ` +
        "(jpeg, jpg, png or webp); image URLs are not fetched",
    );
  }
  // Go's decoder skips line breaks, so clients that wrap base64 at 76 columns still work.
  const payload = url.slice(prefix.length).replace(/[\r\n]/g, "");
  if (!STRICT_BASE64.test(payload)) {
    throw new BadRequestError(`invalid message format: ${where} does not hold valid base64 image data`);
  }
  return Buffer.from(payload, "base64").toString("base64");
}

function imageUrlOf(part: Extract<ContentPart, { type: "image_url" }>): string {
  return typeof part.image_url === "string" ? part.image_url : part.image_url.url;
}

// --- tool calls -------------------------------------------------------------------------

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseToolArguments(text: string, where: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  // Go decodes JSON null into an empty map without complaint; everything else must be an object.
  if (value === null) return {};
  if (!isPlainObject(value)) {
    throw new BadRequestError(
      `invalid tool call arguments: ${where}.function.arguments must be a JSON object encoded as a string, ` +
        'e.g. "{\\"city\\": \\"Paris\\"}"',
    );
  }
  return value;
}

export function toOllamaToolCalls(calls: readonly RequestToolCall[], where: string): OllamaToolCall[] {
  return calls.map((call, j) => ({
    function: {
      name: call.function.name,
      arguments: parseToolArguments(call.function.arguments, `${where}.tool_calls[${j}]`),
    },
  }));
}

/** The tool a tool-result message answers: its `name`, else the call its `tool_call_id` names. */
function toolNameFor(
  message: ChatCompletionMessage,
  all: readonly ChatCompletionMessage[],
): string | undefined {
  if (message.role.toLowerCase() !== "tool") return undefined;
  if (message.name) return message.name;
  if (!message.tool_call_id) return undefined;
  // Newest first, as Ollama does, so a reused id resolves to the latest call.
  for (let i = all.length - 1; i >= 0; i--) {
    const call = all[i]?.tool_calls?.find((candidate) => candidate.id === message.tool_call_id);
    if (call !== undefined) return call.function.name;
  }
  return undefined;
}

// --- messages ---------------------------------------------------------------------------

function partToMessage(role: string, part: ContentPart, where: string): ChatMessage {
  if (part.type === "text") return { role, content: part.text };
  return { role, content: "", images: [imageDataUrlToBase64(imageUrlOf(part), `${where}.image_url`)] };
}

interface MessageExtras {
  thinking?: string;
  tool_calls?: OllamaToolCall[];
}

function extrasOf(message: ChatCompletionMessage, where: string): MessageExtras {
  const extras: MessageExtras = {};
  if (message.reasoning) extras.thinking = message.reasoning;
  if (message.tool_calls && message.tool_calls.length > 0) {
    extras.tool_calls = toOllamaToolCalls(message.tool_calls, where);
  }
  return extras;
}

/**
 * One OpenAI message becomes one Ollama message, except content-part arrays: like Ollama, each
 * part becomes its own message (text or one image), and tool calls and reasoning ride on the last.
 */
function convertMessage(message: ChatCompletionMessage, i: number, all: readonly ChatCompletionMessage[]) {
  const where = `messages[${i}]`;
  const { role, content } = message;
  const extras = extrasOf(message, where);
  const toolName = toolNameFor(message, all);
  const named = (m: ChatMessage): ChatMessage => (toolName ? { ...m, tool_name: toolName } : m);

  if (!Array.isArray(content)) return [named({ role, content: content ?? "", ...extras })];

  const converted = content.map((part, j) => named(partToMessage(role, part, `${where}.content[${j}]`)));
  const last = converted.pop();
  if (last !== undefined) return [...converted, { ...last, ...extras }];
  // An empty part list still has to carry its tool calls somewhere.
  return extras.tool_calls ? [named({ role, content: "", ...extras })] : [];
}

export function toOllamaMessages(messages: readonly ChatCompletionMessage[]): ChatMessage[] {
  return messages.flatMap((message, i) => convertMessage(message, i, messages));
}

// --- options ----------------------------------------------------------------------------

export function toStopList(stop: string | readonly string[] | null | undefined): string[] | undefined {
  if (stop == null) return undefined;
  if (typeof stop === "string") return [stop];
  return stop.length > 0 ? [...stop] : undefined;
}

/** Copies only the fields the client set, so Ollama's own defaults apply to the rest. */
function setIfPresent(options: Options, key: string, value: number | string[] | null | undefined): void {
  if (value != null) options[key] = value;
}

function chatOptions(request: ChatCompletionRequest): Options {
  const options: Options = {};
  setIfPresent(options, "stop", toStopList(request.stop));
  // max_completion_tokens is OpenAI's newer name for max_tokens, so it wins when both are set.
  setIfPresent(options, "num_predict", request.max_completion_tokens ?? request.max_tokens);
  options.temperature = request.temperature ?? OPENAI_DEFAULT_TEMPERATURE;
  setIfPresent(options, "seed", request.seed);
  setIfPresent(options, "frequency_penalty", request.frequency_penalty);
  setIfPresent(options, "presence_penalty", request.presence_penalty);
  options.top_p = request.top_p ?? OPENAI_DEFAULT_TOP_P;
  return options;
}

/** Ollama's completions mapping always sends both penalties and treats top_p 0 as unset. */
function completionOptions(request: CompletionRequest): Options {
  const options: Options = {};
  setIfPresent(options, "stop", toStopList(request.stop));
  setIfPresent(options, "num_predict", request.max_tokens);
  options.temperature = request.temperature ?? OPENAI_DEFAULT_TEMPERATURE;
  setIfPresent(options, "seed", request.seed);
  options.frequency_penalty = request.frequency_penalty ?? 0;
  options.presence_penalty = request.presence_penalty ?? 0;
  options.top_p = request.top_p ? request.top_p : OPENAI_DEFAULT_TOP_P;
  return options;
}

/** json_object → "json"; json_schema → its schema; "text" (or a schema-less json_schema) → none. */
export function toOllamaFormat(responseFormat: ResponseFormat | null | undefined): Format | undefined {
  if (!responseFormat) return undefined;
  switch (normalizeResponseFormatType(responseFormat.type)) {
    case "json_object":
      return "json";
    case "json_schema":
      return responseFormat.json_schema?.schema ?? undefined;
    default:
      return undefined;
  }
}

/** "none" turns thinking off; any other effort is passed on for models that grade it. */
function toThink(request: ChatCompletionRequest): boolean | string | undefined {
  const effort = requestedReasoningEffort(request);
  if (effort === undefined) return undefined;
  return effort === "none" ? false : effort;
}

// --- requests ---------------------------------------------------------------------------

export function chatCompletionToOllama(request: ChatCompletionRequest): ChatRequest {
  const out: ChatRequest = {
    model: request.model,
    messages: toOllamaMessages(request.messages),
    options: chatOptions(request),
    // OpenAI streams only when asked, while Ollama streams by default: always say which.
    stream: request.stream ?? false,
  };
  const format = toOllamaFormat(request.response_format);
  if (format !== undefined) out.format = format;
  if (request.tools && request.tools.length > 0) out.tools = request.tools;
  const think = toThink(request);
  if (think !== undefined) out.think = think;
  return out;
}

export function completionToOllama(request: CompletionRequest): GenerateRequest {
  const out: GenerateRequest = {
    model: request.model,
    prompt: typeof request.prompt === "string" ? request.prompt : (request.prompt[0] ?? ""),
    options: completionOptions(request),
    stream: request.stream ?? false,
  };
  if (request.suffix) out.suffix = request.suffix;
  return out;
}

export function embeddingsToOllama(request: EmbeddingRequest): EmbedRequest {
  // Ollama sends an empty string as a one-element batch so it still gets one embedding back.
  const out: EmbedRequest = { model: request.model, input: request.input === "" ? [""] : request.input };
  if (request.dimensions != null) out.dimensions = request.dimensions;
  return out;
}
