import type { NodeConfig } from "../config/schema.js";
import { modelKey } from "../protocol/ollama/model-name.js";
import type { PsModel, TagModel } from "../protocol/ollama/types.js";
import type { NodeBackend } from "./backend/backend.js";

export type NodeHealth = "unknown" | "up" | "down";

/** How the pool learned of the node: listed in config, found by a network scan, or registered by its agent. */
export type NodeSource = "config" | "discovery" | "agent";

/** What a node's agent reports of the machine (absent for nodes without an agent). */
export interface NodeResources {
  /** Sum over the machine's GPUs; absent when it has none the agent can read. */
  vramTotalMb?: number;
  vramFreeMb?: number;
  /** The agent missed its heartbeats: the machine may be gone, so the node takes no new requests. */
  stale: boolean;
  /** When the agent last reported (ms since the epoch). */
  reportedAt: number;
}

/** One Ollama node as the pool sees it: configuration, inventory and live load. */
export class PoolNode {
  readonly name: string;
  readonly url: string;
  readonly tags: readonly string[];
  readonly weight: number;
  /** Requests the node runs at once (its OLLAMA_NUM_PARALLEL). */
  readonly slots: number;
  /** GPU memory as configured (nodes without an agent); an agent's report takes precedence. */
  readonly vramMb: number | undefined;
  readonly source: NodeSource;
  readonly backend: NodeBackend;
  resources: NodeResources | undefined;

  health: NodeHealth = "unknown";
  lastError: string | undefined;
  lastSeenAt: number | undefined;
  version: string | undefined;
  inFlight = 0;
  /** An operator drained it: no new requests until undrained. */
  drained = false;
  /** Requests in flight per model (canonical name): evicting a busy model stalls them. */
  readonly #inFlightByModel = new Map<string, number>();
  /** Installed models by canonical name (`name:tag`). */
  models = new Map<string, TagModel>();
  /** Models resident in memory by canonical name. */
  loaded = new Map<string, PsModel>();

  constructor(
    config: NodeConfig & { name: string; slots: number },
    backend: NodeBackend,
    source: NodeSource = "config",
  ) {
    this.name = config.name;
    this.url = config.url;
    this.tags = config.tags;
    this.weight = config.weight;
    this.slots = config.slots;
    this.vramMb = config.vramMb;
    this.source = source;
    this.backend = backend;
  }

  get healthy(): boolean {
    return this.health === "up";
  }

  hasModel(model: string): boolean {
    return this.models.has(modelKey(model));
  }

  startRequest(modelKey: string): void {
    this.inFlight++;
    this.#inFlightByModel.set(modelKey, (this.#inFlightByModel.get(modelKey) ?? 0) + 1);
  }

  endRequest(modelKey: string): void {
    this.inFlight--;
    const left = (this.#inFlightByModel.get(modelKey) ?? 1) - 1;
    if (left > 0) this.#inFlightByModel.set(modelKey, left);
    else this.#inFlightByModel.delete(modelKey);
  }

  /** Requests in flight for the model (canonical name). */
  inFlightOf(modelKey: string): number {
    return this.#inFlightByModel.get(modelKey) ?? 0;
  }

  /** The model's size in MB as the node lists it; undefined when it does not have it. */
  modelSizeMb(model: string): number | undefined {
    const size = this.models.get(modelKey(model))?.size;
    return size === undefined ? undefined : size / (1024 * 1024);
  }

  isLoaded(model: string): boolean {
    return this.loaded.has(modelKey(model));
  }

  setInventory(models: readonly TagModel[], loaded: readonly PsModel[]): void {
    this.models = new Map(models.map((model) => [modelKey(model.name), model]));
    this.loaded = new Map(loaded.map((model) => [modelKey(model.name), model]));
  }

  /**
   * A finished generation proves the model is resident now; record it at once so the
   * next request prefers this node without waiting for the next inventory refresh.
   */
  noteLoaded(model: string): void {
    const key = modelKey(model);
    if (this.loaded.has(key)) return;
    const installed = this.models.get(key);
    if (installed === undefined) return;
    this.loaded.set(key, {
      name: installed.name,
      model: installed.model,
      size: installed.size,
      digest: installed.digest,
      details: installed.details,
      expires_at: new Date(Date.now() + 5 * 60_000).toISOString(),
      size_vram: installed.size,
    });
  }

  markUp(): void {
    this.health = "up";
    this.lastError = undefined;
    this.lastSeenAt = Date.now();
  }

  markDown(reason: string): void {
    this.health = "down";
    this.lastError = reason;
  }
}
