/**
 * Ollama's OpenAI-compatible endpoints (/v1/*). Like Ollama's middleware, each request is
 * translated to the native request, run through the same path as /api/*, and the native
 * answer translated back; the translation itself lives in src/protocol/openai.
 */
import type { FastifyInstance, FastifyReply } from "fastify";
import { isHydraError } from "../errors.js";
import type { ChatChunk, GenerateChunk } from "../protocol/ollama/types.js";
import {
  type ChatStreamEvent,
  ChatStreamTranslator,
  type CompletionStreamEvent,
  CompletionStreamTranslator,
  chatCompletionId,
  chatCompletionToOllama,
  completionId,
  completionToOllama,
  embeddingsToOllama,
  parseChatCompletionRequest,
  parseCompletionRequest,
  parseEmbeddingRequest,
  SSE_DONE,
  type StreamContext,
  toChatCompletion,
  toCompletion,
  toEmbeddingList,
  toModel,
  toModelList,
  toOpenAIErrorBody,
  unixSeconds,
} from "../protocol/openai/index.js";
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
  startChat,
  startGenerate,
} from "./inference.js";
import { tagModel } from "./payloads.js";
import { readJsonBody } from "./request-body.js";
import { Rng } from "./rng.js";
import { SSE_FORMAT, StreamWriter } from "./stream-writer.js";

interface Translator<T> {
  push(chunk: T): (ChatStreamEvent | CompletionStreamEvent)[];
}

/** missing_done on a whole OpenAI answer: no choice says why it finished. */
function withoutFinishReason(body: Record<string, unknown>): Record<string, unknown> {
  const choices = Array.isArray(body.choices) ? body.choices : [];
  return {
    ...body,
    choices: choices.map((choice: Record<string, unknown>) => ({ ...choice, finish_reason: null })),
  };
}

export function registerOpenAIRoutes(app: FastifyInstance, engine: SimEngine): void {
  const ids = new Rng(engine.config.seed ^ 0x0a1);
  const random = () => ids.next();

  app.post("/v1/chat/completions", async (request, reply) => {
    const scope = scopeOf(request);
    await openAIErrors(reply, async () => {
      const req = parseChatCompletionRequest(readOpenAIBody(request.body));
      const outcome = await startChat(
        { engine, path: scope.path, signal: scope.signal },
        chatCompletionToOllama(req),
      );
      const ctx: StreamContext = {
        id: chatCompletionId(random),
        created: unixSeconds(new Date(engine.clock.wallNow())),
        model: req.model,
        includeUsage: req.stream_options?.include_usage === true,
      };
      await respond(engine, reply, scope, req.model, req.stream === true, outcome, {
        translator: () => new ChatStreamTranslator(ctx),
        whole: (chunks: ChatChunk[]) => toChatCompletion(joinChatChunks(chunks), ctx),
      });
    });
  });

  app.post("/v1/completions", async (request, reply) => {
    const scope = scopeOf(request);
    await openAIErrors(reply, async () => {
      const req = parseCompletionRequest(readOpenAIBody(request.body));
      const outcome = await startGenerate(
        { engine, path: scope.path, signal: scope.signal },
        completionToOllama(req),
      );
      const ctx: StreamContext = {
        id: completionId(random),
        created: unixSeconds(new Date(engine.clock.wallNow())),
        model: req.model,
        includeUsage: req.stream_options?.include_usage === true,
      };
      await respond(engine, reply, scope, req.model, req.stream === true, outcome, {
        translator: () => new CompletionStreamTranslator(ctx),
        whole: (chunks: GenerateChunk[]) => toCompletion(joinGenerateChunks(chunks), ctx),
      });
    });
  });

  app.post("/v1/embeddings", async (request, reply) => {
    const scope = scopeOf(request);
    await openAIErrors(reply, async () => {
      const req = parseEmbeddingRequest(readOpenAIBody(request.body));
      const native = await runEmbed(
        { engine, path: scope.path, signal: scope.signal },
        embeddingsToOllama(req),
      );
      sendJson(reply, 200, toEmbeddingList(native, req.model, req.encoding_format));
    });
  });

  app.get("/v1/models", async (_request, reply) =>
    sendJson(reply, 200, toModelList({ models: engine.inventory.list().map(tagModel) })),
  );

  app.get<{ Params: { model: string } }>("/v1/models/:model", async (request, reply) => {
    const model = engine.findModel(request.params.model);
    if (!model)
      return sendJson(reply, 404, toOpenAIErrorBody(404, `model '${request.params.model}' not found`));
    return sendJson(reply, 200, toModel(model.name, tagModel(model).modified_at));
  });
}

function readOpenAIBody(raw: unknown): unknown {
  try {
    return readJsonBody(raw);
  } catch (error) {
    if (error instanceof SimApiError) throw new SimApiError(400, error.message);
    throw error;
  }
}

/** Errors on /v1 come back in OpenAI's shape with the same status Ollama's native API uses. */
async function openAIErrors(reply: FastifyReply, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (isAbort(error) || reply.raw.headersSent || reply.sent) throw error;
    if (error instanceof SimApiError || isHydraError(error)) {
      sendJson(reply, error.status, toOpenAIErrorBody(error.status, error.message));
      return;
    }
    throw error;
  }
}

async function respond<T extends ChatChunk | GenerateChunk>(
  engine: SimEngine,
  reply: FastifyReply,
  scope: RequestScope,
  model: string,
  stream: boolean,
  outcome: Outcome<T>,
  shape: { translator: () => Translator<T>; whole: (chunks: T[]) => unknown },
): Promise<void> {
  if (outcome.kind === "immediate") {
    // An empty conversation only loads the model; OpenAI clients still get a (blank) completion.
    sendJson(reply, 200, shape.whole([outcome.body]));
    return;
  }
  const fault = engine.faults.takeStreamFault({ path: scope.path, model });
  reply.hijack();
  const res = reply.raw;
  try {
    if (!stream) {
      const chunks = await collectAnswer(outcome.chunks, fault, res, engine, scope.signal);
      if (chunks)
        writeWholeAnswer(res, shape.whole(chunks) as Record<string, unknown>, fault, withoutFinishReason);
      return;
    }
    const translator = shape.translator();
    const writer = new StreamWriter(res, SSE_FORMAT, fault, engine.counters, scope.signal);
    try {
      for await (const chunk of outcome.chunks) {
        const events = translator.push(chunk);
        if (chunk.done) {
          await writer.finish(events, SSE_DONE);
          return;
        }
        for (const event of events) if (!(await writer.write(event))) return;
      }
    } catch (error) {
      if (isAbort(error)) throw error;
      const message = error instanceof Error ? error.message : String(error);
      if (res.headersSent) await writer.fail(toOpenAIErrorBody(500, message));
      else throw error;
    }
  } catch (error) {
    if (isAbort(error)) abandon(res);
    else if (!res.headersSent) {
      const status = error instanceof SimApiError ? error.status : 500;
      res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
      res.end(
        JSON.stringify(toOpenAIErrorBody(status, error instanceof Error ? error.message : String(error))),
      );
    } else abandon(res);
  } finally {
    outcome.session.release();
    if (!res.writableEnded && (scope.signal.aborted || engine.closed)) abandon(res);
  }
}
