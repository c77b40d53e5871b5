/**
 * The Ollama REST API (https://github.com/ollama/ollama/blob/main/docs/api.md) as zod
 * schemas and TypeScript types. Request schemas are loose: unknown fields are kept and
 * forwarded, because newer Ollama versions add fields we must not drop.
 */
import { z } from "zod";

export const keepAliveSchema = z.union([z.string(), z.number()]);

/** `format`: "json" for JSON mode, or a JSON schema object the output must match. */
export const formatSchema = z.union([z.literal("json"), z.literal(""), z.record(z.string(), z.unknown())]);

export const optionsSchema = z.looseObject({
  num_predict: z.number().int().optional(),
  temperature: z.number().optional(),
  seed: z.number().int().optional(),
  num_ctx: z.number().int().optional(),
  top_p: z.number().optional(),
  top_k: z.number().optional(),
  stop: z.array(z.string()).optional(),
});

const MODEL_REQUIRED = 'model is required: name the model to use, e.g. "llama3.2"';
const modelName = z
  .string({ error: (issue) => (issue.input === undefined ? MODEL_REQUIRED : "model must be a string") })
  .min(1, MODEL_REQUIRED);

export const toolCallSchema = z.looseObject({
  function: z.looseObject({
    name: z.string(),
    arguments: z.record(z.string(), z.unknown()),
  }),
});

export const chatMessageSchema = z.looseObject({
  role: z.string(),
  content: z.string().default(""),
  images: z.array(z.string()).optional(),
  tool_calls: z.array(toolCallSchema).optional(),
  thinking: z.string().optional(),
  tool_name: z.string().optional(),
});

export const chatRequestSchema = z.looseObject({
  model: modelName,
  messages: z.array(chatMessageSchema).default([]),
  tools: z.array(z.unknown()).optional(),
  format: formatSchema.optional(),
  options: optionsSchema.optional(),
  stream: z.boolean().optional(),
  keep_alive: keepAliveSchema.optional(),
  think: z.union([z.boolean(), z.string()]).optional(),
});

export const generateRequestSchema = z.looseObject({
  model: modelName,
  prompt: z.string().default(""),
  suffix: z.string().optional(),
  images: z.array(z.string()).optional(),
  format: formatSchema.optional(),
  options: optionsSchema.optional(),
  system: z.string().optional(),
  template: z.string().optional(),
  context: z.array(z.number().int()).optional(),
  stream: z.boolean().optional(),
  raw: z.boolean().optional(),
  keep_alive: keepAliveSchema.optional(),
  think: z.union([z.boolean(), z.string()]).optional(),
});

export const embedRequestSchema = z.looseObject({
  model: modelName,
  input: z.union([z.string(), z.array(z.string())]),
  truncate: z.boolean().optional(),
  options: optionsSchema.optional(),
  keep_alive: keepAliveSchema.optional(),
  dimensions: z.number().int().positive().optional(),
});

/** The older single-text embedding endpoint, `/api/embeddings`. */
export const embeddingsRequestSchema = z.looseObject({
  model: modelName,
  prompt: z.string(),
  options: optionsSchema.optional(),
  keep_alive: keepAliveSchema.optional(),
});

/** `/api/show`, `/api/pull`, `/api/delete` name the model as `model` (older clients: `name`). */
export const modelRefRequestSchema = z
  .looseObject({ model: z.string().optional(), name: z.string().optional() })
  .refine((body) => Boolean(body.model || body.name), {
    message: 'model is required: name the model, e.g. {"model": "llama3.2"}',
    path: ["model"],
  })
  .transform((body) => ({ ...body, model: (body.model || body.name) as string }));

export const pullRequestSchema = z
  .looseObject({
    model: z.string().optional(),
    name: z.string().optional(),
    insecure: z.boolean().optional(),
    stream: z.boolean().optional(),
  })
  .refine((body) => Boolean(body.model || body.name), {
    message: 'model is required: name the model to pull, e.g. {"model": "llama3.2"}',
    path: ["model"],
  })
  .transform((body) => ({ ...body, model: (body.model || body.name) as string }));

export const copyRequestSchema = z.looseObject({
  source: z.string().min(1, "source is required"),
  destination: z.string().min(1, "destination is required"),
});

export type Options = z.infer<typeof optionsSchema>;
export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type ChatRequest = z.infer<typeof chatRequestSchema>;
export type GenerateRequest = z.infer<typeof generateRequestSchema>;
export type EmbedRequest = z.infer<typeof embedRequestSchema>;
export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;
export type PullRequest = z.infer<typeof pullRequestSchema>;
export type CopyRequest = z.infer<typeof copyRequestSchema>;
export type Format = z.infer<typeof formatSchema>;

/** Timing and token counts Ollama puts on the final object of a generation (durations in ns). */
export interface GenerationStats {
  total_duration: number;
  load_duration: number;
  prompt_eval_count: number;
  prompt_eval_duration: number;
  eval_count: number;
  eval_duration: number;
}

export type DoneReason = "stop" | "length" | "load" | "unload";

export interface ChatChunk extends Partial<GenerationStats> {
  model: string;
  created_at: string;
  message: { role: "assistant"; content: string; thinking?: string; tool_calls?: ChatMessage["tool_calls"] };
  done: boolean;
  done_reason?: DoneReason;
}

export interface GenerateChunk extends Partial<GenerationStats> {
  model: string;
  created_at: string;
  response: string;
  thinking?: string;
  done: boolean;
  done_reason?: DoneReason;
  context?: number[];
}

export interface EmbedResponse {
  model: string;
  embeddings: number[][];
  total_duration?: number;
  load_duration?: number;
  prompt_eval_count?: number;
}

export interface ModelDetails {
  parent_model: string;
  format: string;
  family: string;
  families: string[] | null;
  parameter_size: string;
  quantization_level: string;
}

export interface TagModel {
  name: string;
  model: string;
  modified_at: string;
  size: number;
  digest: string;
  details: ModelDetails;
}

export interface TagsResponse {
  models: TagModel[];
}

export interface PsModel {
  name: string;
  model: string;
  size: number;
  digest: string;
  details: ModelDetails;
  expires_at: string;
  size_vram: number;
  context_length?: number;
}

export interface PsResponse {
  models: PsModel[];
}

export interface PullProgress {
  status: string;
  digest?: string;
  total?: number;
  completed?: number;
}

export interface VersionResponse {
  version: string;
}

/** Ollama's error body: `{"error": "..."}`; in a stream it arrives as one more NDJSON line. */
export interface ErrorBody {
  error: string;
}
