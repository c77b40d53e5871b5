/**
 * Ollama's `/api/embed` as an EmbedFunction: through the gateway's pool (routing, admission,
 * retries and failover like any client request), or at one Ollama-compatible URL (a node, a sim,
 * or a gateway, for tools and tests).
 */
import { callPool } from "../../pool/call.js";
import type { NodePool } from "../../pool/pool.js";
import type { EmbedFunction } from "./embedder.js";
import { EmbeddingError } from "./errors.js";

export interface PoolEmbedOptions {
  /** Admission priority of embedding requests (1-10); default: the pool's default priority. */
  priority?: number;
  /** Signal that cancels every request (e.g. the gateway closing). */
  signal?: AbortSignal;
}

/** Embeddings from the cluster: `/api/embed` dispatched through `pool`. */
export function poolEmbedFunction(
  pool: Pick<NodePool, "dispatch">,
  options: PoolEmbedOptions = {},
): EmbedFunction {
  return async (model, inputs) => {
    // truncate: an over-long text is embedded from its beginning rather than refused.
    const { answer } = await callPool(
      pool,
      model,
      "/api/embed",
      { model, input: inputs, truncate: true },
      options,
    );
    return parseEmbedAnswer(model, answer);
  };
}

/** Embeddings from one Ollama-compatible server at `baseUrl` (e.g. http://127.0.0.1:11434). */
export function httpEmbedFunction(
  baseUrl: string,
  options: { headers?: Record<string, string>; signal?: AbortSignal } = {},
): EmbedFunction {
  const url = new URL("/api/embed", baseUrl).toString();
  return async (model, inputs) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...options.headers },
      body: JSON.stringify({ model, input: inputs, truncate: true }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new EmbeddingError(model, `${url} answered ${response.status}: ${text.slice(0, 500)}`, {
        status: response.status >= 500 ? 502 : response.status,
      });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new EmbeddingError(model, `${url} answered something that is not JSON`);
    }
    return parseEmbedAnswer(model, json);
  };
}

/** The `embeddings` of an /api/embed answer; the Embedder checks their shape and values. */
export function parseEmbedAnswer(model: string, answer: unknown): number[][] {
  if (
    typeof answer !== "object" ||
    answer === null ||
    !Array.isArray((answer as Record<string, unknown>).embeddings)
  ) {
    throw new EmbeddingError(model, "the answer has no `embeddings` list");
  }
  return (answer as { embeddings: number[][] }).embeddings;
}
