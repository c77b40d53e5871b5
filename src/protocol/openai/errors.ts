/**
 * OpenAI-shaped error bodies, typed the way Ollama's compatibility layer types them
 * (openai.NewError): 400 → "invalid_request_error", 404 → "not_found_error", anything else →
 * "api_error"; `param` and `code` are always null.
 */
import type { OpenAIErrorBody } from "./types.js";

/** What Ollama's api.StatusError says when a failed response carries no message at all. */
export const OLLAMA_UNKNOWN_ERROR_MESSAGE =
  "something went wrong, please see the ollama server logs for details";

export function openAIErrorType(status: number): string {
  if (status === 400) return "invalid_request_error";
  if (status === 404) return "not_found_error";
  return "api_error";
}

export function toOpenAIErrorBody(status: number, message: string): OpenAIErrorBody {
  return { error: { message, type: openAIErrorType(status), param: null, code: null } };
}

function messageFromJson(value: unknown): string {
  if (typeof value === "object" && value !== null && "error" in value) {
    const { error } = value;
    if (typeof error === "string" && error !== "") return error;
  }
  return OLLAMA_UNKNOWN_ERROR_MESSAGE;
}

/**
 * Ollama's error message from a failed native response. Like Ollama, a body that is not JSON
 * is used as the message as-is, rather than surfacing a confusing JSON parse error.
 */
export function ollamaErrorMessage(body: unknown): string {
  if (typeof body !== "string") return messageFromJson(body);
  try {
    return messageFromJson(JSON.parse(body));
  } catch {
    return body === "" ? OLLAMA_UNKNOWN_ERROR_MESSAGE : body;
  }
}

/**
 * Translate a native Ollama error (`{"error": "..."}`, parsed or as text) with its HTTP status
 * into the body Ollama's /v1 endpoints answer with; the status itself is kept as is.
 */
export function openAIErrorFromOllama(status: number, ollamaErrorBody: unknown): OpenAIErrorBody {
  return toOpenAIErrorBody(status, ollamaErrorMessage(ollamaErrorBody));
}

export function isOpenAIErrorBody(value: unknown): value is OpenAIErrorBody {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const { error } = value;
  return (
    typeof error === "object" && error !== null && "message" in error && typeof error.message === "string"
  );
}
