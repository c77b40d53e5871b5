/**
 * Calls to the gateway: the API key on every call, the admin key on admin calls, and every
 * failure as an ApiError carrying the server's own message (its errors are `{error: "..."}`).
 */
import { adminKey, apiKey, apiKeyRequired } from "../state/credentials.js";

export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface CallOptions {
  method?: "GET" | "POST" | "PUT" | "DELETE";
  body?: unknown;
  /** Send the stored admin key (x-hydra-admin-key). */
  admin?: boolean;
  signal?: AbortSignal;
}

export function authHeaders(): Record<string, string> {
  const key = apiKey.get();
  return key === "" ? {} : { authorization: `Bearer ${key}` };
}

/** The response when its status is 2xx; otherwise throws ApiError with the server's message. */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { ...authHeaders() };
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.admin) headers["x-hydra-admin-key"] = adminKey.get();
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? (options.body === undefined ? "GET" : "POST"),
      headers,
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if ((error as Error).name === "AbortError") throw error;
    throw new ApiError(0, "the gateway cannot be reached");
  }
  if (response.ok) return response;
  const message = await errorMessage(response);
  // A 401 on an admin call is about the admin key; on any other, the API key is missing or wrong.
  if (response.status === 401 && !options.admin) apiKeyRequired.set({ message });
  throw new ApiError(response.status, message);
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await call(path, signal ? { signal } : {});
  return (await response.json()) as T;
}

export async function sendJson<T>(path: string, options: CallOptions): Promise<T> {
  const response = await call(path, options);
  return (await response.json()) as T;
}

/** The server's message: `{error: "..."}`, OpenAI's `{error: {message}}`, or the status text. */
export async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    if (typeof body.error === "string") return body.error;
    if (typeof body.error === "object" && body.error !== null && "message" in body.error) {
      return String((body.error as { message: unknown }).message);
    }
    if (typeof body.message === "string") return body.message;
  } catch {
    // Not JSON: the text itself, if short enough to be a message.
  }
  if (text !== "" && text.length < 300) return text;
  return `HTTP ${response.status} ${response.statusText}`.trim();
}

/** A readable message for anything a call threw. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
