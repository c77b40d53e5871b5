/**
 * The subset of the OpenAI REST API that Ollama's compatibility layer serves
 * (/v1/chat/completions, /v1/completions, /v1/embeddings, /v1/models), as zod schemas for
 * what clients send and TypeScript types for what we answer.
 *
 * Request schemas are loose: unknown fields are kept, because OpenAI adds fields often and a
 * gateway must not reject a request just because it is newer than this file. Optional fields
 * accept `null` too, since the official SDKs (Python especially) send explicit nulls.
 */
import { z } from "zod";

const modelSchema = z
  .string({ error: 'model is required: name the model to use, e.g. "llama3.2"' })
  .min(1, 'model is required: name the model to use, e.g. "llama3.2"');

function optionalNumber(field: string) {
  return z.number({ error: `${field} must be a number` }).nullish();
}

function optionalInt(field: string) {
  return z
    .number({ error: `${field} must be an integer` })
    .int({ error: `${field} must be an integer` })
    .nullish();
}

const stopSchema = z
  .union([z.string(), z.array(z.string({ error: "each stop sequence must be a string" }))], {
    error: 'stop must be a string or an array of strings, e.g. "\\n" or ["\\n", "END"]',
  })
  .nullish();

const streamOptionsSchema = z
  .looseObject({
    include_usage: z.boolean({ error: "stream_options.include_usage must be true or false" }).nullish(),
  })
  .nullish();

// --- chat -------------------------------------------------------------------------------

export const textPartSchema = z.looseObject({
  type: z.literal("text"),
  text: z.string({ error: 'a "text" content part needs a "text" string' }),
});

/** `image_url` is `{url}` in the OpenAI spec; Ollama also takes a bare string, so do we. */
export const imagePartSchema = z.looseObject({
  type: z.literal("image_url"),
  image_url: z.union([z.string(), z.looseObject({ url: z.string(), detail: z.string().nullish() })], {
    error: 'an "image_url" content part needs image_url: {"url": "data:image/png;base64,..."}',
  }),
});

export const contentPartSchema = z.discriminatedUnion("type", [textPartSchema, imagePartSchema], {
  error:
    'content parts must be {"type": "text", "text": ...} or {"type": "image_url", "image_url": {"url": ...}}',
});

export const requestToolCallSchema = z.looseObject({
  id: z.string().nullish(),
  type: z.string().nullish(),
  function: z.looseObject(
    {
      name: z.string({ error: "a tool call needs function.name (the name of the tool that was called)" }),
      arguments: z.string({
        error: 'tool call function.arguments must be a JSON-encoded string, e.g. "{\\"city\\": \\"Paris\\"}"',
      }),
    },
    { error: 'a tool call needs "function": {"name": ..., "arguments": ...}' },
  ),
});

export const chatMessageSchema = z
  .looseObject(
    {
      role: z
        .string({ error: 'each message needs a role: "system", "user", "assistant" or "tool"' })
        .min(1, 'each message needs a role: "system", "user", "assistant" or "tool"'),
      content: z
        .union([z.string(), z.array(contentPartSchema)], {
          error: "message content must be a string or an array of content parts",
        })
        .nullish(),
      name: z.string().nullish(),
      tool_call_id: z.string().nullish(),
      tool_calls: z.array(requestToolCallSchema, { error: "tool_calls must be an array" }).nullish(),
      // Ollama's extension: the assistant's earlier reasoning, sent back as `thinking`.
      reasoning: z.string().nullish(),
    },
    { error: 'each message must be an object like {"role": "user", "content": "Hello"}' },
  )
  .refine((message) => message.content != null || message.tool_calls != null, {
    message: "content is required unless the message has tool_calls",
    path: ["content"],
  });

export const toolSchema = z.looseObject(
  {
    type: z.string({ error: 'each tool needs a type, e.g. "function"' }),
    function: z
      .looseObject({ name: z.string({ error: "each function tool needs function.name" }) })
      .optional(),
  },
  { error: 'each tool must be an object like {"type": "function", "function": {"name": ...}}' },
);

export const RESPONSE_FORMAT_TYPES = ["text", "json_object", "json_schema"] as const;
export type ResponseFormatType = (typeof RESPONSE_FORMAT_TYPES)[number];

/** Ollama trims and lower-cases the type before matching it; so do we. */
export function normalizeResponseFormatType(type: string): string {
  return type.trim().toLowerCase();
}

export const responseFormatSchema = z
  .looseObject({
    type: z.string({ error: 'response_format needs a type: "text", "json_object" or "json_schema"' }),
    json_schema: z
      .looseObject({
        name: z.string().nullish(),
        schema: z
          .record(z.string(), z.unknown(), { error: "json_schema.schema must be a JSON schema object" })
          .nullish(),
        strict: z.boolean().nullish(),
      })
      .nullish(),
  })
  .refine(
    (format) =>
      (RESPONSE_FORMAT_TYPES as readonly string[]).includes(normalizeResponseFormatType(format.type)),
    {
      message: 'response_format.type must be "text", "json_object" or "json_schema"',
      path: ["type"],
    },
  );

/** The efforts Ollama accepts; "none" turns thinking off. */
export const REASONING_EFFORTS = ["high", "medium", "low", "none"] as const;

function reasoningEffortOf(request: {
  reasoning_effort?: string | null;
  reasoning?: { effort?: string | null } | null;
}) {
  return request.reasoning?.effort || request.reasoning_effort || undefined;
}

export const chatCompletionRequestSchema = z
  .looseObject({
    model: modelSchema,
    messages: z
      .array(chatMessageSchema, {
        error: 'messages is required: an array like [{"role": "user", "content": "Hello"}]',
      })
      .min(1, "messages must hold at least one message ([] is too short - 'messages')"),
    stream: z.boolean({ error: "stream must be true or false" }).nullish(),
    stream_options: streamOptionsSchema,
    max_tokens: optionalInt("max_tokens"),
    max_completion_tokens: optionalInt("max_completion_tokens"),
    temperature: optionalNumber("temperature"),
    top_p: optionalNumber("top_p"),
    seed: optionalInt("seed"),
    stop: stopSchema,
    frequency_penalty: optionalNumber("frequency_penalty"),
    presence_penalty: optionalNumber("presence_penalty"),
    response_format: responseFormatSchema.nullish(),
    tools: z.array(toolSchema, { error: "tools must be an array of tool definitions" }).nullish(),
    reasoning_effort: z.string({ error: "reasoning_effort must be a string" }).nullish(),
    reasoning: z.looseObject({ effort: z.string().nullish() }).nullish(),
  })
  .superRefine((request, ctx) => {
    const effort = reasoningEffortOf(request);
    if (effort !== undefined && !(REASONING_EFFORTS as readonly string[]).includes(effort)) {
      ctx.addIssue({
        code: "custom",
        path: request.reasoning?.effort ? ["reasoning", "effort"] : ["reasoning_effort"],
        // Ollama's own wording, so clients see the same error through Hydra as from Ollama.
        message: `invalid reasoning value: '${effort}' (must be "high", "medium", "low", or "none")`,
      });
    }
  });

export type TextPart = z.infer<typeof textPartSchema>;
export type ImagePart = z.infer<typeof imagePartSchema>;
export type ContentPart = z.infer<typeof contentPartSchema>;
export type RequestToolCall = z.infer<typeof requestToolCallSchema>;
export type ChatCompletionMessage = z.infer<typeof chatMessageSchema>;
export type ResponseFormat = z.infer<typeof responseFormatSchema>;
export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;

/** The reasoning effort a chat request asks for (`reasoning.effort` wins over `reasoning_effort`). */
export function requestedReasoningEffort(request: ChatCompletionRequest): string | undefined {
  return reasoningEffortOf(request);
}

// --- legacy completions -----------------------------------------------------------------

export const completionRequestSchema = z.looseObject({
  model: modelSchema,
  // Ollama takes one prompt per request; a one-element array is the same request.
  prompt: z.union(
    [
      z.string(),
      z
        .array(z.string({ error: "prompt must be text: token arrays are not supported" }))
        .length(1, "prompt as an array must hold exactly one string; send one request per prompt"),
    ],
    { error: "prompt is required: a string (or an array holding exactly one string)" },
  ),
  suffix: z.string({ error: "suffix must be a string" }).nullish(),
  max_tokens: optionalInt("max_tokens"),
  stream: z.boolean({ error: "stream must be true or false" }).nullish(),
  stream_options: streamOptionsSchema,
  temperature: optionalNumber("temperature"),
  top_p: optionalNumber("top_p"),
  seed: optionalInt("seed"),
  stop: stopSchema,
  frequency_penalty: optionalNumber("frequency_penalty"),
  presence_penalty: optionalNumber("presence_penalty"),
});

export type CompletionRequest = z.infer<typeof completionRequestSchema>;

// --- embeddings -------------------------------------------------------------------------

export const ENCODING_FORMATS = ["float", "base64"] as const;
export type EncodingFormat = (typeof ENCODING_FORMATS)[number];

export const embeddingRequestSchema = z.looseObject({
  model: modelSchema,
  input: z.union(
    [
      z.string(),
      z
        .array(z.string({ error: "each input must be a string: token arrays are not supported" }))
        .min(1, "input must not be an empty array: send at least one string"),
    ],
    { error: "input is required: a string or an array of strings (token arrays are not supported)" },
  ),
  dimensions: z
    .number({ error: "dimensions must be a positive integer" })
    .int({ error: "dimensions must be a positive integer" })
    .positive({ error: "dimensions must be a positive integer" })
    .nullish(),
  // Ollama matches the format case-insensitively and answers with this exact message.
  encoding_format: z
    .string()
    .nullish()
    .transform((format, ctx) => {
      if (format == null || format === "") return undefined;
      const normalized = format.toLowerCase();
      if ((ENCODING_FORMATS as readonly string[]).includes(normalized)) return normalized as EncodingFormat;
      ctx.addIssue({
        code: "custom",
        message: `Invalid value for 'encoding_format' = ${format}. Supported values: ['float', 'base64'].`,
      });
      return z.NEVER;
    }),
});

export type EmbeddingRequest = z.infer<typeof embeddingRequestSchema>;

// --- responses --------------------------------------------------------------------------

export type FinishReason = "stop" | "length" | "tool_calls";

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ResponseToolCall {
  id: string;
  /** Ollama sends the index even outside streams; the OpenAI client reads it in streams. */
  index: number;
  type: "function";
  function: { name: string; arguments: string };
}

export interface AssistantMessage {
  role: "assistant";
  content: string;
  /** Ollama's name for the model's thinking; absent when the model did not think. */
  reasoning?: string;
  tool_calls?: ResponseToolCall[];
}

export interface ChatCompletionChoice {
  index: number;
  message: AssistantMessage;
  finish_reason: FinishReason | null;
}

export interface ChatCompletion {
  id: string;
  object: "chat.completion";
  created: number;
  model: string;
  system_fingerprint: string;
  choices: ChatCompletionChoice[];
  usage: Usage;
}

export interface ChatCompletionDelta {
  role: "assistant";
  content: string;
  reasoning?: string;
  tool_calls?: ResponseToolCall[];
}

export interface ChatCompletionChunkChoice {
  index: number;
  delta: ChatCompletionDelta;
  finish_reason: FinishReason | null;
}

export interface ChatCompletionChunk {
  id: string;
  object: "chat.completion.chunk";
  created: number;
  model: string;
  system_fingerprint: string;
  choices: ChatCompletionChunkChoice[];
  usage?: Usage;
}

export interface CompletionChoice {
  text: string;
  index: number;
  finish_reason: FinishReason | null;
}

export interface Completion {
  id: string;
  object: "text_completion";
  created: number;
  model: string;
  system_fingerprint: string;
  choices: CompletionChoice[];
  usage: Usage;
}

/** Ollama uses the same object name for streamed completion chunks as for whole completions. */
export interface CompletionChunk {
  id: string;
  object: "text_completion";
  created: number;
  model: string;
  system_fingerprint: string;
  choices: CompletionChoice[];
  usage?: Usage;
}

export interface Embedding {
  object: "embedding";
  /** Floats, or little-endian float32 bytes in base64 when `encoding_format` is "base64". */
  embedding: number[] | string;
  index: number;
}

export interface EmbeddingList {
  object: "list";
  data: Embedding[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

export interface Model {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
}

export interface ModelList {
  object: "list";
  data: Model[];
}

export interface OpenAIErrorBody {
  error: {
    message: string;
    type: string;
    param: string | null;
    code: string | null;
  };
}
