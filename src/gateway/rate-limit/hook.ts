/**
 * The rate limiter in front of every route: a Fastify onRequest hook that answers 429 with
 * Retry-After before any body is read or any node is touched.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { isOpenAIRoute } from "../http-errors.js";
import { RateLimitedError } from "./errors.js";
import type { RateLimiter } from "./limiter.js";

/** Liveness and scraping must keep working when clients exhaust their budgets. */
const UNLIMITED_PATHS = ["/", "/health", "/metrics"];

/**
 * Installs the limiter. `keyOf` names the API key a request is billed to (see `bearerKeyOf`).
 * Install it after auth, so that invalid keys are refused before they get budgets of their own.
 */
export function installRateLimits(
  app: FastifyInstance,
  limiter: RateLimiter,
  keyOf: (request: FastifyRequest) => string | undefined,
  /** Cluster traffic (agents' heartbeats) that client budgets must not throttle. */
  alsoUnlimited: readonly string[] = [],
): void {
  if (!limiter.enabled) return;
  const unlimited = new Set([...UNLIMITED_PATHS, ...alsoUnlimited]);
  app.addHook("onRequest", async (request, reply) => {
    const path = request.url.split("?", 1)[0] ?? "";
    if (unlimited.has(path)) return;
    const decision = limiter.check(keyOf(request));
    // Set on the reply, so streamed answers (which write reply.getHeaders() themselves) carry them too.
    reply.headers(decision.headers);
    if (decision.allowed) return;
    const error = new RateLimitedError(decision.message, decision.retryAfterSeconds);
    reply
      .code(error.status)
      .type("application/json; charset=utf-8")
      .send(rateLimitedBody(request.url, error));
    return reply;
  });
}

/** OpenAI's own 429 shape on OpenAI routes (its SDKs read `type` and `code`); Ollama's elsewhere. */
export function rateLimitedBody(url: string, error: RateLimitedError): unknown {
  if (isOpenAIRoute(url)) {
    return {
      error: { message: error.message, type: "rate_limit_error", param: null, code: "rate_limit_exceeded" },
    };
  }
  return { error: error.message, code: error.code };
}

/** The key of `Authorization: Bearer <key>`, as auth.ts reads it. */
export function bearerKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header?.startsWith("Bearer ")) return undefined;
  const key = header.slice(7).trim();
  return key === "" ? undefined : key;
}
