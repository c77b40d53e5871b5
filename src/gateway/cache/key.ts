/**
 * The exact response cache's rules, as pure functions: which requests may be answered from the
 * cache, and the key that identifies an answer.
 *
 * The key covers everything that changes an answer: the route, whether it streams (a stream and
 * a single JSON object are different bytes), the model (canonical name: `llama3.2` is
 * `llama3.2:latest`), and every other body field — messages or prompt, system, template,
 * format, tools, images, every option — canonicalised (object keys sorted) and hashed. Only
 * `keep_alive` (how long the model stays loaded afterwards) is left out, and `stream`, which is
 * in the key as the effective streaming mode. Two requests that differ in any other field never
 * share an entry.
 */
import { createHash } from "node:crypto";
import { modelKey } from "../../protocol/ollama/model-name.js";

/** Sent by the client: `force` caches a non-reproducible request, `no-store` skips the cache. */
export const CACHE_HEADER = "x-hydra-cache";

export type CacheDirective = "default" | "force" | "no-store";

/** Body fields that do not change the answer (kept out of the key). */
const IGNORED_FIELDS = new Set(["keep_alive", "stream"]);

/** Routes whose answers are embeddings: deterministic for a model and input, always cacheable. */
const EMBEDDING_ROUTES = new Set(["/api/embed", "/api/embeddings", "/v1/embeddings"]);

export function parseDirective(header: string | string[] | undefined): CacheDirective {
  const value = (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase();
  if (value === "force") return "force";
  if (value === "no-store" || value === "no-cache" || value === "off") return "no-store";
  return "default";
}

/**
 * Whether the answer can be reused: embeddings always; generations only when they are
 * reproducible (temperature 0, or a fixed seed), unless the client forces it.
 */
export function isCacheable(
  route: string,
  body: Record<string, unknown>,
  directive: CacheDirective,
): boolean {
  if (directive === "no-store") return false;
  if (directive === "force" || EMBEDDING_ROUTES.has(route)) return true;
  const options = isRecord(body.options) ? body.options : {};
  // Ollama puts sampling settings in `options`; OpenAI at the top level.
  const temperature = options.temperature ?? body.temperature;
  const seed = options.seed ?? body.seed;
  return temperature === 0 || (typeof seed === "number" && Number.isFinite(seed));
}

/** The cache key of a request: `response:<route>:<sha256 of the canonical request>`. */
export function cacheKey(route: string, stream: boolean, body: Record<string, unknown>): string {
  const model = typeof body.model === "string" ? modelKey(body.model) : "";
  const rest: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(body)) {
    if (field !== "model" && !IGNORED_FIELDS.has(field)) rest[field] = value;
  }
  const hash = createHash("sha256").update(canonicalJson({ route, stream, model, rest })).digest("hex");
  return `response:${route}:${hash}`;
}

/** JSON with object keys sorted at every level, so that field order never changes the key. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isRecord(value)) {
    const keys = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/**
 * Whether a relayed answer is complete and successful, so that it may be stored: a stream that
 * ended with its final object (NDJSON `"done": true`, SSE `data: [DONE]`) and no error, or a
 * single JSON object without an error.
 */
export function isCompleteAnswer(contentType: string, body: string): boolean {
  const text = body.trimEnd();
  if (text === "") return false;
  if (contentType.startsWith("text/event-stream")) {
    return text.endsWith("data: [DONE]") && !/^data: \{"error"/m.test(text);
  }
  if (contentType.startsWith("application/x-ndjson")) {
    const last = text.slice(text.lastIndexOf("\n") + 1);
    const final = parseObject(last);
    return final !== undefined && final.done === true && final.error === undefined;
  }
  const object = parseObject(text);
  return object !== undefined && object.error === undefined;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
