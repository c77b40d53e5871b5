/**
 * The heterogeneous cluster of the routing benchmark: one fast node with 4 slots and
 * VRAM for two of the three models, three slow 1-slot nodes with room for one. Written
 * out as a `hydra sim --cluster` file and as the gateway's config (whose `slots` must
 * match each node's num_parallel, so the gateway's queue knows how much each node takes).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ModelSpec {
  name: string;
  size_mb: number;
  /** Share of the requests that ask for this model. */
  popularity: number;
}

export interface NodeSpec {
  name: string;
  slots: number;
  vram_mb: number;
  prefill_tps: number;
  decode_tps: number;
  load_mbps: number;
  /** Models in VRAM when the node starts, so every strategy starts from the same warm state. */
  preload: string[];
}

/**
 * Sizes chosen so that any two models exceed a slow node's 6000 MiB but fit the fast
 * node's 10000 MiB, and all three do not: slow nodes hold one model, the fast node two.
 * Loads take about 1.4-1.9 s at the load rates below.
 */
export const MODELS: readonly ModelSpec[] = [
  { name: "llama3.1:8b", size_mb: 4700, popularity: 0.6 },
  { name: "qwen2.5:7b", size_mb: 4400, popularity: 0.3 },
  { name: "mistral:7b", size_mb: 4100, popularity: 0.1 },
];

const FAST = { slots: 4, vram_mb: 10_000, prefill_tps: 4000, decode_tps: 120, load_mbps: 3000 };
const SLOW = { slots: 1, vram_mb: 6000, prefill_tps: 600, decode_tps: 25, load_mbps: 2500 };

export const NODES: readonly NodeSpec[] = [
  { name: "fast-1", ...FAST, preload: ["llama3.1:8b", "qwen2.5:7b"] },
  { name: "slow-1", ...SLOW, preload: ["llama3.1:8b"] },
  { name: "slow-2", ...SLOW, preload: ["qwen2.5:7b"] },
  { name: "slow-3", ...SLOW, preload: ["mistral:7b"] },
];

/** Long enough that nothing unloads on a timer during a phase: only eviction unloads. */
const KEEP_ALIVE = "1h";
/** Far above the longest num_predict, so num_predict alone sets each answer's length. */
const NATURAL_TOKENS = 2048;

/** Writes the sim cluster file (JSON is valid YAML); every node on port 0. */
export function writeSimCluster(dir: string): string {
  const file = join(dir, "cluster.yaml");
  const nodes = NODES.map((node) => ({
    name: node.name,
    port: 0,
    num_parallel: node.slots,
    // The gateway's queue is what should hold waiting requests; the node's own queue only backs it up.
    max_queue: 512,
    vram_mb: node.vram_mb,
    prefill_tps: node.prefill_tps,
    decode_tps: node.decode_tps,
    load_mbps: node.load_mbps,
    models: MODELS.map((model) => ({
      name: model.name,
      size_mb: model.size_mb,
      loaded: node.preload.includes(model.name),
    })),
  }));
  const cluster = {
    defaults: { keep_alive: KEEP_ALIVE, response_tokens: { min: NATURAL_TOKENS, max: NATURAL_TOKENS } },
    nodes,
  };
  writeFileSync(file, JSON.stringify(cluster, null, 2));
  return file;
}

/** Writes the gateway's config: the nodes with their names, slots and GPU memory. */
export function writeGatewayConfig(dir: string, urls: ReadonlyMap<string, string>): string {
  const file = join(dir, "hydra.yaml");
  const nodes = NODES.map((node) => {
    const url = urls.get(node.name);
    if (url === undefined) throw new Error(`sim node "${node.name}" did not report a URL`);
    return { url, name: node.name, slots: node.slots, vramMb: node.vram_mb };
  });
  // The response cache is off: the strategies are compared on answers the nodes compute.
  writeFileSync(file, JSON.stringify({ nodes, responseCache: { enabled: false } }, null, 2));
  return file;
}

export interface CapacityEstimate {
  requests_per_s: number;
  by_node: Record<string, number>;
  assumptions: string;
}

/**
 * Requests per second the cluster sustains with every model already where it is asked
 * for (no loads, no queueing loss): each slot serves one answer per prefill + decode time.
 * An upper bound; loads and imperfect placement only lower it.
 */
export function estimateCapacity(meanOutputTokens: number, promptTokens: number): CapacityEstimate {
  const byNode: Record<string, number> = {};
  let total = 0;
  for (const node of NODES) {
    const serviceS = promptTokens / node.prefill_tps + meanOutputTokens / node.decode_tps;
    const rate = node.slots / serviceS;
    byNode[node.name] = rate;
    total += rate;
  }
  return {
    requests_per_s: total,
    by_node: byNode,
    assumptions:
      `sum over nodes of slots / (prompt ${promptTokens} tok / prefill_tps + mean output ` +
      `${meanOutputTokens} tok / decode_tps); no model loads`,
  };
}
