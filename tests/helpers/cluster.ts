/**
 * Starts simulated Ollama nodes (port 0) and a gateway in front of them (port 0),
 * in this process, and stops everything afterwards.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HydraConfigInput, hydraConfigSchema } from "../../src/config/schema.js";
import { createGateway, type Gateway, type GatewayOptions } from "../../src/gateway/server.js";
import type { SimNodeInput } from "../../src/sim/config.js";
import { type SimNodeHandle, startSimNode } from "../../src/sim/index.js";

export interface TestCluster {
  url: string;
  gateway: Gateway;
  sims: SimNodeHandle[];
  sim(name: string): SimNodeHandle;
  close(): Promise<void>;
}

export async function startTestCluster(
  nodes: SimNodeInput[],
  config: Omit<HydraConfigInput, "nodes"> = {},
  options: GatewayOptions = {},
): Promise<TestCluster> {
  const sims = await Promise.all(nodes.map((node) => startSimNode(node)));
  const parsed = hydraConfigSchema.parse({
    // Its own data dir: memory files of parallel test files never meet.
    dataDir: mkdtempSync(join(tmpdir(), "hydra-test-")),
    ...config,
    server: { ...config.server, port: 0 },
    log: { level: "silent", ...config.log },
    // Off unless a test is about it: seeded requests would otherwise be answered from the cache.
    responseCache: { enabled: false, ...config.responseCache },
    nodes: sims.map((sim) => ({ url: sim.url, name: sim.name })),
  });
  const gateway = createGateway(parsed, options);
  const url = await gateway.start();
  return {
    url,
    gateway,
    sims,
    sim(name) {
      const found = sims.find((sim) => sim.name === name);
      if (found === undefined) throw new Error(`no sim node ${name}`);
      return found;
    },
    async close() {
      await gateway.close();
      await Promise.all(sims.map((sim) => sim.close()));
    },
  };
}

/** A fast node: quick answers that still stream token by token. */
export function fastNode(
  name: string,
  models: SimNodeInput["models"],
  extra: Partial<SimNodeInput> = {},
): SimNodeInput {
  return {
    name,
    num_parallel: 4,
    vram_mb: 64_000,
    prefill_tps: 1_000_000,
    decode_tps: 5_000,
    load_mbps: 1_000_000,
    models,
    ...extra,
  };
}

/** Collects an async iterable into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
