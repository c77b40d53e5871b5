/** Several simulated nodes started together from a cluster object or YAML file. */
import {
  loadSimClusterFile,
  parseSimClusterConfig,
  type SimClusterConfig,
  type SimClusterInput,
} from "./config.js";
import { type SimNodeHandle, type StartSimNodeOptions, startSimNode } from "./node.js";

export interface SimClusterHandle {
  nodes: SimNodeHandle[];
  /** The node with this name; throws when there is none. */
  node(name: string): SimNodeHandle;
  close(): Promise<void>;
}

/** Starts every node of a cluster (object or path to a YAML file); all or nothing. */
export async function startSimCluster(
  input: SimClusterInput | SimClusterConfig | string,
  options: StartSimNodeOptions = {},
): Promise<SimClusterHandle> {
  const config = typeof input === "string" ? await loadSimClusterFile(input) : parseSimClusterConfig(input);
  const started = await Promise.allSettled(config.nodes.map((node) => startSimNode(node, options)));
  const nodes = started.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  const failure = started.find((result) => result.status === "rejected");
  if (failure) {
    await Promise.all(nodes.map((node) => node.close()));
    throw failure.reason;
  }
  return {
    nodes,
    node(name) {
      const found = nodes.find((node) => node.name === name);
      if (!found)
        throw new Error(`no sim node named "${name}" (have: ${nodes.map((n) => n.name).join(", ")})`);
      return found;
    },
    async close() {
      await Promise.all(nodes.map((node) => node.close()));
    },
  };
}
