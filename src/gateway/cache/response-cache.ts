/**
 * The exact response cache in front of the generation and embedding routes: a reproducible
 * request (temperature 0, a seed, an embedding; or `x-hydra-cache: force`) whose answer is
 * stored is answered from memory without touching a node — a stored stream is replayed as a
 * stream, line by line. Every response of these routes says `x-hydra-cache: hit` or `miss`.
 * Only complete, successful answers are stored (a stream that ended with its final object).
 */
import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";
import type { FastifyBaseLogger, FastifyInstance, FastifyReply } from "fastify";
import type { TieredMemory } from "../../memory/tiered-memory.js";
import { CACHE_HEADER, cacheKey, isCacheable, isCompleteAnswer, parseDirective } from "./key.js";

export interface ResponseCacheConfig {
  enabled: boolean;
  ttlMs: number;
  maxEntryBytes: number;
}

/** The routes it covers, and whether each streams when the body does not say. */
const STREAMS_BY_DEFAULT: ReadonlyMap<string, boolean> = new Map([
  ["/api/chat", true],
  ["/api/generate", true],
  ["/api/embed", false],
  ["/api/embeddings", false],
  ["/v1/chat/completions", false],
  ["/v1/completions", false],
  ["/v1/embeddings", false],
]);

/** What happened to a cacheable request: answered from the cache, sent to a node, or its answer stored. */
export type ResponseCacheOutcome = "hit" | "miss" | "stored";

interface StoredAnswer {
  contentType: string;
  body: string;
}

declare module "fastify" {
  interface FastifyRequest {
    /** Set on a cache miss of a cacheable request: where its answer is stored once complete. */
    responseCacheKey?: { key: string; contentType: string };
  }
}

export function installResponseCache(
  app: FastifyInstance,
  options: {
    config: ResponseCacheConfig;
    store: () => Promise<TieredMemory | undefined>;
    log: FastifyBaseLogger;
    /** Told of every lookup of a cacheable request and every stored answer (for metrics). */
    onOutcome?: (outcome: ResponseCacheOutcome) => void;
  },
): void {
  const { config, store, log, onOutcome } = options;
  if (!config.enabled) return;

  app.addHook("preHandler", async (request, reply) => {
    const route = request.routeOptions.url ?? "";
    const streamsByDefault = STREAMS_BY_DEFAULT.get(route);
    if (streamsByDefault === undefined || request.method !== "POST") return;
    reply.header(CACHE_HEADER, "miss");
    const body = request.body;
    if (typeof body !== "object" || body === null || Array.isArray(body)) return;
    const fields = body as Record<string, unknown>;
    if (!isCacheable(route, fields, parseDirective(request.headers[CACHE_HEADER]))) return;
    const stream = fields.stream === undefined ? streamsByDefault : fields.stream === true;
    const key = cacheKey(route, stream, fields);
    const hit = await lookup(store, key, log);
    onOutcome?.(hit === undefined ? "miss" : "hit");
    if (hit !== undefined) return replay(reply, hit);
    request.responseCacheKey = { key, contentType: contentTypeOf(route, stream) };
    captureAnswer(reply.raw, config.maxEntryBytes);
  });

  app.addHook("onResponse", async (request, reply) => {
    const pending = request.responseCacheKey;
    if (pending === undefined || reply.raw.statusCode !== 200) return;
    const body = capturedAnswer(reply.raw);
    if (body === undefined) return;
    const { key, contentType } = pending;
    if (!isCompleteAnswer(contentType, body)) return;
    try {
      const memory = await store();
      const answer: StoredAnswer = { contentType, body };
      await memory?.put(key, { ...answer }, { ttlMs: config.ttlMs });
      if (memory !== undefined) onOutcome?.("stored");
    } catch (error) {
      // The answer reached the client; a cache that cannot store it only costs a later miss.
      log.warn({ err: error }, "response cache: could not store an answer");
    }
  });
}

/** What the route answers with (streams write their headers straight to the socket, so they are not read back). */
function contentTypeOf(route: string, stream: boolean): string {
  if (!stream) return "application/json; charset=utf-8";
  return route.startsWith("/v1/") ? "text/event-stream" : "application/x-ndjson";
}

async function lookup(
  store: () => Promise<TieredMemory | undefined>,
  key: string,
  log: FastifyBaseLogger,
): Promise<StoredAnswer | undefined> {
  try {
    const hit = await (await store())?.get(key);
    const value = hit?.value as Partial<StoredAnswer> | undefined;
    if (typeof value?.contentType !== "string" || typeof value.body !== "string") return undefined;
    return { contentType: value.contentType, body: value.body };
  } catch (error) {
    // A cache that cannot answer is a miss: the request goes to a node as it would without one.
    log.warn({ err: error }, "response cache: lookup failed; answering from a node");
    return undefined;
  }
}

function replay(reply: FastifyReply, answer: StoredAnswer): FastifyReply {
  reply.header(CACHE_HEADER, "hit").type(answer.contentType);
  const streamed =
    answer.contentType.startsWith("application/x-ndjson") ||
    answer.contentType.startsWith("text/event-stream");
  if (!streamed) return reply.send(answer.body);
  // A stream is replayed as one: a chunk per line (per event for SSE), as the node sent it.
  const separator = answer.contentType.startsWith("text/event-stream") ? "\n\n" : "\n";
  const parts = answer.body.split(separator).filter((part) => part !== "");
  return reply.send(Readable.from(parts.map((part) => `${part}${separator}`)));
}

const captures = new WeakMap<ServerResponse, { chunks: Buffer[]; bytes: number; overflow: boolean }>();

/** Keeps a copy of what is written to the client (up to `maxBytes`; beyond, nothing is kept). */
function captureAnswer(raw: ServerResponse, maxBytes: number): void {
  const capture = { chunks: [] as Buffer[], bytes: 0, overflow: false };
  captures.set(raw, capture);
  const keep = (chunk: unknown, encoding: unknown) => {
    if (capture.overflow || chunk === undefined || chunk === null || typeof chunk === "function") return;
    const buffer = Buffer.isBuffer(chunk)
      ? chunk
      : typeof chunk === "string"
        ? Buffer.from(chunk, typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8")
        : Buffer.from(chunk as Uint8Array);
    capture.bytes += buffer.length;
    if (capture.bytes > maxBytes) {
      capture.overflow = true;
      capture.chunks = [];
      return;
    }
    capture.chunks.push(buffer);
  };
  const write = raw.write.bind(raw) as (...args: unknown[]) => boolean;
  const end = raw.end.bind(raw) as (...args: unknown[]) => ServerResponse;
  // Patched on this one response object only: the relay writes to the socket directly.
  raw.write = ((chunk: unknown, ...rest: unknown[]) => {
    keep(chunk, rest[0]);
    return write(chunk, ...rest);
  }) as ServerResponse["write"];
  raw.end = ((chunk?: unknown, ...rest: unknown[]) => {
    keep(chunk, rest[0]);
    return end(chunk, ...rest);
  }) as ServerResponse["end"];
}

function capturedAnswer(raw: ServerResponse): string | undefined {
  const capture = captures.get(raw);
  if (capture === undefined || capture.overflow) return undefined;
  return Buffer.concat(capture.chunks).toString("utf8");
}
