/**
 * End to end through the official `openai` npm client: a tiny node:http server plays an
 * Ollama node's /v1 layer with this module (request → Ollama request; scripted Ollama objects
 * → OpenAI JSON or SSE), and the client must read what it serves the way it reads OpenAI.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import OpenAI, { APIError } from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { HydraError } from "../../errors.js";
import type {
  ChatChunk,
  ChatRequest,
  EmbedRequest,
  EmbedResponse,
  ErrorBody,
  GenerateChunk,
  GenerateRequest,
  TagsResponse,
} from "../ollama/types.js";
import { openAIErrorFromOllama, toOpenAIErrorBody } from "./errors.js";
import {
  ChatStreamTranslator,
  CompletionStreamTranslator,
  toChatCompletion,
  toCompletion,
  toEmbeddingList,
  toModelList,
} from "./from-ollama.js";
import { chatCompletionId, completionId, unixSeconds } from "./ids.js";
import { SSE_CONTENT_TYPE, SSE_DONE, sseEvent } from "./sse.js";
import { chatCompletionToOllama, completionToOllama, embeddingsToOllama } from "./to-ollama.js";
import { parseChatCompletionRequest, parseCompletionRequest, parseEmbeddingRequest } from "./validate.js";

// --- the scripted node ------------------------------------------------------------------

interface Script {
  chat: Array<ChatChunk | ErrorBody>;
  generate: Array<GenerateChunk | ErrorBody>;
  embed: EmbedResponse;
  tags: TagsResponse;
  upstreamError?: { status: number; body: unknown };
}

let script: Script;
const seen: { chat?: ChatRequest; generate?: GenerateRequest; embed?: EmbedRequest } = {};

const STATS = { prompt_eval_count: 11, eval_count: 5 };
const AT = "2025-01-01T00:00:00Z";

function chat(
  message: Partial<ChatChunk["message"]>,
  done = false,
  doneReason?: ChatChunk["done_reason"],
): ChatChunk {
  const chunk: ChatChunk = {
    model: "llama3.2",
    created_at: AT,
    message: { role: "assistant", content: "", ...message },
    done,
  };
  return done ? { ...chunk, done_reason: doneReason ?? "stop", ...STATS } : chunk;
}

function generate(response: string, done = false, doneReason?: GenerateChunk["done_reason"]): GenerateChunk {
  const chunk: GenerateChunk = { model: "llama3.2", created_at: AT, response, done };
  return done ? { ...chunk, done_reason: doneReason ?? "stop", ...STATS } : chunk;
}

/** What Ollama answers with stream:false: one object holding the whole message. */
function joinChat(chunks: Array<ChatChunk | ErrorBody>): ChatChunk {
  const parts = chunks.filter((chunk): chunk is ChatChunk => !("error" in chunk));
  const final = parts.at(-1) ?? chat({}, true);
  const join = (pick: (chunk: ChatChunk) => string | undefined) => parts.map(pick).join("");
  return {
    ...final,
    message: {
      role: "assistant",
      content: join((chunk) => chunk.message.content),
      thinking: join((chunk) => chunk.message.thinking),
      tool_calls: parts.flatMap((chunk) => chunk.message.tool_calls ?? []),
    },
  };
}

function joinGenerate(chunks: Array<GenerateChunk | ErrorBody>): GenerateChunk {
  const parts = chunks.filter((chunk): chunk is GenerateChunk => !("error" in chunk));
  return { ...(parts.at(-1) ?? generate("", true)), response: parts.map((chunk) => chunk.response).join("") };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8"));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

interface Translator<T> {
  push(chunk: T): unknown[];
  end(): unknown[];
}

function sendStream<T>(res: ServerResponse, translator: Translator<T>, chunks: readonly T[]): void {
  res.writeHead(200, { "content-type": SSE_CONTENT_TYPE });
  for (const chunk of chunks) for (const event of translator.push(chunk)) res.write(sseEvent(event));
  for (const event of translator.end()) res.write(sseEvent(event));
  res.end(SSE_DONE);
}

function upstreamFailed(res: ServerResponse): boolean {
  if (!script.upstreamError) return false;
  const { status, body } = script.upstreamError;
  sendJson(res, status, openAIErrorFromOllama(status, body));
  return true;
}

async function serveChat(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = parseChatCompletionRequest(await readJson(req));
  const upstream = chatCompletionToOllama(request);
  seen.chat = upstream;
  if (upstreamFailed(res)) return;
  const ctx = { id: chatCompletionId(), created: unixSeconds(), model: request.model };
  if (!upstream.stream) return sendJson(res, 200, toChatCompletion(joinChat(script.chat), ctx));
  const includeUsage = request.stream_options?.include_usage ?? false;
  sendStream(res, new ChatStreamTranslator({ ...ctx, includeUsage }), script.chat);
}

async function serveCompletion(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = parseCompletionRequest(await readJson(req));
  const upstream = completionToOllama(request);
  seen.generate = upstream;
  if (upstreamFailed(res)) return;
  const ctx = { id: completionId(), created: unixSeconds(), model: request.model };
  if (!upstream.stream) return sendJson(res, 200, toCompletion(joinGenerate(script.generate), ctx));
  const includeUsage = request.stream_options?.include_usage ?? false;
  sendStream(res, new CompletionStreamTranslator({ ...ctx, includeUsage }), script.generate);
}

async function serveEmbeddings(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = parseEmbeddingRequest(await readJson(req));
  seen.embed = embeddingsToOllama(request);
  sendJson(res, 200, toEmbeddingList(script.embed, request.model, request.encoding_format));
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.url === "/v1/chat/completions") return serveChat(req, res);
  if (req.url === "/v1/completions") return serveCompletion(req, res);
  if (req.url === "/v1/embeddings") return serveEmbeddings(req, res);
  if (req.url === "/v1/models") return sendJson(res, 200, toModelList(script.tags));
  sendJson(res, 404, toOpenAIErrorBody(404, `no route for ${req.url}`));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  route(req, res).catch((error: unknown) => {
    const status = error instanceof HydraError ? error.status : 500;
    sendJson(res, status, toOpenAIErrorBody(status, error instanceof Error ? error.message : String(error)));
  });
}

let server: Server;
let client: OpenAI;

beforeAll(async () => {
  server = createServer(handle);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: "x", maxRetries: 0 });
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
});

beforeEach(() => {
  script = {
    chat: [chat({ content: "Hel" }), chat({ content: "lo!" }), chat({}, true)],
    generate: [generate("Once"), generate(" upon"), generate("", true)],
    embed: { model: "nomic-embed-text", embeddings: [[0.25, -0.5, 1]], prompt_eval_count: 3 },
    tags: { models: [] },
  };
  delete seen.chat;
  delete seen.generate;
  delete seen.embed;
});

const MESSAGES = [{ role: "user" as const, content: "Say hello" }];

// --- the client's view ------------------------------------------------------------------

describe("openai client ← chat completions", () => {
  it("streams content, finish_reason and usage", async () => {
    const stream = await client.chat.completions.create({
      model: "llama3.2",
      messages: MESSAGES,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe("Hello!");
    expect(chunks[0]?.choices[0]?.delta.role).toBe("assistant");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)?.choices).toStrictEqual([]);
    expect(chunks.at(-1)?.usage).toStrictEqual({ prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 });
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks[0]?.id).toMatch(/^chatcmpl-\d+$/);
    expect(seen.chat?.stream).toBe(true);
  });

  it("streams without a usage chunk when include_usage is off", async () => {
    const stream = await client.chat.completions.create({
      model: "llama3.2",
      messages: MESSAGES,
      stream: true,
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.choices.length === 1 && chunk.usage === undefined)).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe("stop");
  });

  it("reports a length finish in a stream", async () => {
    script.chat = [chat({ content: "Hel" }), chat({}, true, "length")];
    const stream = await client.chat.completions.create({
      model: "llama3.2",
      messages: MESSAGES,
      max_completion_tokens: 1,
      stream: true,
    });
    const reasons: Array<string | null | undefined> = [];
    for await (const chunk of stream) reasons.push(chunk.choices[0]?.finish_reason);
    expect(reasons).toStrictEqual([null, "length"]);
    expect(seen.chat?.options?.num_predict).toBe(1);
  });

  it("accumulates streamed tool calls with the client's stream helper", async () => {
    script.chat = [
      chat({ tool_calls: [{ function: { name: "get_weather", arguments: { city: "Paris" } } }] }),
      chat({ tool_calls: [{ function: { name: "get_time", arguments: { tz: "CET" } } }] }),
      chat({}, true),
    ];
    const stream = client.chat.completions.stream({
      model: "llama3.2",
      messages: MESSAGES,
      tools: [
        {
          type: "function",
          function: { name: "get_weather", parameters: { type: "object", properties: {} } },
        },
        { type: "function", function: { name: "get_time", parameters: { type: "object", properties: {} } } },
      ],
      stream_options: { include_usage: true },
    });
    const final = await stream.finalChatCompletion();
    const choice = final.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    expect(
      choice?.message.tool_calls?.map((call) => call.type === "function" && call.function),
    ).toStrictEqual([
      { name: "get_weather", arguments: '{"city":"Paris"}' },
      { name: "get_time", arguments: '{"tz":"CET"}' },
    ]);
    expect(choice?.message.tool_calls?.every((call) => /^call_[a-z0-9]{8}$/.test(call.id))).toBe(true);
    expect(final.usage?.total_tokens).toBe(16);
    expect(seen.chat?.tools).toHaveLength(2);
  });

  it("streams reasoning separately from content", async () => {
    script.chat = [
      chat({ thinking: "User wants a greeting." }),
      chat({ thinking: " Be brief.", content: "Hi" }),
      chat({}, true),
    ];
    const stream = await client.chat.completions.create({
      model: "llama3.2",
      messages: MESSAGES,
      stream: true,
    });
    let content = "";
    let reasoning = "";
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string | null; reasoning?: string } | undefined;
      content += delta?.content ?? "";
      reasoning += delta?.reasoning ?? "";
    }
    expect(content).toBe("Hi");
    expect(reasoning).toBe("User wants a greeting. Be brief.");
  });

  it("answers without streaming, with usage", async () => {
    const completion = await client.chat.completions.create({
      model: "llama3.2",
      messages: MESSAGES,
      temperature: 0.1,
      response_format: { type: "json_object" },
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message).toMatchObject({ role: "assistant", content: "Hello!" });
    expect(completion.choices[0]?.finish_reason).toBe("stop");
    expect(completion.usage).toStrictEqual({ prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 });
    expect(seen.chat).toMatchObject({
      stream: false,
      format: "json",
      options: { temperature: 0.1, top_p: 1 },
    });
  });

  it("sends images from content parts to Ollama as base64", async () => {
    const png = Buffer.from("not really a png").toString("base64");
    await client.chat.completions.create({
      model: "llava",
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } },
          ],
        },
      ],
    });
    expect(seen.chat?.messages).toStrictEqual([
      { role: "user", content: "What is this?" },
      { role: "user", content: "", images: [png] },
    ]);
  });

  it("raises a 400 invalid_request_error for an invalid request", async () => {
    const error = await client.chat.completions
      .create({ model: "llama3.2", messages: [] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as APIError).type).toBe("invalid_request_error");
    expect((error as APIError).message).toContain("[] is too short - 'messages'");
  });

  it("raises a 404 not_found_error carrying Ollama's message", async () => {
    script.upstreamError = { status: 404, body: { error: 'model "nope" not found, try pulling it first' } };
    const error = await client.chat.completions
      .create({ model: "nope", messages: MESSAGES })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as APIError).type).toBe("not_found_error");
    expect((error as APIError).message).toBe('404 model "nope" not found, try pulling it first');
  });

  it("raises an APIError when Ollama fails in the middle of a stream", async () => {
    script.chat = [chat({ content: "par" }), { error: "an error was encountered while running the model" }];
    const stream = await client.chat.completions.create({
      model: "llama3.2",
      messages: MESSAGES,
      stream: true,
    });
    const seenContent: string[] = [];
    const consume = async () => {
      for await (const chunk of stream) seenContent.push(chunk.choices[0]?.delta.content ?? "");
    };
    const error = await consume().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).message).toContain("an error was encountered while running the model");
    expect(seenContent).toStrictEqual(["par"]);
  });
});

describe("openai client ← completions", () => {
  it("streams text, finish_reason and usage", async () => {
    const stream = await client.completions.create({
      model: "llama3.2",
      prompt: "Tell a story",
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Completion[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.text ?? "").join("")).toBe("Once upon");
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe("stop");
    expect(chunks.at(-1)?.choices).toStrictEqual([]);
    expect(chunks.at(-1)?.usage?.total_tokens).toBe(16);
    expect(chunks[0]?.id).toMatch(/^cmpl-\d+$/);
  });

  it("answers without streaming", async () => {
    script.generate = [generate("Once"), generate(" upon", true, "length")];
    const completion = await client.completions.create({
      model: "llama3.2",
      prompt: "Tell",
      max_tokens: 2,
      stop: "\n",
    });
    expect(completion.choices[0]).toMatchObject({ text: "Once upon", finish_reason: "length" });
    expect(completion.usage?.prompt_tokens).toBe(11);
    expect(seen.generate).toMatchObject({
      prompt: "Tell",
      stream: false,
      options: { num_predict: 2, stop: ["\n"] },
    });
  });
});

describe("openai client ← embeddings and models", () => {
  it("decodes the base64 floats the client asks for by default", async () => {
    const response = await client.embeddings.create({ model: "nomic-embed-text", input: "hello" });
    expect(response.data[0]?.embedding).toStrictEqual([0.25, -0.5, 1]);
    expect(response.usage).toStrictEqual({ prompt_tokens: 3, total_tokens: 3 });
    expect(response.model).toBe("nomic-embed-text");
    expect(seen.embed).toStrictEqual({ model: "nomic-embed-text", input: "hello" });
  });

  it("returns floats as-is when asked for float", async () => {
    const response = await client.embeddings.create({
      model: "nomic-embed-text",
      input: ["a"],
      encoding_format: "float",
      dimensions: 3,
    });
    expect(response.data[0]?.embedding).toStrictEqual([0.25, -0.5, 1]);
    expect(seen.embed?.dimensions).toBe(3);
  });

  it("lists models", async () => {
    script.tags = {
      models: [
        {
          name: "llama3.2:latest",
          model: "llama3.2:latest",
          modified_at: AT,
          size: 1,
          digest: "d",
          details: {
            parent_model: "",
            format: "gguf",
            family: "llama",
            families: null,
            parameter_size: "3B",
            quantization_level: "Q4_K_M",
          },
        },
      ],
    };
    const ids: string[] = [];
    for await (const model of client.models.list())
      ids.push(`${model.id} ${model.owned_by} ${model.created}`);
    expect(ids).toStrictEqual(["llama3.2:latest library 1735689600"]);
  });
});
