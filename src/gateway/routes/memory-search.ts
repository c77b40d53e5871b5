/**
 * Semantic memory over HTTP:
 * - `POST /v1/hydra/memory/search {query | vector, k?, filter?}`: the k entries closest in meaning
 *   (a query text is embedded with the configured model; a vector must have the index's dimension);
 * - `POST /v1/hydra/memory/vectors {text, metadata?, namespace?, id?}`: remember a text;
 * - `DELETE /v1/hydra/memory/vectors/:id`: forget it.
 * Bad input (no query, both query and vector, a vector of the wrong dimension, k out of range, a
 * bad filter) gets a 400 that says what to send instead; semantic memory turned off, 503.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { SQLITE_VEC_MAX_K } from "../../memory/vector/config.js";
import { VectorIndexUnavailableError, VectorNotFoundError } from "../../memory/vector/errors.js";
import { namespaceSchema, vectorFilterSchema } from "../../memory/vector/filter.js";
import type { SemanticMemory } from "../../memory/vector/semantic-memory.js";
import type { VectorHit } from "../../memory/vector/vector-index.js";
import { parseBody } from "../body.js";

export const MEMORY_SEARCH_PATH = "/v1/hydra/memory/search";
export const MEMORY_VECTORS_PATH = "/v1/hydra/memory/vectors";

export interface MemorySearchRoutesOptions {
  /**
   * Semantic memory, or a function that returns (or opens) it at each request: the gateway opens
   * it on first use. Undefined (memory.vectors.enabled: false): every route answers 503.
   */
  memory:
    | SemanticMemory
    | undefined
    | (() => SemanticMemory | undefined | Promise<SemanticMemory | undefined>);
  /** Largest k a search may ask for (`memory.vectors.maxK`, default 100). */
  maxK?: number;
}

const DEFAULT_K = 10;
const DEFAULT_MAX_K = 100;
/** Longer than any embedding model's vectors; a bigger list is a mistake, refused before parsing further. */
const MAX_VECTOR_LENGTH = 16_384;
const MAX_ID_CHARS = 256;

export interface SearchResponse {
  model: string;
  dimension: number | null;
  k: number;
  results: {
    id: string;
    score: number;
    distance: number;
    namespace: string;
    text: string | null;
    metadata: Record<string, unknown> | null;
  }[];
}

export function searchBodySchema(maxK: number) {
  return z
    .strictObject({
      query: z.string({ error: "query must be a string: the text to search for" }).optional(),
      vector: z
        .array(z.number({ error: "vector must be a list of numbers" }), {
          error: "vector must be a list of numbers",
        })
        .min(1, { error: "vector is empty; send the query embedding's numbers" })
        .max(MAX_VECTOR_LENGTH, { error: `vector has more than ${MAX_VECTOR_LENGTH} numbers` })
        .optional(),
      k: z
        .number({ error: `k must be a whole number from 1 to ${maxK}` })
        .int({ error: `k must be a whole number from 1 to ${maxK}` })
        .min(1, { error: `k must be at least 1 (the number of results wanted)` })
        .max(maxK, { error: `k must be at most ${maxK} (memory.vectors.maxK); ask for fewer results` })
        .default(Math.min(DEFAULT_K, maxK)),
      filter: vectorFilterSchema.optional(),
    })
    .superRefine((body, ctx) => {
      if (body.query !== undefined && body.vector !== undefined) {
        ctx.addIssue({ code: "custom", message: "send either query (a text) or vector, not both", path: [] });
      } else if (body.query === undefined && body.vector === undefined) {
        ctx.addIssue({
          code: "custom",
          message: 'send query (the text to search for), e.g. {"query": "how to reset a password", "k": 5}',
          path: ["query"],
        });
      } else if (body.query !== undefined && body.query.trim() === "") {
        ctx.addIssue({
          code: "custom",
          message: "query is empty; send the text to search for",
          path: ["query"],
        });
      }
    });
}

export const rememberBodySchema = z.strictObject({
  text: z
    .string({ error: "text must be a string: the text to remember" })
    .refine((text) => text.trim() !== "", { error: "text is empty; send the text to remember" }),
  metadata: z.record(z.string(), z.unknown(), { error: "metadata must be a JSON object" }).optional(),
  namespace: namespaceSchema.optional(),
  id: z
    .string({ error: "id must be a string" })
    .min(1, { error: "id must not be empty; leave it out for a random one" })
    .max(MAX_ID_CHARS, { error: `id must be at most ${MAX_ID_CHARS} characters` })
    .optional(),
});

export async function memorySearchRoutes(
  app: FastifyInstance,
  options: MemorySearchRoutesOptions,
): Promise<void> {
  const maxK = Math.min(options.maxK ?? DEFAULT_MAX_K, SQLITE_VEC_MAX_K);
  const searchSchema = searchBodySchema(maxK);
  const memoryOrFail = async (): Promise<SemanticMemory> => {
    const memory = typeof options.memory === "function" ? await options.memory() : options.memory;
    if (memory === undefined) throw new VectorIndexUnavailableError();
    return memory;
  };

  app.post(MEMORY_SEARCH_PATH, async (request): Promise<SearchResponse> => {
    const memory = await memoryOrFail();
    const body = parseBody(searchSchema, request);
    const hits = await memory.search((body.query ?? body.vector) as string | number[], body.k, body.filter);
    return {
      model: memory.index.model,
      dimension: memory.index.dimension ?? null,
      k: body.k,
      results: hits.map(toResult),
    };
  });

  app.post(MEMORY_VECTORS_PATH, async (request, reply) => {
    const memory = await memoryOrFail();
    const body = parseBody(rememberBodySchema, request);
    const { id } = await memory.remember(
      body.text,
      body.metadata,
      body.namespace,
      body.id === undefined ? {} : { id: body.id },
    );
    return reply.code(201).send({ id, model: memory.index.model, dimension: memory.index.dimension ?? null });
  });

  app.delete<{ Params: { id: string } }>(`${MEMORY_VECTORS_PATH}/:id`, async (request) => {
    const memory = await memoryOrFail();
    const { id } = request.params;
    if (!(await memory.forget(id))) throw new VectorNotFoundError(id);
    return { id, deleted: true };
  });
}

function toResult(hit: VectorHit): SearchResponse["results"][number] {
  return {
    id: hit.id,
    score: hit.score,
    distance: hit.distance,
    namespace: hit.namespace,
    text: hit.text ?? null,
    metadata: hit.metadata ?? null,
  };
}
