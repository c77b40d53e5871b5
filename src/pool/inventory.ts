/**
 * Reads what a node has installed (/api/tags), what it has in memory (/api/ps) and
 * its version, and records it on the node. A node that cannot answer is down.
 */
import type { PsResponse, TagsResponse, VersionResponse } from "../protocol/ollama/types.js";
import type { UpstreamResponse } from "./backend/backend.js";
import type { PoolNode } from "./node.js";

export async function refreshInventory(node: PoolNode, timeoutMs: number): Promise<void> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const [tags, ps, version] = await Promise.all([
      getJson<TagsResponse>(node, "/api/tags", signal),
      getJson<PsResponse>(node, "/api/ps", signal),
      node.version === undefined ? getJson<VersionResponse>(node, "/api/version", signal) : undefined,
    ]);
    node.setInventory(tags.models ?? [], ps.models ?? []);
    if (version !== undefined) node.version = version.version;
    node.markUp();
  } catch (error) {
    node.markDown(describeFailure(error));
  }
}

async function getJson<T>(node: PoolNode, path: string, signal: AbortSignal): Promise<T> {
  const response: UpstreamResponse = await node.backend.request({ method: "GET", path, signal });
  if (response.status !== 200) {
    await response.body.dump();
    throw new Error(`GET ${path} answered HTTP ${response.status}`);
  }
  return (await response.body.json()) as T;
}

export function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    if (error.name === "TimeoutError") return "no answer before the deadline";
    return typeof code === "string" ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}
