/**
 * Is there an Ollama at this URL? Asks `GET /api/version` (a JSON `{version}`) and then
 * `GET /api/tags` (a JSON `{models: [{name}]}`); anything else, from a refused connection to a
 * web server answering "hello", means no. Both questions share one connection that is destroyed
 * before the probe returns: a scan of thousands of addresses must leave no socket open behind it.
 */
import type { Readable } from "node:stream";
import { Client } from "undici";

/** An Ollama node a probe found. */
export interface DiscoveredNode {
  /** Base URL, e.g. "http://192.168.1.7:11434". */
  url: string;
  /** What `/api/version` reported. */
  version: string;
  /** The model names `/api/tags` listed, in its order. */
  models: string[];
}

export interface ProbeOptions {
  /** Deadline for the whole probe: connect and both answers. */
  timeoutMs: number;
  /** Ends the probe early (it then resolves undefined). */
  signal?: AbortSignal;
}

/** Resolves the node when an Ollama answers at `url`, undefined otherwise; never rejects. */
export type ProbeFn = (url: string, options: ProbeOptions) => Promise<DiscoveredNode | undefined>;

/** A real `/api/tags` with hundreds of models is well under this; anything larger is not Ollama. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export const probeOllama: ProbeFn = async (url, { timeoutMs, signal }) => {
  if (signal?.aborted) return undefined;
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    return undefined;
  }
  const prefix = base.pathname.replace(/\/+$/, "");
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  const onAbort = () => deadline.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  const client = new Client(base.origin, {
    connect: { timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  try {
    const version = await getJson(client, `${prefix}/api/version`, deadline.signal);
    if (!isRecord(version) || typeof version.version !== "string") return undefined;
    const tags = await getJson(client, `${prefix}/api/tags`, deadline.signal);
    const models = isRecord(tags) ? modelNames(tags.models) : undefined;
    if (models === undefined) return undefined;
    return { url: `${base.origin}${prefix}`, version: version.version, models };
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
    await client.destroy().catch(() => {});
  }
};

async function getJson(client: Client, path: string, signal: AbortSignal): Promise<unknown> {
  const response = await client.request({
    method: "GET",
    path,
    signal,
    headers: { accept: "application/json" },
  });
  if (response.statusCode !== 200) {
    discard(response.body);
    return undefined;
  }
  const text = await readLimited(response.body, MAX_BODY_BYTES);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function readLimited(body: Readable, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) {
      discard(body);
      return undefined;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Drops a body unread; the connection goes with the client, so there is nothing to drain. */
function discard(body: Readable): void {
  // undici reports a destroyed body as an aborted request; that is the intent here, not an error.
  body.on("error", () => {});
  body.destroy();
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The names in an `/api/tags` model list, or undefined when it is not one. */
function modelNames(models: unknown): string[] | undefined {
  if (!Array.isArray(models)) return undefined;
  const names: string[] = [];
  for (const model of models) {
    if (!isRecord(model)) return undefined;
    const name = typeof model.name === "string" ? model.name : model.model;
    if (typeof name !== "string") return undefined;
    names.push(name);
  }
  return names;
}
