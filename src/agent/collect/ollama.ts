/**
 * This machine's Ollama as the agent sees it: whether it answers, its version, and the
 * models in memory (GET /api/version and /api/ps, each with a deadline).
 */
import { type Dispatcher, request } from "undici";
import type { LoadedModel, OllamaStatus } from "../protocol.js";

const MB = 1024 * 1024;

export interface OllamaReport {
  ollama: OllamaStatus;
  loaded: LoadedModel[];
}

/** The `models` of an /api/ps answer, sizes in MiB; entries without a name are skipped. */
export function parsePs(body: unknown): LoadedModel[] {
  const models = (body as { models?: unknown } | null)?.models;
  if (!Array.isArray(models)) return [];
  const loaded: LoadedModel[] = [];
  for (const entry of models as unknown[]) {
    if (typeof entry !== "object" || entry === null) continue;
    const { name, model, size, size_vram: sizeVram } = entry as Record<string, unknown>;
    const label = typeof name === "string" ? name : typeof model === "string" ? model : undefined;
    if (label === undefined) continue;
    loaded.push({
      name: label,
      sizeMb: typeof size === "number" && size > 0 ? Math.round(size / MB) : 0,
      sizeVramMb: typeof sizeVram === "number" && sizeVram > 0 ? Math.round(sizeVram / MB) : 0,
    });
  }
  return loaded;
}

/** A short reason a person can act on, from what undici threw. */
export function describeFailure(error: unknown, url: string, timeoutMs: number): string {
  const err = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
  if (err.name === "TimeoutError" || err.name === "AbortError")
    return `Ollama at ${url} did not answer within ${timeoutMs} ms`;
  const code = err.code ?? err.cause?.code;
  if (code === "ECONNREFUSED") return `nothing listens at ${url} (connection refused): is Ollama running?`;
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return `cannot resolve the host of ${url}`;
  return `cannot reach Ollama at ${url}: ${err.message}${code ? ` (${code})` : ""}`;
}

async function getJson(url: string, timeoutMs: number, dispatcher?: Dispatcher): Promise<unknown> {
  const response = await request(url, {
    method: "GET",
    signal: AbortSignal.timeout(timeoutMs),
    ...(dispatcher === undefined ? {} : { dispatcher }),
  });
  if (response.statusCode !== 200) {
    await response.body.dump();
    throw new Error(`GET ${new URL(url).pathname} answered HTTP ${response.statusCode}`);
  }
  return response.body.json();
}

export interface ReadOllamaOptions {
  timeoutMs: number;
  dispatcher?: Dispatcher;
}

export async function readOllama(baseUrl: string, options: ReadOllamaOptions): Promise<OllamaReport> {
  const base = baseUrl.replace(/\/+$/, "");
  try {
    const [version, ps] = await Promise.all([
      getJson(`${base}/api/version`, options.timeoutMs, options.dispatcher),
      getJson(`${base}/api/ps`, options.timeoutMs, options.dispatcher),
    ]);
    const text = (version as { version?: unknown } | null)?.version;
    return {
      ollama: { up: true, ...(typeof text === "string" ? { version: text } : {}) },
      loaded: parsePs(ps),
    };
  } catch (error) {
    return { ollama: { up: false, error: describeFailure(error, base, options.timeoutMs) }, loaded: [] };
  }
}
