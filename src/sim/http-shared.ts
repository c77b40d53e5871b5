/**
 * Pieces every route module of the sim server uses: the per-request scope (path, abort signal
 * on client disconnect, parsed body), JSON replies, and how a generation is written out —
 * streamed or whole, with stream faults applied.
 */
import type { ServerResponse } from "node:http";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { SimEngine } from "./engine.js";
import type { StreamFault } from "./faults.js";
import { AbortedError } from "./scheduler.js";
import { cutConnection, stall } from "./stream-writer.js";

export interface RequestScope {
  /** Path without the query string. */
  path: string;
  /** Aborts when the client disconnects before the response is complete. */
  signal: AbortSignal;
}

const scopes = new WeakMap<FastifyRequest, RequestScope>();

export function openScope(request: FastifyRequest, reply: FastifyReply): RequestScope {
  const controller = new AbortController();
  reply.raw.on("close", () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  const scope = { path: request.url.split("?")[0] ?? request.url, signal: controller.signal };
  scopes.set(request, scope);
  return scope;
}

export function scopeOf(request: FastifyRequest): RequestScope {
  const scope = scopes.get(request);
  if (!scope) throw new Error("sim request scope missing: openScope runs in onRequest");
  return scope;
}

/** Gin's c.JSON: the status, `application/json; charset=utf-8`, and the body. */
export function sendJson(
  reply: FastifyReply,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): FastifyReply {
  return reply
    .code(status)
    .headers(headers)
    .type("application/json; charset=utf-8")
    .send(JSON.stringify(body));
}

/** Ends a response that can no longer be answered properly (node shutting down, client gone). */
export function abandon(res: ServerResponse): void {
  if (!res.destroyed) res.destroy();
}

export function isAbort(error: unknown): boolean {
  return error instanceof AbortedError;
}

/**
 * Collects a whole answer for a `stream: false` response. Stream faults still apply: a cut or
 * stall after N tokens means the response never comes. Returns undefined when that happened.
 */
export async function collectAnswer<T extends { done: boolean }>(
  chunks: AsyncGenerator<T>,
  fault: StreamFault | undefined,
  res: ServerResponse,
  engine: SimEngine,
  signal: AbortSignal,
): Promise<T[] | undefined> {
  const out: T[] = [];
  for await (const chunk of chunks) {
    if (
      (fault?.type === "cut_stream" || fault?.type === "stall") &&
      (out.length >= fault.after_tokens || chunk.done)
    ) {
      if (fault.type === "cut_stream") await cutConnection(res, engine.counters);
      else await stall(signal, engine.counters);
      return undefined;
    }
    out.push(chunk);
  }
  return out;
}

/** Ollama's done marker removed from a native final object (missing_done on `stream: false`). */
export function withoutNativeDone(body: Record<string, unknown>): Record<string, unknown> {
  const { done_reason: _reason, ...rest } = body;
  return { ...rest, done: false };
}

/**
 * Writes a non-streamed answer. malformed_chunk breaks the JSON; missing_done sends the body
 * through `dropDone`, which removes whatever marks it finished.
 */
export function writeWholeAnswer(
  res: ServerResponse,
  body: Record<string, unknown>,
  fault: StreamFault | undefined,
  dropDone: (body: Record<string, unknown>) => Record<string, unknown> = withoutNativeDone,
): void {
  const payload = fault?.type === "missing_done" ? dropDone(body) : body;
  let text = JSON.stringify(payload);
  if (fault?.type === "malformed_chunk") text = text.slice(0, Math.max(1, Math.floor(text.length / 2)));
  res.writeHead(200, { "Content-Type": "application/json; charset=utf-8" });
  res.end(text);
}
