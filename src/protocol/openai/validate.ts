/**
 * Parse incoming OpenAI request bodies, turning zod's issues into one message a person can act
 * on ("messages[0].content: ...") and raising it as a 400.
 */
import type { z } from "zod";
import { BadRequestError } from "../../errors.js";
import {
  type ChatCompletionRequest,
  type CompletionRequest,
  chatCompletionRequestSchema,
  completionRequestSchema,
  type EmbeddingRequest,
  embeddingRequestSchema,
} from "./types.js";

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** `messages[0].content[1].text`, the way the OpenAI docs name fields. */
export function formatPath(path: Path): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** A union branch whose only complaint is "wrong type at the root" is not what the client meant. */
function isTypeMismatch(branch: readonly Issue[]): boolean {
  return branch.length === 1 && branch[0]?.code === "invalid_type" && branch[0].path.length === 0;
}

/**
 * For a failed union, report the inner issues of the one branch whose type the value had (an
 * array content with one bad part should say which part), else the union's own message.
 */
function flattenIssue(issue: Issue, prefix: Path): { path: Path; message: string }[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === "invalid_union") {
    const matching = issue.errors.filter((branch) => !isTypeMismatch(branch));
    const [only] = matching;
    if (matching.length === 1 && only !== undefined && only.length > 0) {
      return only.flatMap((inner) => flattenIssue(inner, path));
    }
  }
  return [{ path, message: issue.message }];
}

export function formatValidationError(error: z.ZodError): string {
  const lines = error.issues
    .flatMap((issue) => flattenIssue(issue, []))
    .map(({ path, message }) => (path.length === 0 ? message : `${formatPath(path)}: ${message}`));
  return `invalid request: ${[...new Set(lines)].join("; ")}`;
}

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
