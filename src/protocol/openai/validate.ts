/**
 * Parse incoming OpenAI request bodies, turning zod's issues into one message a person can act
 * on ("messages[0].content: ...") and raising it as a 400.
 */
import type { z } from "zod";
import { BadRequestError } from "../../errors.js";
import { formatValidationError } from "../../validation/zod-issues.js";
import {
  type ChatCompletionRequest,
  type CompletionRequest,
  chatCompletionRequestSchema,
  completionRequestSchema,
  type EmbeddingRequest,
  embeddingRequestSchema,
} from "./types.js";

function parseWith<T>(schema: z.ZodType<T>, body: unknown): T {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequestError("invalid request: the body must be a JSON object");
  }
  const result = schema.safeParse(body);
  if (!result.success) throw new BadRequestError(formatValidationError(result.error));
  return result.data;
}

/** @throws BadRequestError when the body is not a valid chat completion request. */
export function parseChatCompletionRequest(body: unknown): ChatCompletionRequest {
  return parseWith(chatCompletionRequestSchema, body);
}

/** @throws BadRequestError when the body is not a valid completion request. */
export function parseCompletionRequest(body: unknown): CompletionRequest {
  return parseWith(completionRequestSchema, body);
}

/** @throws BadRequestError when the body is not a valid embeddings request. */
export function parseEmbeddingRequest(body: unknown): EmbeddingRequest {
  return parseWith(embeddingRequestSchema, body);
}

export { formatPath, formatValidationError } from "../../validation/zod-issues.js";
