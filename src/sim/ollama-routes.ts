/** Ollama's native REST API (/ and /api/*), as a Fastify plugin over a SimEngine. */
import type { FastifyInstance, FastifyReply } from "fastify";
import { isValidModelName } from "../protocol/ollama/model-name.js";
import {
  type ChatChunk,
  chatRequestSchema,
  embeddingsRequestSchema,
  embedRequestSchema,
  type GenerateChunk,
  generateRequestSchema,
  modelRefRequestSchema,
  pullRequestSchema,
} from "../protocol/ollama/types.js";
import { SimApiError } from "./api-error.js";
import type { SimEngine } from "./engine.js";
import {
  abandon,
  collectAnswer,
  isAbort,
  type RequestScope,
  scopeOf,
  sendJson,
  writeWholeAnswer,
} from "./http-shared.js";
import {
  joinChatChunks,
  joinGenerateChunks,
  type Outcome,
  runEmbed,
  runEmbeddings,
  startChat,
  startGenerate,
} from "./inference.js";
import { psModel, showResponse, tagModel } from "./payloads.js";
import { parseBody, readJsonBody } from "./request-body.js";
import { NDJSON_FORMAT, StreamWriter } from "./stream-writer.js";

export function registerOllamaRoutes(app: FastifyInstance, engine: SimEngine): void {
  const running = (_request: unknown, reply: FastifyReply) =>
    reply.type("text/plain; charset=utf-8").send("Ollama is running");
  app.get("/", running);

  app.get("/api/version", async (_request, reply) =>
    sendJson(reply, 200, { version: engine.config.version }),
  );

  app.get("/api/tags", async (_request, reply) =>
    sendJson(reply, 200, { models: engine.inventory.list().map(tagModel) }),
  );

  app.get("/api/ps", async (_request, reply) =>
    sendJson(reply, 200, { models: engine.running().map(psModel) }),
  );

  app.post("/api/show", async (request, reply) => {
    const req = parseBody(modelRefRequestSchema, request.body, "ShowRequest");
    const model = engine.findModel(req.model);
    if (!model) throw new SimApiError(404, `model '${req.model}' not found`);
    return sendJson(reply, 200, showResponse(model));
  });

  app.post("/api/chat", async (request, reply) => {
    const scope = scopeOf(request);
    const req = parseBody(chatRequestSchema, request.body, "ChatRequest");
    const outcome = await startChat({ engine, path: scope.path, signal: scope.signal }, req);
    await respond(engine, reply, scope, req.model, req.stream !== false, outcome, joinChatChunks);
  });

  app.post("/api/generate", async (request, reply) => {
    const scope = scopeOf(request);
    const req = parseBody(generateRequestSchema, request.body, "GenerateRequest");
    const outcome = await startGenerate({ engine, path: scope.path, signal: scope.signal }, req);
    await respond(engine, reply, scope, req.model, req.stream !== false, outcome, joinGenerateChunks);
  });

  app.post("/api/embed", async (request, reply) => {
    const scope = scopeOf(request);
    const req = parseBody(embedRequestSchema, request.body, "EmbedRequest");
    return sendJson(reply, 200, await runEmbed({ engine, path: scope.path, signal: scope.signal }, req));
  });

  app.post("/api/embeddings", async (request, reply) => {
    const scope = scopeOf(request);
    const req = parseBody(embeddingsRequestSchema, request.body, "EmbeddingRequest");
    return sendJson(reply, 200, await runEmbeddings({ engine, path: scope.path, signal: scope.signal }, req));
  });

  app.post("/api/pull", async (request, reply) => {
    const scope = scopeOf(request);
    const req = parseBody(pullRequestSchema, request.body, "PullRequest");
    const progress = engine.pull(req.model, scope.signal);
    if (req.stream === false) {
      // Like Ollama's waitForStream: only the last status, or the error with its status.
      let latest: unknown = {};
      for await (const update of progress) latest = update;
      return sendJson(reply, 200, latest);
    }
    reply.hijack();
    const writer = new StreamWriter(reply.raw, NDJSON_FORMAT, undefined, engine.counters, scope.signal);
    try {
      for await (const update of progress) await writer.write(update);
      await writer.finish([]);
    } catch (error) {
      await failStream(reply, writer, error);
    }
  });

  app.delete("/api/delete", async (request, reply) => {
    const req = parseBody(modelRefRequestSchema, request.body, "DeleteRequest");
    if (!engine.deleteModel(req.model)) throw new SimApiError(404, `model '${req.model}' not found`);
    return reply.code(200).send();
  });

  app.post("/api/copy", async (request, reply) => {
    const body = readJsonBody(request.body) as { source?: unknown; destination?: unknown };
    const source = typeof body?.source === "string" ? body.source : "";
    const destination = typeof body?.destination === "string" ? body.destination : "";
    if (!isValidModelName(source)) throw new SimApiError(400, `source "${source}" is invalid`);
    if (!isValidModelName(destination)) throw new SimApiError(400, `destination "${destination}" is invalid`);
    if (!engine.copyModel(source, destination)) throw new SimApiError(404, `model "${source}" not found`);
    return reply.code(200).send();
  });
}

/**
 * Writes a chat/generate outcome: the single load/unload object, an NDJSON stream (default),
 * or one joined object for `stream: false`. The slot is released however it ends.
 */
async function respond<T extends ChatChunk | GenerateChunk>(
  engine: SimEngine,
  reply: FastifyReply,
  scope: RequestScope,
  model: string,
  stream: boolean,
  outcome: Outcome<T>,
  join: (chunks: T[]) => T,
): Promise<void> {
  if (outcome.kind === "immediate") {
    sendJson(reply, 200, outcome.body);
    return;
  }
  const fault = engine.faults.takeStreamFault({ path: scope.path, model });
  reply.hijack();
  const res = reply.raw;
  try {
    if (!stream) {
      const chunks = await collectAnswer(outcome.chunks, fault, res, engine, scope.signal);
      if (chunks) writeWholeAnswer(res, join(chunks) as unknown as Record<string, unknown>, fault);
      return;
    }
    const writer = new StreamWriter(res, NDJSON_FORMAT, fault, engine.counters, scope.signal);
    try {
      for await (const chunk of outcome.chunks) {
        if (chunk.done) {
          await writer.finish([chunk]);
          return;
        }
        if (!(await writer.write(chunk))) return;
      }
    } catch (error) {
      await failStream(reply, writer, error);
    }
  } catch (error) {
    await failStream(reply, undefined, error);
  } finally {
    outcome.session.release();
    if (!res.writableEnded && (scope.signal.aborted || engine.closed)) abandon(res);
  }
}

/** An error during a hijacked response: a status if nothing was sent yet, else an in-band line. */
export async function failStream(
  reply: FastifyReply,
  writer: StreamWriter | undefined,
  error: unknown,
): Promise<void> {
  const res = reply.raw;
  if (isAbort(error)) {
    abandon(res);
    return;
  }
  const status = error instanceof SimApiError ? error.status : 500;
  const message = error instanceof Error ? error.message : String(error);
  if (!res.headersSent) {
    res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
    res.end(JSON.stringify({ error: message }));
    return;
  }
  if (writer) await writer.fail({ error: message });
  else abandon(res);
}
