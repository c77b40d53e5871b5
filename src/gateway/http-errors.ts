/**
 * How errors look on the wire. Ollama routes answer `{"error": "..."}` like Ollama
 * (plus Hydra's error code); OpenAI routes answer OpenAI's `{"error": {message, type, ...}}`.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { HydraError, PayloadTooLargeError, UpstreamError } from "../errors.js";
import { toOpenAIErrorBody } from "../protocol/openai/errors.js";

export function isOpenAIRoute(url: string): boolean {
  return url.startsWith("/v1/") && !url.startsWith("/v1/hydra/");
}

export function errorBody(url: string, status: number, message: string, code?: string): unknown {
  if (isOpenAIRoute(url)) return toOpenAIErrorBody(status, message);
  return code === undefined ? { error: message } : { error: message, code };
}

/** Maps anything thrown in a route to a clear 4xx/5xx; only unknown errors are logged as bugs. */
export function installErrorHandler(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((error: FastifyError | HydraError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.name === "AbortError" && request.raw.destroyed) {
      // The client went away while its request waited: nobody is left to answer.
      return reply.code(499).send();
    }
    const hydraError = toHydraError(error, bodyLimit);
    if (hydraError === undefined) {
      request.log.error({ err: error }, "unexpected error");
      return reply
        .code(500)
        .send(errorBody(request.url, 500, `internal error: ${error.message}`, "HYDRA_ERR_INTERNAL"));
    }
    if (hydraError.status >= 500) {
      request.log.warn(
        { url: request.url, code: hydraError.code, err: hydraError.message },
        "request failed",
      );
    }
    if (hydraError.retryAfterSeconds !== undefined) {
      reply.header("retry-after", String(hydraError.retryAfterSeconds));
    }
    if (hydraError instanceof UpstreamError) reply.header("x-hydra-node", hydraError.node);
    return reply
      .code(hydraError.status)
      .send(errorBody(request.url, hydraError.status, hydraError.message, hydraError.code));
  });
  app.setNotFoundHandler((request, reply) => {
    reply
      .code(404)
      .send(
        errorBody(
          request.url,
          404,
          `no route ${request.method} ${request.url}; see the README's API section`,
          "HYDRA_ERR_NO_ROUTE",
        ),
      );
  });
}

function toHydraError(error: FastifyError | HydraError, bodyLimit: number): HydraError | undefined {
  if (error instanceof HydraError) return error;
  if (error.code === "FST_ERR_CTP_BODY_TOO_LARGE") return new PayloadTooLargeError(bodyLimit);
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new HydraError("HYDRA_ERR_BAD_REQUEST", error.statusCode, error.message);
  }
  return undefined;
}
