/**
 * Turns an opened exchange into the client's response: single answers are
 * forwarded or translated, streams are relayed line by line through an encoder.
 * (A node's error answer never gets here: the dispatcher retries or throws it.)
 */
import type { OutgoingHttpHeaders } from "node:http";
import type { FastifyReply } from "fastify";
import type { GenerationStats } from "../../protocol/ollama/types.js";
import type { Exchange } from "../exchange.js";
import { errorBody } from "../http-errors.js";
import { ndjsonEncoder, RelayStream, type StreamEncoder } from "./stream.js";

const JSON_TYPE = "application/json; charset=utf-8";
const NDJSON_TYPE = "application/x-ndjson";

/**
 * Reads a node's single JSON answer and completes the exchange. Returns the text and
 * its parsed value, or undefined after answering 502 when the node sent something
 * that is not JSON.
 */
export async function readAnswer(
  exchange: Exchange,
  reply: FastifyReply,
): Promise<{ text: string; value: Record<string, unknown> } | undefined> {
  let text: string;
  try {
    text = await exchange.dispatch.response.body.text();
  } catch (error) {
    exchange.complete(502, undefined, (error as Error).message);
    if (exchange.stopError !== undefined) throw exchange.stopError;
    throw error;
  }
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
  if (stream) return sendStream(reply, exchange, ndjsonEncoder, NDJSON_TYPE);
  const answer = await readAnswer(exchange, reply);
  return answer === undefined ? reply : reply.type(JSON_TYPE).send(answer.text);
}
