/**
 * The node pool: the registry of nodes, their inventories kept fresh in the
 * background, and dispatch of one upstream request to the best node that can take it.
 */
import { EventEmitter } from "node:events";
import type { HydraConfig } from "../config/schema.js";
import { ModelNotFoundError, NoNodeAvailableError } from "../errors.js";
import { modelKey } from "../protocol/ollama/model-name.js";
import type { PsModel, TagModel } from "../protocol/ollama/types.js";
import type { NodeBackend, UpstreamRequest, UpstreamResponse } from "./backend/backend.js";
import { OllamaBackend } from "./backend/ollama-backend.js";
import { describeFailure, refreshInventory } from "./inventory.js";
import { type NodeHealth, PoolNode } from "./node.js";
import { type RankedNode, rankNodes } from "./router/select.js";

export interface PoolEvents {
  "node-health": [{ node: string; from: NodeHealth; to: NodeHealth; reason: string | undefined }];
}

export interface Dispatch {
  node: PoolNode;
  response: UpstreamResponse;
  /** The ranking the choice came from, best first. */
  ranking: RankedNode[];
  /** Give the node's in-flight slot back. Safe to call more than once. */
  release(): void;
}

export type BackendFactory = (url: string) => NodeBackend;

export interface PoolOptions {
  nodes: HydraConfig["nodes"];
  upstream: HydraConfig["upstream"];
  inventory: HydraConfig["inventory"];
  backendFactory?: BackendFactory;
}

/** A model's presence across the cluster: the tag entry plus the nodes holding it. */
export type ClusterModel<T> = T & { nodes: string[] };

/** Requests for an unknown model re-read inventories at most this often. */
const MISS_REFRESH_INTERVAL_MS = 1_000;

export class NodePool extends EventEmitter<PoolEvents> {
  readonly nodes: readonly PoolNode[];
  readonly #options: PoolOptions;
  #timer: NodeJS.Timeout | undefined;
  #initialRefresh: Promise<void> | undefined;
  #ready = false;
  #rotation = 0;
  #lastMissRefresh = 0;

  constructor(options: PoolOptions) {
    super();
    this.#options = options;
    const factory = options.backendFactory ?? ((url: string) => new OllamaBackend(url, options.upstream));
    this.nodes = options.nodes.map(
      (config) => new PoolNode({ ...config, name: config.name ?? config.url }, factory(config.url)),
    );
  }

  /**
   * Starts reading every inventory and keeps them fresh on an interval. Requests that
   * arrive before the first reading is in wait for it, so the gateway can listen at once.
   */
  start(): Promise<void> {
    this.#initialRefresh ??= this.refreshAll().then(() => {
      this.#ready = true;
    });
    const interval = this.#options.inventory.refreshIntervalMs;
    this.#timer ??= setInterval(() => void this.refreshAll(), interval);
    this.#timer.unref();
    return this.#initialRefresh;
  }

  /** Resolves once every node's inventory has been read at least once (or failed to be). */
  whenReady(): Promise<void> {
    return this.#initialRefresh ?? this.start();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await Promise.all(this.nodes.map((node) => node.backend.close()));
  }

  node(name: string): PoolNode | undefined {
    return this.nodes.find((node) => node.name === name);
  }

  async refreshAll(): Promise<void> {
    await Promise.all(this.nodes.map((node) => this.refresh(node)));
  }

  async refresh(node: PoolNode): Promise<void> {
    const before = node.health;
    await refreshInventory(node, this.#options.inventory.timeoutMs);
    this.#noteHealth(node, before);
  }

  /** Marks a node down after a failed request; the next inventory refresh can bring it back. */
  markDown(node: PoolNode, reason: string): void {
    const before = node.health;
    node.markDown(reason);
    this.#noteHealth(node, before);
  }

  /** Nodes that can serve `model`, best first. Throws when none can. */
  async rank(model: string): Promise<RankedNode[]> {
    if (!this.#ready) await this.whenReady();
    let ranking = this.#rankNow(model);
    if (ranking.length === 0 && !this.nodes.some((node) => node.hasModel(model))) {
      // The model may have been pulled onto a node behind our back: look again, rarely.
      if (Date.now() - this.#lastMissRefresh >= MISS_REFRESH_INTERVAL_MS) {
        this.#lastMissRefresh = Date.now();
        await this.refreshAll();
        ranking = this.#rankNow(model);
      }
    }
    if (ranking.length > 0) return ranking;
    if (!this.nodes.some((node) => node.hasModel(model))) throw new ModelNotFoundError(model);
    const holders = this.nodes.filter((node) => node.hasModel(model));
    throw new NoNodeAvailableError(
      `every node with model "${model}" is down (${holders.map((n) => `${n.name}: ${n.lastError ?? n.health}`).join("; ")}); retry shortly or check the nodes with 'hydra nodes'`,
      { retryAfterSeconds: 1 },
    );
  }

  #rankNow(model: string): RankedNode[] {
    const snapshots = this.nodes.map((node) => ({
      name: node.name,
      healthy: node.healthy,
      hasModel: node.hasModel(model),
      modelLoaded: node.isLoaded(model),
      inFlight: node.inFlight,
      weight: node.weight,
    }));
    return rankNodes(snapshots, this.#rotation++);
  }

  /**
   * Sends `request` to the best node for `model`. A node that cannot be reached
   * before it answers is marked down and the next one is tried; once a node has
   * answered, its response (success or error status) is the caller's.
   */
  async dispatch(model: string, request: UpstreamRequest): Promise<Dispatch> {
    // Rank and take the slot in one synchronous step, so concurrent requests see each other's load.
    let ranking = this.#ready ? this.#rankNow(model) : [];
    if (ranking.length === 0) ranking = await this.rank(model);
    const failures: string[] = [];
    for (const candidate of ranking) {
      const node = this.node(candidate.name);
      if (node === undefined || !node.healthy) continue;
      node.inFlight++;
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        node.inFlight--;
      };
      try {
        const response = await node.backend.request(request);
        return { node, response, ranking, release };
      } catch (error) {
        release();
        if (request.signal?.aborted) throw error;
        const reason = describeFailure(error);
        failures.push(`${node.name}: ${reason}`);
        this.markDown(node, reason);
      }
    }
    throw new NoNodeAvailableError(
      `no node could take the request for model "${model}" (${failures.join("; ") || "all nodes went down"}); retry shortly`,
      { retryAfterSeconds: 1 },
    );
  }

  /** Sends a request to one named node, bypassing ranking (admin operations: pull, delete). */
  async send(node: PoolNode, request: UpstreamRequest): Promise<UpstreamResponse> {
    try {
      return await node.backend.request(request);
    } catch (error) {
      if (!request.signal?.aborted) this.markDown(node, describeFailure(error));
      throw error;
    }
  }

  /** Every installed model once, with the healthy nodes that have it. */
  installedModels(): ClusterModel<TagModel>[] {
    return unionBy(this.nodes, (node) => node.models.values());
  }

  /** Every loaded model once, with the healthy nodes holding it in memory. */
  loadedModels(): ClusterModel<PsModel>[] {
    return unionBy(this.nodes, (node) => node.loaded.values());
  }

  #noteHealth(node: PoolNode, before: NodeHealth): void {
    if (before !== node.health)
      this.emit("node-health", { node: node.name, from: before, to: node.health, reason: node.lastError });
  }
}

function unionBy<T extends { name: string }>(
  nodes: readonly PoolNode[],
  entriesOf: (node: PoolNode) => Iterable<T>,
): ClusterModel<T>[] {
  const byName = new Map<string, ClusterModel<T>>();
  for (const node of nodes) {
    if (!node.healthy) continue;
    for (const entry of entriesOf(node)) {
      const key = modelKey(entry.name);
      const existing = byName.get(key);
      if (existing) existing.nodes.push(node.name);
      else byName.set(key, { ...entry, nodes: [node.name] });
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}
