/**
 * The features of a request that the router's cost model needs, read once from the path,
 * body and headers: the model, a task type, the prompt size, the expected output, the
 * priority and a session key for prefix (KV cache) affinity. Pure and forgiving: a body the
 * router does not understand yields defaults, never an error (validation is the route's job).
 */
import { createHash } from "node:crypto";
import { PRIORITY_HEADER, parsePriority } from "../admission/priority.js";

export const SESSION_HEADER = "x-hydra-session";

export type TaskType =
  | "embedding"
  | "code"
  | "extraction"
  | "reasoning"
  | "summarization"
  | "classification"
  | "analysis"
  | "chat";

export interface RequestFeatures {
  model: string;
  taskType: TaskType;
  /** Estimated from characters (about 4 per token): cheap, and good enough to compare nodes. */
  promptTokens: number;
  messageCount: number;
  /** The client's output limit (num_predict / max_tokens); absent when it set none. */
  expectedOutputTokens?: number;
  priority: number;
  /** Requests sharing it share a prompt prefix, so the node that served the last one has it cached. */
  sessionKey?: string;
}

export interface RequestInput {
  path: string;
  body: unknown;
  headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface FeatureOptions {
  defaultPriority: number;
  /** Keyword detection reads at most this many characters: prompts can be megabytes. */
  keywordScanChars: number;
}

const DEFAULT_FEATURE_OPTIONS: FeatureOptions = { defaultPriority: 5, keywordScanChars: 4_000 };

const CHARS_PER_TOKEN = 4;
const SESSION_HASH_CHARS = 16;

/** Checked in order: "analyze this step by step" is reasoning, not analysis. */
const KEYWORD_TASKS: readonly (readonly [RegExp, TaskType])[] = [
  [/\b(reason(ing)?|prove|proof|step[- ]by[- ]step)\b/i, "reasoning"],
  [/\b(summari[sz]e|summary|tl;?dr)\b/i, "summarization"],
  [/\b(classify|categori[sz]e|label)\b/i, "classification"],
  [/\b(analy[sz]e|analysis)\b/i, "analysis"],
];

interface Message {
  role: string;
  text: string;
}

export function requestFeatures(input: RequestInput, options: Partial<FeatureOptions> = {}): RequestFeatures {
  const { defaultPriority, keywordScanChars } = { ...DEFAULT_FEATURE_OPTIONS, ...options };
  const body = asRecord(input.body);
  const model = typeof body.model === "string" ? body.model : "";
  const messages = readMessages(body.messages);
  const prompt = readText(body.prompt) + readText(body.input);
  const system =
    typeof body.system === "string" ? body.system : messages.find((m) => m.role === "system")?.text;
  const firstUser = messages.find((m) => m.role === "user")?.text ?? prompt;
  const lastUser = findLast(messages, "user") ?? prompt;

  const bodySystemChars = typeof body.system === "string" ? body.system.length : 0;
  const chars = messages.reduce((sum, m) => sum + m.text.length, 0) + prompt.length + bodySystemChars;
  const embedding = isEmbeddingPath(input.path);
  const features: RequestFeatures = {
    model,
    taskType: taskTypeOf(embedding, model, body, `${system ?? ""}\n${lastUser}`.slice(0, keywordScanChars)),
    promptTokens: Math.ceil(chars / CHARS_PER_TOKEN),
    messageCount: messages.length > 0 ? messages.length : prompt.length > 0 ? 1 : 0,
    priority: safePriority(input.headers[PRIORITY_HEADER], body, defaultPriority),
  };
  // Embeddings produce no tokens: decoding time must not count against the node.
  const output = embedding ? 0 : outputLimit(body);
  if (output !== undefined) features.expectedOutputTokens = output;
  const sessionKey =
    headerValue(input.headers[SESSION_HEADER])?.trim() || hashSession(model, system, firstUser);
  if (sessionKey) features.sessionKey = sessionKey;
  return features;
}

export function isEmbeddingPath(path: string): boolean {
  const route = path.split("?", 1)[0] ?? "";
  return route === "/api/embed" || route === "/api/embeddings" || route === "/v1/embeddings";
}

function taskTypeOf(
  embedding: boolean,
  model: string,
  body: Record<string, unknown>,
  text: string,
): TaskType {
  if (embedding) return "embedding";
  if (/code|coder/i.test(model)) return "code";
  if (wantsStructuredOutput(body)) return "extraction";
  for (const [pattern, task] of KEYWORD_TASKS) if (pattern.test(text)) return task;
  return "chat";
}

/** Ollama's `format` ("json" or a schema) or OpenAI's `response_format` other than plain text. */
function wantsStructuredOutput(body: Record<string, unknown>): boolean {
  if (body.format !== undefined && body.format !== null && body.format !== "") return true;
  const responseFormat = asRecord(body.response_format);
  return typeof responseFormat.type === "string" && responseFormat.type !== "text";
}

/** Ollama's options.num_predict (-1 and -2 mean "no limit"), else OpenAI's max_(completion_)tokens. */
function outputLimit(body: Record<string, unknown>): number | undefined {
  const candidates = [asRecord(body.options).num_predict, body.max_completion_tokens, body.max_tokens];
  for (const value of candidates) {
    if (typeof value === "number" && Number.isInteger(value) && value > 0) return value;
  }
  return undefined;
}

function safePriority(header: string | string[] | undefined, body: unknown, fallback: number): number {
  try {
    return parsePriority(headerValue(header), body, fallback);
  } catch {
    // A bad priority is answered with 400 by the route; routing must not fail on it first.
    return fallback;
  }
}

function hashSession(model: string, system: string | undefined, firstUser: string): string | undefined {
  if (!system && !firstUser) return undefined;
  // The model is part of the key: a node's prompt cache holds one model's KV state.
  return createHash("sha256")
    .update(`${model}\0${system ?? ""}\0${firstUser}`)
    .digest("hex")
    .slice(0, SESSION_HASH_CHARS);
}

function readMessages(value: unknown): Message[] {
  if (!Array.isArray(value)) return [];
  return value.map((entry) => {
    const message = asRecord(entry);
    return { role: typeof message.role === "string" ? message.role : "", text: readText(message.content) };
  });
}

/** A string, an array of strings (OpenAI prompt/input), or OpenAI content parts with `text`. */
function readText(value: unknown): string {
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) return "";
  return value
    .map((part) => (typeof part === "string" ? part : readText(asRecord(part).text)))
    .filter((text) => text.length > 0)
    .join("\n");
}

function findLast(messages: readonly Message[], role: string): string | undefined {
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role === role) return message.text;
  }
  return undefined;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
