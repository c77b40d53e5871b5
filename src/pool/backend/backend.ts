/**
 * The backend adapter: how the pool talks to one node. Every adapter speaks Ollama's
 * native API to the pool (paths, JSON bodies, NDJSON streams), whatever the node
 * really runs; a later adapter translates for llama.cpp's llama-server or vLLM.
 */
export type UpstreamMethod = "GET" | "HEAD" | "POST" | "DELETE";

export interface UpstreamRequest {
  method: UpstreamMethod;
  path: string;
  /** Serialised as JSON. */
  body?: unknown;
  /** JSON text to send as it is, when the caller already holds it (saves a re-serialisation). */
  rawBody?: string | Buffer;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface UpstreamBody extends AsyncIterable<Uint8Array> {
  text(): Promise<string>;
  json(): Promise<unknown>;
  /** Discard the rest of the body so the connection can be reused. */
  dump(): Promise<void>;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: UpstreamBody;
}

export interface NodeBackend {
  request(request: UpstreamRequest): Promise<UpstreamResponse>;
  close(): Promise<void>;
}
