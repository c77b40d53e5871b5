/**
 * The memory key/value API: `GET/PUT/DELETE /v1/hydra/memory/<key>` and
 * `GET /v1/hydra/memory/stats`, over the tiered store (src/memory/). Keys may hold "/" (the rest
 * of the path is the key, percent-decoded). Values are JSON, or bytes: PUT them as
 * `application/octet-stream` (options in the query string) or as `{"base64": "..."}`; GET with
 * `Accept: application/octet-stream` returns the stored bytes as they are.
 *
 *   PUT /v1/hydra/memory/greeting   {"value": {"text": "hi"}, "ttlMs": 60000, "tiers": ["l1", "l2"]}
 *   GET /v1/hydra/memory/greeting   -> {"key", "tier", "kind", "value", "size", "createdAt", "expiresAt", "namespace"}
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { z } from "zod";
import { BadRequestError } from "../../errors.js";
import { MemoryDisabledError, MemoryNotFoundError } from "../../memory/errors.js";
import type { MemoryHit, PutOptions, TieredMemory } from "../../memory/tiered-memory.js";
import { formatValidationError } from "../../validation/zod-issues.js";

export interface MemoryRoutesOptions {
  /**
   * The store, or a function that returns (or opens) it at each request, since opening is async
   * and the gateway is assembled synchronously. Undefined when memory is off
   * (`memory.enabled: false`): every route answers 503 saying so.
   */
  store: TieredMemory | undefined | (() => TieredMemory | undefined | Promise<TieredMemory | undefined>);
}

const PREFIX = "/v1/hydra/memory";
/** GET of this key would reach the stats route, so it cannot be written over HTTP. */
const RESERVED_KEYS = new Set(["stats"]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const putBodySchema = z
  .strictObject({
    /** Any JSON value. */
    value: z.unknown().optional(),
    /** Bytes, base64-encoded. */
    base64: z.string().optional(),
    // Checked by the store, whose messages say what a valid TTL and tier list are.
    ttlMs: z.unknown().optional(),
    tiers: z.union([z.array(z.unknown()), z.string()]).optional(),
    namespace: z.unknown().optional(),
  })
  .refine((body) => (body.value === undefined) !== (body.base64 === undefined), {
    error: 'send exactly one of "value" (any JSON) or "base64" (bytes), e.g. {"value": {"text": "hi"}}',
  });

interface KeyParams {
  "*": string;
}

export async function memoryRoutes(app: FastifyInstance, options: MemoryRoutesOptions): Promise<void> {
  const storeOf = async (): Promise<TieredMemory> => {
    const store = typeof options.store === "function" ? await options.store() : options.store;
    if (store === undefined) throw new MemoryDisabledError();
    return store;
  };
  // Raw bytes as a value; only for these routes (the gateway parses every other body as JSON).
  app.addContentTypeParser("application/octet-stream", { parseAs: "buffer" }, (_request, body, done) => {
    done(null, body);
  });

  app.get(`${PREFIX}/stats`, async () => {
    const stats = await (await storeOf()).stats();
    return { enabled: true, ...stats };
  });

  app.get<{ Params: KeyParams }>(`${PREFIX}/*`, async (request, reply) => {
    const key = request.params["*"];
    const hit = await (await storeOf()).get(key);
    if (hit === undefined) throw new MemoryNotFoundError(key);
    reply.header("x-hydra-memory-tier", hit.tier);
    if (wantsBytes(request)) {
      return reply
        .type(hit.kind === "bytes" ? "application/octet-stream" : "application/json; charset=utf-8")
        .send(hit.kind === "bytes" ? (hit.value as Buffer) : JSON.stringify(hit.value));
    }
    return entryView(hit);
  });

  app.put<{ Params: KeyParams; Querystring: Record<string, string | undefined> }>(
    `${PREFIX}/*`,
    async (request, reply) => {
      const key = request.params["*"];
      if (RESERVED_KEYS.has(key)) {
        throw new BadRequestError(
          `the key "${key}" cannot be read back over HTTP (GET ${PREFIX}/${key} shows the statistics); choose another key`,
        );
      }
      const { value, putOptions } = Buffer.isBuffer(request.body)
        ? { value: request.body, putOptions: optionsFromQuery(request.query) }
        : fromJsonBody(request.body);
      const result = await (await storeOf()).put(
        key,
        value as Parameters<TieredMemory["put"]>[1],
        putOptions,
      );
      return reply.send({
        key: result.key,
        kind: result.kind,
        size: result.size,
        tiers: result.tiers,
        createdAt: new Date(result.createdAt).toISOString(),
        expiresAt: result.expiresAt === null ? null : new Date(result.expiresAt).toISOString(),
      });
    },
  );

  app.delete<{ Params: KeyParams }>(`${PREFIX}/*`, async (request) => {
    const key = request.params["*"];
    return { key, deleted: await (await storeOf()).delete(key) };
  });
}

/** What GET returns for an entry (JSON values inline, bytes as base64). */
export interface MemoryEntryView {
  key: string;
  tier: string;
  kind: "json" | "bytes";
  value?: unknown;
  base64?: string;
  size: number;
  createdAt: string;
  expiresAt: string | null;
  namespace: string | null;
}

function entryView(hit: MemoryHit): MemoryEntryView {
  return {
    key: hit.key,
    tier: hit.tier,
    kind: hit.kind,
    ...(hit.kind === "bytes" ? { base64: (hit.value as Buffer).toString("base64") } : { value: hit.value }),
    size: hit.size,
    createdAt: new Date(hit.createdAt).toISOString(),
    expiresAt: hit.expiresAt === null ? null : new Date(hit.expiresAt).toISOString(),
    namespace: hit.namespace,
  };
}

function wantsBytes(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? "";
  return accept.includes("application/octet-stream") && !accept.includes("application/json");
}

function fromJsonBody(body: unknown): { value: unknown; putOptions: PutOptions } {
  if (body === undefined) {
    throw new BadRequestError(
      'request body is empty; send {"value": <any JSON>} or {"base64": "..."}, or raw bytes as application/octet-stream',
    );
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new BadRequestError(
      'request body must be a JSON object like {"value": <any JSON>, "ttlMs": 60000}',
    );
  }
  const parsed = putBodySchema.safeParse(body);
  if (!parsed.success) throw new BadRequestError(formatValidationError(parsed.error));
  const { value, base64, ttlMs, tiers, namespace } = parsed.data;
  let stored = value;
  if (base64 !== undefined) {
    if (!BASE64.test(base64) || base64.length % 4 !== 0) {
      throw new BadRequestError(
        "base64 is not valid base64 (A-Z a-z 0-9 + /, padded with = to a multiple of 4)",
      );
    }
    stored = Buffer.from(base64, "base64");
  }
  return {
    value: stored,
    putOptions: {
      ...(ttlMs === undefined ? {} : { ttlMs: ttlMs as number }),
      ...(tiers === undefined ? {} : { tiers: tierList(tiers) as string[] }),
      ...(namespace === undefined ? {} : { namespace: namespace as string }),
    },
  };
}

/** `?ttlMs=60000&tiers=l1,l2&namespace=x` for bodies sent as raw bytes. */
function optionsFromQuery(query: Record<string, string | undefined>): PutOptions {
  const { ttlMs, tiers, namespace } = query;
  return {
    // A non-number stays as text so the store's TTL error names what was sent.
    ...(ttlMs === undefined
      ? {}
      : { ttlMs: /^\d+$/.test(ttlMs) ? Number(ttlMs) : (ttlMs as unknown as number) }),
    ...(tiers === undefined ? {} : { tiers: tierList(tiers) as string[] }),
    ...(namespace === undefined ? {} : { namespace }),
  };
}

function tierList(tiers: string | readonly unknown[]): unknown[] {
  return typeof tiers === "string" ? tiers.split(",").map((tier) => tier.trim()) : [...tiers];
}
