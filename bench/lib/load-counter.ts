/**
 * Counting model loads on simulated nodes from outside. The sim keeps no load counter,
 * so each node's GET /_sim/state is polled and every model that enters its `loaded`
 * list (status "loading", or already "ready") is one load; so is a model seen "ready"
 * and then "loading" again (evicted and reloaded between two polls). A load lasts over
 * a second here, far longer than the poll interval, so none slips between two polls.
 */
import { request } from "undici";
import { isRecord } from "./chat-stream.js";
import { sleep } from "./gateway-watch.js";

export type LoadedModels = Map<string, "loading" | "ready">;

export interface SimNodeState {
  loaded: LoadedModels;
  generations: number;
}

export async function readSimState(nodeUrl: string): Promise<SimNodeState> {
  const response = await request(new URL("/_sim/state", nodeUrl), { headersTimeout: 2_000 });
  const body: unknown = await response.body.json();
  if (response.statusCode !== 200 || !isRecord(body) || !Array.isArray(body.loaded)) {
    throw new Error(`GET ${nodeUrl}/_sim/state: HTTP ${response.statusCode}, no "loaded" list`);
  }
  const loaded: LoadedModels = new Map();
  for (const entry of body.loaded) {
    if (isRecord(entry) && typeof entry.name === "string") {
      loaded.set(entry.name, entry.status === "loading" ? "loading" : "ready");
    }
  }
  const counters = isRecord(body.counters) ? body.counters : {};
  const generations = typeof counters.generations === "number" ? counters.generations : 0;
  return { loaded, generations };
}

/** Loads that happened between two observations of one node. */
export function loadsBetween(before: LoadedModels, after: LoadedModels): string[] {
  const started: string[] = [];
  for (const [name, status] of after) {
    const previous = before.get(name);
    if (previous === undefined || (previous === "ready" && status === "loading")) started.push(name);
  }
  return started;
}

export interface NodeLoads {
  loads: number;
  /** Model → loads of it on this node. */
  by_model: Record<string, number>;
}

/** Polls every node's loaded models until stopped, counting loads per node. */
export class LoadCounter {
  readonly loads = new Map<string, NodeLoads>();
  pollErrors = 0;
  #last = new Map<string, LoadedModels>();
  #running = false;
  #loop: Promise<void> | undefined;

  constructor(
    private readonly nodes: ReadonlyMap<string, string>,
    private readonly intervalMs: number,
  ) {
    for (const name of nodes.keys()) this.loads.set(name, { loads: 0, by_model: {} });
  }

  /** Takes the starting state (not counted as loads) and starts polling. */
  async start(): Promise<void> {
    for (const [name, url] of this.nodes) this.#last.set(name, (await readSimState(url)).loaded);
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stops polling after one last poll, so loads begun at the very end are counted too. Idempotent. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    this.#running = false;
    await this.#loop;
    await this.#pollAll();
  }

  get total(): number {
    let sum = 0;
    for (const node of this.loads.values()) sum += node.loads;
    return sum;
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const next = performance.now() + this.intervalMs;
      await this.#pollAll();
      await sleep(Math.max(0, next - performance.now()));
    }
  }

  async #pollAll(): Promise<void> {
    await Promise.all([...this.nodes].map(([name, url]) => this.#poll(name, url)));
  }

  async #poll(name: string, url: string): Promise<void> {
    try {
      const now = (await readSimState(url)).loaded;
      const counts = this.loads.get(name) as NodeLoads;
      for (const model of loadsBetween(this.#last.get(name) ?? new Map(), now)) {
        counts.loads++;
        counts.by_model[model] = (counts.by_model[model] ?? 0) + 1;
      }
      this.#last.set(name, now);
    } catch {
      this.pollErrors++;
    }
  }
}
