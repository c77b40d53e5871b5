/**
 * The node pool: the registry of nodes, their inventories kept fresh in the
 * background, and dispatch of one upstream request to the best node that can take it.
 */
import { EventEmitter } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import type { HydraConfig } from "../config/schema.js";
import { ModelNotFoundError, NoNodeAvailableError, UpstreamError } from "../errors.js";
import { errorMessageOf } from "../protocol/ollama/error-body.js";
import { modelKey } from "../protocol/ollama/model-name.js";
import type { PsModel, TagModel } from "../protocol/ollama/types.js";
import type { NodeBackend, UpstreamRequest, UpstreamResponse } from "./backend/backend.js";
import { OllamaBackend } from "./backend/ollama-backend.js";
import { describeFailure, refreshInventory } from "./inventory.js";
import { type NodeHealth, PoolNode } from "./node.js";
import { backoffDelayMs } from "./retry/backoff.js";
import { classifyError, classifyStatus, type Failure, type FailureKind } from "./retry/classify.js";
import { type RankedNode, rankNodes } from "./router/select.js";

export interface PoolEvents {
  "node-health": [{ node: string; from: NodeHealth; to: NodeHealth; reason: string | undefined }];
  /** An attempt failed before the node answered; the request moves on (or gives up). */
  "attempt-failed": [{ node: string; kind: FailureKind; status: number; message: string }];
  /** A node broke a stream it had started. */
  "stream-broken": [{ node: string; message: string }];
}

export interface DispatchOptions {
  /** Nodes not to use, e.g. the one that just broke a stream. */
  exclude?: ReadonlySet<string>;
  /** When the client's request arrived (Date.now()), for the retry budget. */
  startedAt?: number;
}

export interface Dispatch {
  node: PoolNode;
  response: UpstreamResponse;
  /** Give the node's in-flight slot back. Safe to call more than once. */
  release(): void;
}

export type BackendFactory = (url: string) => NodeBackend;

export interface PoolOptions {
  nodes: HydraConfig["nodes"];
  retry: HydraConfig["retry"];
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
   * Sends `request` to the best node for `model`, and on a failure before the node
   * answered 200 (connection refused or reset, timeout, 5xx, 429/503, a model the
   * node no longer has) tries the next-best node: each node once before any is tried
   * again, a node tried again only after a jittered back-off (and its Retry-After),
   * within `retry.maxAttempts` and `retry.budgetMs`. An answer retrying cannot fix
   * (400, context too long) is thrown at once as an UpstreamError with the node's
   * status and message.
   */
  async dispatch(model: string, request: UpstreamRequest, options: DispatchOptions = {}): Promise<Dispatch> {
    const retry = this.#options.retry;
    const startedAt = options.startedAt ?? Date.now();
    const excluded = options.exclude ?? new Set<string>();
    const tries = new Map<string, number>();
    const failures: string[] = [];
    let last: { node: string; failure: Failure } | undefined;
    for (let attempt = 0; attempt < retry.maxAttempts; attempt++) {
      if (attempt > 0 && Date.now() - startedAt >= retry.budgetMs) break;
      const node = await this.#choose(model, excluded, tries, failures);
      if (node === undefined) break;
      const previousTries = tries.get(node.name) ?? 0;
      tries.set(node.name, previousTries + 1);
      if (previousTries > 0) {
        const delay = backoffDelayMs({
          attempt: previousTries - 1,
          baseMs: retry.baseDelayMs,
          maxMs: retry.maxDelayMs,
          retryAfterMs: last?.failure.retryAfterMs,
        });
        await sleep(Math.min(delay, Math.max(0, retry.budgetMs - (Date.now() - startedAt))), undefined, {
          signal: request.signal,
        });
      }
      const release = this.#takeSlot(node);
      const outcome = await this.#attempt(node, request);
      if ("response" in outcome) return { node, response: outcome.response, release };
      release();
      const { failure } = outcome;
      if (!failure.retryable) {
        if (failure.kind === "aborted") throw outcome.error;
        throw upstreamError(node.name, failure);
      }
      last = { node: node.name, failure };
      failures.push(`${node.name}: ${failure.message}`);
      this.#noteFailure(node, failure);
    }
    if (last !== undefined && failures.length > 0) {
      throw new NoNodeAvailableError(
        `no node could answer for model "${model}" after ${failures.length} attempt(s) (${failures.join("; ")}); retry shortly`,
        { retryAfterSeconds: Math.max(1, Math.ceil((last.failure.retryAfterMs ?? 0) / 1000)) },
      );
    }
    throw new NoNodeAvailableError(`no node can take a request for model "${model}" now; retry shortly`, {
      retryAfterSeconds: 1,
    });
  }

  /** The best node for the next attempt: one not tried yet if any, else the best already tried. */
  async #choose(
    model: string,
    excluded: ReadonlySet<string>,
    tries: ReadonlyMap<string, number>,
    failures: string[],
  ): Promise<PoolNode | undefined> {
    let ranking = this.#ready ? this.#rankNow(model) : [];
    if (ranking.length === 0) {
      try {
        ranking = await this.rank(model);
      } catch (error) {
        // After failed attempts, "every node is down" is what those attempts caused: report them instead.
        if (failures.length > 0 && error instanceof NoNodeAvailableError) return undefined;
        throw error;
      }
    }
    const usable = ranking.filter((candidate) => !excluded.has(candidate.name));
    const choice = usable.find((candidate) => !tries.has(candidate.name)) ?? usable[0];
    return choice === undefined ? undefined : this.node(choice.name);
  }

  #takeSlot(node: PoolNode): () => void {
    node.inFlight++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      node.inFlight--;
    };
  }

  async #attempt(
    node: PoolNode,
    request: UpstreamRequest,
  ): Promise<{ response: UpstreamResponse } | { failure: Failure; error?: unknown }> {
    let response: UpstreamResponse;
    try {
      response = await node.backend.request(request);
    } catch (error) {
      return { failure: classifyError(error, request.signal?.aborted ?? false), error };
    }
    if (response.status === 200) return { response };
    const text = await response.body.text().catch(() => "");
    const message = errorMessageOf(text) ?? `HTTP ${response.status}`;
    return { failure: classifyStatus(response.status, message, response.headers["retry-after"]) };
  }

  /** A node broke a stream after it had started answering: out of rotation until it answers again. */
  noteBrokenStream(node: PoolNode, reason: string): void {
    this.emit("stream-broken", { node: node.name, message: reason });
    this.markDown(node, reason);
  }

  #noteFailure(node: PoolNode, failure: Failure): void {
    this.emit("attempt-failed", {
      node: node.name,
      kind: failure.kind,
      status: failure.status,
      message: failure.message,
    });
    if (failure.kind === "connect") this.markDown(node, failure.message);
    if (failure.kind === "model_not_found") void this.refresh(node);
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

function upstreamError(node: string, failure: Failure): UpstreamError {
  return new UpstreamError(node, failure.status, failure.message, {
    kind: failure.kind,
    ...(failure.retryAfterMs === undefined
      ? {}
      : { retryAfterSeconds: Math.ceil(failure.retryAfterMs / 1000) }),
  });
}
