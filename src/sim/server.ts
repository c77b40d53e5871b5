/**
 * The HTTP shell of a simulated node: a Fastify app that reads bodies the way Ollama does,
 * applies connection and request faults before routing, and maps engine errors to Ollama's
 * `{"error": "..."}` answers. All behaviour lives in the engine and the route modules.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { toOpenAIErrorBody } from "../protocol/openai/errors.js";
import { SimApiError } from "./api-error.js";
import { registerControlRoutes } from "./control-routes.js";
import type { SimEngine } from "./engine.js";
import { isAbort, openScope, scopeOf, sendJson } from "./http-shared.js";
import { registerOllamaRoutes } from "./ollama-routes.js";
import { registerOpenAIRoutes } from "./openai-routes.js";
import { QueueFullError } from "./scheduler.js";
import { cutConnection } from "./stream-writer.js";

/** Ollama does not cap request size (images travel base64); neither do we, within reason. */
const BODY_LIMIT = 512 * 1024 * 1024;

/** Paths gin would answer 405 for on the wrong method (Ollama sets HandleMethodNotAllowed). */
const KNOWN_PATHS = new Set([
  "/",
  "/api/version",
  "/api/tags",
  "/api/ps",
  "/api/show",
  "/api/chat",
  "/api/generate",
  "/api/embed",
  "/api/embeddings",
  "/api/pull",
  "/api/delete",
  "/api/copy",
  "/v1/chat/completions",
  "/v1/completions",
  "/v1/embeddings",
  "/v1/models",
]);

export function buildSimServer(engine: SimEngine): FastifyInstance {
  const app = Fastify({ logger: false, bodyLimit: BODY_LIMIT, forceCloseConnections: true });

  // Ollama decodes every body as JSON whatever its Content-Type (curl -d sends form encoding),
  // so take the raw text and parse it ourselves, with Go's error wording.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "string" }, (_request, body, done) => done(null, body));

  app.addHook("onRequest", async (request, reply) => {
    openScope(request, reply);
  });

  app.addHook("preHandler", async (request, reply) => {
    const { path } = scopeOf(request);
    if (path.startsWith("/_sim/")) return;
    engine.counters.requests++;
    await applyConnectionFaults(engine, request, reply, path);
  });

  registerOllamaRoutes(app, engine);
  registerOpenAIRoutes(app, engine);
  registerControlRoutes(app, engine);

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? request.url;
    const status = KNOWN_PATHS.has(path) ? 405 : 404;
    return reply
      .code(status)
      .type("text/plain")
      .send(status === 405 ? "405 method not allowed" : "404 page not found");
  });

  app.setErrorHandler((error: unknown, _request, reply) => {
    if (reply.sent || reply.raw.headersSent) return;
    if (isAbort(error)) {
      reply.raw.destroy();
      return;
    }
    if (error instanceof SimApiError)
      return sendJson(reply, error.status, { error: error.message }, error.headers);
    if (error instanceof QueueFullError) return sendJson(reply, 503, { error: error.message });
    const status = statusOf(error);
    const message = error instanceof Error ? error.message : String(error);
    return sendJson(reply, status, { error: message });
  });

  return app;
}

function statusOf(error: unknown): number {
  const status = (error as { statusCode?: unknown }).statusCode;
  return typeof status === "number" && status >= 400 && status < 600 ? status : 500;
}

/** The model a request names, if its body is JSON with `model` (or the older `name`). */
function requestModel(request: FastifyRequest): string | undefined {
  if (typeof request.body !== "string" || request.body === "") return undefined;
  try {
    const body = JSON.parse(request.body) as { model?: unknown; name?: unknown };
    const model = body.model ?? body.name;
    return typeof model === "string" ? model : undefined;
  } catch {
    return undefined;
  }
}

/** Down/flap, reset, hang and status faults: decided before the route runs. */
async function applyConnectionFaults(
  engine: SimEngine,
  request: FastifyRequest,
  reply: FastifyReply,
  path: string,
): Promise<void> {
  const target = { path, model: requestModel(request) };
  if (engine.faults.takeDown(target)) {
    reply.hijack();
    await cutConnection(reply.raw, engine.counters);
    return;
  }
  const fault = engine.faults.takeRequestFault(target);
  if (!fault) return;
  if (fault.type === "reset") {
    reply.hijack();
    await cutConnection(reply.raw, engine.counters);
    return;
  }
  if (fault.type === "hang") {
    // Never answer; the socket stays open until the client gives up or the node closes.
    reply.hijack();
    engine.counters.hanging++;
    reply.raw.once("close", () => {
      engine.counters.hanging--;
    });
    return;
  }
  const headers: Record<string, string> = {};
  if (fault.retry_after_s !== undefined) headers["Retry-After"] = String(fault.retry_after_s);
  const message = fault.message ?? defaultFaultMessage(fault.status);
  // /v1 answers errors in OpenAI's shape, as Ollama's compatibility middleware does.
  const body = path.startsWith("/v1/") ? toOpenAIErrorBody(fault.status, message) : { error: message };
  await sendJson(reply, fault.status, body, headers);
}

function defaultFaultMessage(status: number): string {
  if (status === 503) return "server busy, please try again.  maximum pending requests exceeded";
  if (status === 429) return "too many requests";
  if (status >= 500) return "an internal error occurred (simulated fault)";
  return `request failed with status ${status} (simulated fault)`;
}
