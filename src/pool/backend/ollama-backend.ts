import { Pool } from "undici";
import type { NodeBackend, UpstreamRequest, UpstreamResponse } from "./backend.js";

export interface OllamaBackendOptions {
  connections: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

const JSON_HEADERS = { "content-type": "application/json" };

/** A native Ollama node, reached through a keep-alive undici connection pool. */
export class OllamaBackend implements NodeBackend {
  readonly #pool: Pool;

  constructor(baseUrl: string, options: OllamaBackendOptions) {
    const url = new URL(baseUrl);
    this.#pool = new Pool(url.origin, {
      connections: options.connections,
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.bodyTimeoutMs,
      keepAliveTimeout: 30_000,
      pipelining: 1,
    });
    this.#prefix = url.pathname === "/" ? "" : url.pathname;
  }

  readonly #prefix: string;

  async request(request: UpstreamRequest): Promise<UpstreamResponse> {
    const body = request.rawBody ?? (request.body === undefined ? null : JSON.stringify(request.body));
    const hasBody = body !== null;
    const response = await this.#pool.request({
      method: request.method,
      path: this.#prefix + request.path,
      body,
      headers: hasBody ? { ...JSON_HEADERS, ...request.headers } : request.headers,
      signal: request.signal ?? null,
    });
    return { status: response.statusCode, headers: response.headers, body: response.body };
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}
