/**
 * The OpenAI API, translated to Ollama's native API upstream (so the nodes report
 * the timings the router learns from) and back, streaming included.
 */
import { randomBytes } from "node:crypto";
import type { FastifyInstance, FastifyReply } from "fastify";
import { ModelNotFoundError } from "../../errors.js";
import { modelKey } from "../../protocol/ollama/model-name.js";
import type { ChatChunk, EmbedResponse, ErrorBody, GenerateChunk } from "../../protocol/ollama/types.js";
import {
  ChatStreamTranslator,
  CompletionStreamTranslator,
  chatCompletionToOllama,
  completionToOllama,
  embeddingsToOllama,
  parseChatCompletionRequest,
  parseCompletionRequest,
  parseEmbeddingRequest,
  SSE_CONTENT_TYPE,
  SSE_DONE,
  sseEvent,
  toChatCompletion,
  toCompletion,
  toEmbeddingList,
  toModel,
  toModelList,
  toOpenAIErrorBody,
  unixSeconds,
} from "../../protocol/openai/index.js";
import { Exchange, type GatewayContext } from "../exchange.js";
import { readAnswer, sendStream } from "../relay/respond.js";
import type { StreamEncoder } from "../relay/stream.js";
import { answerAsHydra, isHydraModel } from "./hydra-model.js";

/** Unique per response (OpenAI-style), unlike Ollama's small-range ids: clients and logs may key on them. */
function responseId(prefix: string): string {
  return `${prefix}-${randomBytes(12).toString("base64url")}`;
}

/** Adapts a translator (Ollama objects in, OpenAI chunks out) to the relay's encoder interface. */
function sseEncoder(translator: {
  push(chunk: ChatChunk & GenerateChunk & ErrorBody): unknown[];
}): StreamEncoder {
  return {
    passthrough: false,
    line: (_text, parse) =>
      translator
        .push(parse() as unknown as ChatChunk & GenerateChunk & ErrorBody)
        .map(sseEvent)
        .join(""),
    error: (message) => sseEvent(toOpenAIErrorBody(502, message)),
    end: () => SSE_DONE,
  };
}

export async function openaiApiRoutes(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  app.post("/v1/chat/completions", async (request, reply) => {
    const body = parseChatCompletionRequest(request.body);
    const stream = body.stream === true;
    const upstream = { ...chatCompletionToOllama(body), stream };
    if (isHydraModel(body.model)) {
      return answerAsHydra(ctx.orchestrator, reply, {
        protocol: "openai",
        messages: upstream.messages,
        stream,
      });
    }
    const exchange = await Exchange.open(
      ctx,
      { route: "/v1/chat/completions", path: "/api/chat", model: body.model, body: upstream },
      reply,
    );
    const meta = { id: responseId("chatcmpl"), created: unixSeconds(), model: body.model };
    if (stream) {
      const translator = new ChatStreamTranslator({
        ...meta,
        includeUsage: body.stream_options?.include_usage === true,
      });
      return sendStream(reply, exchange, sseEncoder(translator), SSE_CONTENT_TYPE);
    }
    return sendTranslated(exchange, reply, (value) => toChatCompletion(value as unknown as ChatChunk, meta));
  });

  app.post("/v1/completions", async (request, reply) => {
    const body = parseCompletionRequest(request.body);
    const stream = body.stream === true;
    const upstream = { ...completionToOllama(body), stream };
    const exchange = await Exchange.open(
      ctx,
      { route: "/v1/completions", path: "/api/generate", model: body.model, body: upstream },
      reply,
    );
    const meta = { id: responseId("cmpl"), created: unixSeconds(), model: body.model };
    if (stream) {
      const translator = new CompletionStreamTranslator({
        ...meta,
        includeUsage: body.stream_options?.include_usage === true,
      });
      return sendStream(reply, exchange, sseEncoder(translator), SSE_CONTENT_TYPE);
    }
    return sendTranslated(exchange, reply, (value) => toCompletion(value as unknown as GenerateChunk, meta));
  });

  app.post("/v1/embeddings", async (request, reply) => {
    const body = parseEmbeddingRequest(request.body);
    const upstream = embeddingsToOllama(body);
    const exchange = await Exchange.open(
      ctx,
      { route: "/v1/embeddings", path: "/api/embed", model: body.model, body: upstream },
      reply,
    );
    return sendTranslated(exchange, reply, (value) =>
      toEmbeddingList(value as unknown as EmbedResponse, body.model, body.encoding_format ?? "float"),
    );
  });

  app.get("/v1/models", async () => {
    await ctx.pool.whenReady();
    return toModelList({ models: ctx.pool.installedModels() });
  });

  app.get<{ Params: { "*": string } }>("/v1/models/*", async (request) => {
    // Model names may contain slashes ("user/model:tag"), hence the wildcard.
    const name = decodeURIComponent(request.params["*"]);
    await ctx.pool.whenReady();
    const model = ctx.pool.installedModels().find((m) => modelKey(m.name) === modelKey(name));
    if (model === undefined) throw new ModelNotFoundError(name);
    return toModel(model.name, model.modified_at);
  });
}

async function sendTranslated(
  exchange: Exchange,
  reply: FastifyReply,
  translate: (value: Record<string, unknown>) => unknown,
): Promise<FastifyReply> {
  const answer = await readAnswer(exchange, reply);
  return answer === undefined ? reply : reply.send(translate(answer.value));
}
