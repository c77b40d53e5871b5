/**
 * Turns an opened exchange into the client's response: errors from the node are
 * passed on with their status (in the route's API shape), single answers are
 * forwarded or translated, streams are relayed line by line through an encoder.
 */
import type { OutgoingHttpHeaders } from "node:http";
import type { FastifyReply } from "fastify";
import type { GenerationStats } from "../../protocol/ollama/types.js";
import type { Exchange } from "../exchange.js";
import { errorBody } from "../http-errors.js";
import { ndjsonEncoder, RelayStream, type StreamEncoder } from "./stream.js";

const JSON_TYPE = "application/json; charset=utf-8";
const NDJSON_TYPE = "application/x-ndjson";

/** Forwards a node's non-200 answer with its status; a plain-text body becomes a proper error object. */
export async function forwardUpstreamError(exchange: Exchange, reply: FastifyReply): Promise<FastifyReply> {
  const { response } = exchange.dispatch;
  const text = await response.body.text().catch(() => "");
  const message = errorMessageOf(text) ?? `node ${exchange.node.name} answered HTTP ${response.status}`;
  exchange.complete(response.status, undefined, message);
  const retryAfter = response.headers["retry-after"];
  if (typeof retryAfter === "string") reply.header("retry-after", retryAfter);
  return reply
    .code(response.status)
    .type(JSON_TYPE)
    .send(errorBody(reply.request.url, response.status, message));
}

/**
 * Reads a node's single JSON answer and completes the exchange. Returns the text and
 * its parsed value, or undefined after answering 502 when the node sent something
 * that is not JSON.
 */
export async function readAnswer(
  exchange: Exchange,
  reply: FastifyReply,
): Promise<{ text: string; value: Record<string, unknown> } | undefined> {
  const text = await exchange.dispatch.response.body.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null) {
    const message = `node ${exchange.node.name} sent an answer that is not a JSON object`;
    exchange.complete(502, undefined, message);
    reply
      .code(502)
      .type(JSON_TYPE)
      .send(errorBody(reply.request.url, 502, message));
    return undefined;
  }
  exchange.complete(200, value as Partial<GenerationStats>);
  return { text, value: value as Record<string, unknown> };
}

/**
 * Streams are written straight to the socket (Fastify steps aside), which keeps the
 * per-token cost close to that of a bare Node proxy; backpressure is kept by pausing the node.
 */
export function sendStream(
  reply: FastifyReply,
  exchange: Exchange,
  encoder: StreamEncoder,
  contentType: string,
): FastifyReply {
  reply.hijack();
  reply.raw.writeHead(200, { ...(reply.getHeaders() as OutgoingHttpHeaders), "content-type": contentType });
  new RelayStream(exchange, encoder, reply.raw);
  return reply;
}

/** Ollama API routes: everything passes through as the node wrote it. */
export async function respondNative(
  exchange: Exchange,
  reply: FastifyReply,
  stream: boolean,
): Promise<FastifyReply> {
  if (exchange.status !== 200) return forwardUpstreamError(exchange, reply);
  if (stream) return sendStream(reply, exchange, ndjsonEncoder, NDJSON_TYPE);
  const answer = await readAnswer(exchange, reply);
  return answer === undefined ? reply : reply.type(JSON_TYPE).send(answer.text);
}

export function errorMessageOf(text: string): string | undefined {
  try {
    const parsed = JSON.parse(text) as { error?: unknown };
    if (typeof parsed.error === "string") return parsed.error;
    const nested = parsed.error as { message?: unknown } | undefined;
    if (typeof nested?.message === "string") return nested.message;
  } catch {
    // Not JSON: fall through to the raw text.
  }
  const trimmed = text.trim();
  return trimmed === "" ? undefined : trimmed.slice(0, 500);
}
