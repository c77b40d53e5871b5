/**
 * What a failed attempt means for the request, as a pure function of what the
 * node said (or how the connection failed). The dispatcher acts on the class:
 * try another node, fall back to another model, or give the error to the client.
 */
export type FailureKind =
  /** Refused, reset or unreachable before any answer. */
  | "connect"
  /** No answer (headers or first token) before the deadline. */
  | "timeout"
  /** 5xx other than 503. */
  | "server"
  /** 429 or 503: the node is busy; it also loses score for a while. */
  | "overloaded"
  /** 404 for the model: the node's inventory changed behind our back. */
  | "model_not_found"
  /** 400 because the prompt does not fit the model's context. */
  | "context_length"
  /** Any other 4xx: the request itself is wrong; retrying cannot help. */
  | "bad_request"
  /** The client went away. */
  | "aborted";

export interface Failure {
  kind: FailureKind;
  /** Another node (or a later try) may succeed. */
  retryable: boolean;
  status: number;
  message: string;
  /** From the node's Retry-After header. */
  retryAfterMs?: number;
}

const CONTEXT_LENGTH =
  /context (length|window)|exceeds? (the )?(maximum )?context|prompt is too long|too many tokens/i;
const MODEL_NOT_FOUND = /model ["']?[^"']*["']? not found|not found, try pulling/i;

export function classifyStatus(status: number, message: string, retryAfter?: string | string[]): Failure {
  const retryAfterMs = parseRetryAfter(retryAfter);
  const base = { status, message, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  if (status === 429 || status === 503) return { ...base, kind: "overloaded", retryable: true };
  if (status === 404 && MODEL_NOT_FOUND.test(message))
    return { ...base, kind: "model_not_found", retryable: true };
  if (status >= 500) return { ...base, kind: "server", retryable: true };
  if (status === 408) return { ...base, kind: "timeout", retryable: true };
  if (status === 400 && CONTEXT_LENGTH.test(message))
    return { ...base, kind: "context_length", retryable: false };
  return { ...base, kind: "bad_request", retryable: false };
}

const TIMEOUT_CODES = new Set([
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "ETIMEDOUT",
]);

/** A failure to get any answer: the connection, a timeout, or the client leaving. */
export function classifyError(error: unknown, clientAborted: boolean): Failure {
  const message = error instanceof Error ? error.message : String(error);
  if (clientAborted) return { kind: "aborted", retryable: false, status: 499, message };
  const code = (error as { code?: unknown } | null)?.code;
  if (
    (typeof code === "string" && TIMEOUT_CODES.has(code)) ||
    (error as Error | null)?.name === "TimeoutError"
  ) {
    return { kind: "timeout", retryable: true, status: 504, message: `no answer in time (${message})` };
  }
  return { kind: "connect", retryable: true, status: 502, message };
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text.trim())) return Math.round(Number(text) * 1000);
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
