import type { NodeView } from "../../gateway/routes/ops.js";
import { formatTable } from "../table.js";

export interface NodesOptions {
  gateway: string;
  apiKey?: string;
  json?: boolean;
}

export async function nodes(options: NodesOptions): Promise<void> {
  const url = `${options.gateway.replace(/\/+$/, "")}/v1/hydra/nodes`;
  let response: Response;
  try {
    response = await fetch(url, {
      headers: options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {},
    });
  } catch (error) {
    throw new Error(
      `cannot reach the gateway at ${options.gateway} (${(error as Error).cause ?? (error as Error).message}); is 'hydra serve' running? Use --gateway URL`,
    );
  }
  if (!response.ok) {
    throw new Error(
      `the gateway answered HTTP ${response.status}: ${await response.text()}${response.status === 401 ? " (pass --api-key or set HYDRA_API_KEY)" : ""}`,
    );
  }
  const body = (await response.json()) as { nodes: NodeView[] };
  if (options.json) {
    process.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
    return;
  }
  process.stdout.write(`${renderNodes(body.nodes)}\n`);
}

export function renderNodes(list: readonly NodeView[]): string {
  const rows = list.map((node) => [
    node.name,
    node.health === "up"
      ? "up"
      : node.health === "down"
        ? `DOWN (${node.lastError ?? "unknown"})`
        : node.health,
    String(node.inFlight),
    node.url,
    node.models.length === 0
      ? "-"
      : node.models.map((model) => (model.loaded ? `${model.name}*` : model.name)).join(", "),
  ]);
  return formatTable(["NODE", "HEALTH", "IN-FLIGHT", "URL", "MODELS (* = loaded)"], rows);
}
