import type { SimNodeInput } from "../../sim/config.js";
import { type SimNodeHandle, startSimCluster, startSimNode } from "../../sim/index.js";
import { onShutdown } from "../shutdown.js";

export interface SimOptions {
  cluster?: string;
  port?: number;
  model?: string[];
  zeroLatency?: boolean;
}

/** First port of simulated nodes started from the command line (ARCHITECTURE.md: "from 11500 up"). */
export const SIM_BASE_PORT = 11500;

export async function sim(options: SimOptions): Promise<void> {
  if (options.cluster !== undefined) {
    const cluster = await startSimCluster(options.cluster);
    for (const node of cluster.nodes) announce(node);
    onShutdown(() => cluster.close());
    return;
  }
  const input: SimNodeInput = {
    name: "sim",
    port: options.port ?? SIM_BASE_PORT,
    ...(options.zeroLatency ? { zero_latency: true } : {}),
    ...(options.model ? { models: options.model.map((name) => ({ name, size_mb: 2048 })) } : {}),
  };
  const node = await startSimNode(input);
  announce(node);
  onShutdown(() => node.close());
}

function announce(node: SimNodeHandle): void {
  const models = node.engine.inventory
    .list()
    .map((model) => model.name)
    .join(", ");
  process.stdout.write(`hydra sim: node "${node.name}" on ${node.url} (models: ${models})\n`);
}
