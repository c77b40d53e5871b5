/**
 * The node pool: the registry of nodes, their inventories kept fresh in the
 * background, and dispatch of one upstream request to the best node that can take it.
 */
import { EventEmitter } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import type { HydraConfig, NodeConfig } from "../config/schema.js";
import { ModelNotFoundError, NoNodeAvailableError, UpstreamError } from "../errors.js";
import { errorMessageOf } from "../protocol/ollama/error-body.js";
import { modelKey } from "../protocol/ollama/model-name.js";
import type { PsModel, TagModel } from "../protocol/ollama/types.js";
import { seededRandom } from "../random/seeded-random.js";
import { currentTrace } from "../telemetry/scope.js";
import { traceUpstream, type UpstreamAttempt } from "../telemetry/upstream-span.js";
import { AdmissionController } from "./admission/controller.js";
import type { NodeBackend, UpstreamRequest, UpstreamResponse } from "./backend/backend.js";
import { OllamaBackend } from "./backend/ollama-backend.js";
import { HealthMonitor } from "./health/monitor.js";
import type { Outcome } from "./health/outcome.js";
import { TtftTracker } from "./hedging/ttft.js";
import { refreshInventory } from "./inventory.js";
import { type NodeHealth, type NodeResources, type NodeSource, PoolNode } from "./node.js";
import { backoffDelayMs } from "./retry/backoff.js";
import { classifyError, classifyStatus, type Failure, type FailureKind } from "./retry/classify.js";
import type { LoadedModel, RouterNodeSnapshot } from "./router/cost-model.js";
import type { RequestFeatures } from "./router/features.js";
import { LearnedStats } from "./router/learned-stats.js";
import { type RankedCandidate, type RoutingStrategy, rank as rankBy } from "./router/strategies.js";

export interface PoolEvents {
  "node-health": [{ node: string; from: NodeHealth; to: NodeHealth; reason: string | undefined }];
  /** An attempt failed before the node answered; the request moves on (or gives up). */
  "attempt-failed": [{ node: string; kind: FailureKind; status: number; message: string }];
  /** A node broke a stream it had started. */
  "stream-broken": [{ node: string; message: string }];
  /** A request waited too long for its first byte and was sent to a second node too. */
  hedge: [{ model: string; node: string; outcome: "started" | "hedge_won" | "primary_won" }];
  /** A node joined the pool (discovery, agent registration) or left it. */
  "node-added": [{ node: string; url: string; source: NodeSource }];
  "node-removed": [{ node: string; url: string; reason: string }];
  /** The node's agent stopped reporting (stale) or reported again. */
  "node-stale": [{ node: string; stale: boolean }];
  /** An operator drained the node (no new requests) or put it back. */
  "node-drained": [{ node: string; drained: boolean }];
  /** The cluster's routing strategy was switched at run time. */
  "strategy-changed": [{ from: RoutingStrategy; to: RoutingStrategy }];
}

export interface DispatchOptions {
  /** Nodes not to use, e.g. the one that just broke a stream. */
  exclude?: ReadonlySet<string>;
  /** 1 (lowest) to 10 (highest): who gets a node's free slot first when requests wait. */
  priority?: number;
  /** When the client's request arrived (Date.now()), for the retry budget. */
  startedAt?: number;
  /** Told the node of each attempt, as it starts. */
  onAttempt?: (node: string) => void;
  /** What the router knows of the request, and the strategy to rank with. */
  route?: RouteOptions;
}

export interface RouteOptions {
  features?: RequestFeatures;
  strategy?: RoutingStrategy;
}

export interface Dispatch {
  node: PoolNode;
  response: UpstreamResponse;
  /** The router's ranking for the attempt that answered, best first (for x-hydra-route). */
  ranking: readonly RankedCandidate[];
  /** Give the node's in-flight slot back. Safe to call more than once. */
  release(): void;
  /** The answering attempt's span, when the request is traced (a broken stream is told to it); release ends it. */
  upstream?: UpstreamAttempt;
}

export type BackendFactory = (url: string) => NodeBackend;

export interface PoolOptions {
  nodes: HydraConfig["nodes"];
  routing: HydraConfig["routing"];
  retry: HydraConfig["retry"];
  health: HydraConfig["health"];
  admission: HydraConfig["admission"];
  upstream: HydraConfig["upstream"];
  inventory: HydraConfig["inventory"];
  backendFactory?: BackendFactory;
}

/** A model's presence across the cluster: the tag entry plus the nodes holding it. */
export type ClusterModel<T> = T & { nodes: string[] };

const MB = 1024 * 1024;
const NO_KEYS: ReadonlySet<string> = new Set();
const MAX_SESSIONS_PER_NODE = 512;
/** Intelligent routing considers nodes whose estimate is within this of the best one's. */
const CLOSE_ENOUGH = 1.5;
const CLOSE_ENOUGH_MS = 250;

/** Requests for an unknown model re-read inventories at most this often. */
const MISS_REFRESH_INTERVAL_MS = 1_000;

export class NodePool extends EventEmitter<PoolEvents> {
  #nodes: PoolNode[] = [];
  /** Circuit breakers, outlier ejection and active checks: which nodes may take traffic. */
  readonly health: HealthMonitor;
  /** Per-node slots and the priority queue for requests that wait for one. */
  readonly admission: AdmissionController;
  /** Recent times to first token per node and model (for hedging). */
  readonly ttft = new TtftTracker();
  /** Speeds and load times learned from every answer, per node and model (for routing). */
  readonly stats = new LearnedStats();
  readonly #random: () => number;
  /** Per node, the session keys whose last request it served (their prompt prefix is cached there). */
  readonly #affinity = new Map<string, Set<string>>();
  /** Per node, when each model last served a request (epoch ms). */
  readonly #lastUsed = new Map<string, Map<string, number>>();
  readonly #options: PoolOptions;
  readonly #backendFactory: BackendFactory;
  #timer: NodeJS.Timeout | undefined;
  #initialRefresh: Promise<void> | undefined;
  #ready = false;
  #rotation = 0;
  #lastMissRefresh = 0;

  constructor(options: PoolOptions) {
    super();
    this.#options = options;
    this.#backendFactory =
      options.backendFactory ?? ((url: string) => new OllamaBackend(url, options.upstream));
    this.#random = seededRandom(options.routing.seed);
    this.health = new HealthMonitor({ nodes: [], config: options.health });
    this.admission = new AdmissionController({ config: options.admission });
    for (const config of options.nodes) this.addNode(config, "config");
    this.health.on("change", (change) => {
      const node = this.node(change.node);
      if (node === undefined) return;
      this.#syncSlots(node);
      // A node back in rotation may have restarted with other models: read its inventory at once.
      if (change.to === "closed") void this.refresh(node);
    });
  }

  /** Every node in the pool, in the order they joined. */
  get nodes(): readonly PoolNode[] {
    return this.#nodes;
  }

  /**
   * Adds a node while the gateway runs (a network scan found it, or its agent registered).
   * A node with the same URL is not added twice: the one already there is returned. A started
   * pool reads the new node's inventory at once, so it takes traffic within one round trip.
   */
  addNode(config: NodeConfig, source: NodeSource): PoolNode {
    const existing = this.#nodes.find((node) => node.url === config.url);
    if (existing !== undefined) return existing;
    const name = this.#uniqueName(config.name ?? config.url);
    const slots = config.slots ?? this.#options.admission.defaultSlots;
    const node = new PoolNode({ ...config, name, slots }, this.#backendFactory(config.url), source);
    this.#nodes = [...this.#nodes, node];
    this.health.addNode({ name, url: config.url });
    this.admission.setSlots(name, slots);
    this.emit("node-added", { node: name, url: node.url, source });
    if (this.#timer !== undefined) void this.refresh(node);
    return node;
  }

  /**
   * Takes a node out of the pool (its agent deregistered or was forgotten). Requests waiting
   * for one of its slots go elsewhere; requests running on it finish before its connections close.
   */
  removeNode(name: string, reason: string): boolean {
    const node = this.node(name);
    if (node === undefined) return false;
    this.#nodes = this.#nodes.filter((other) => other !== node);
    this.health.removeNode(name);
    this.admission.removeNode(name);
    this.#affinity.delete(name);
    this.#lastUsed.delete(name);
    this.emit("node-removed", { node: name, url: node.url, reason });
    void node.backend.close();
    return true;
  }

  /** Records what the node's agent reported; a stale node stops taking new requests until it reports again. */
  setResources(name: string, resources: NodeResources | undefined): void {
    const node = this.node(name);
    if (node === undefined) return;
    const wasStale = node.resources?.stale === true;
    node.resources = resources;
    this.#syncSlots(node);
    const stale = resources?.stale === true;
    if (stale !== wasStale) this.emit("node-stale", { node: name, stale });
  }

  /**
   * The slots waiting requests may take on the node: none while it is ejected or probing (the
   * health checker sends the probe), or while its agent is stale; otherwise all of them.
   */
  #syncSlots(node: PoolNode): void {
    const phase = this.health.state(node.name)?.breaker ?? "closed";
    const out = phase !== "closed" || node.resources?.stale === true || node.drained;
    this.admission.setSlots(node.name, out ? 0 : node.slots);
  }

  /**
   * Drains a node (true): it takes no new requests, and those running on it finish. False puts it
   * back. Returns false when there is no such node.
   */
  setDrained(name: string, drained: boolean): boolean {
    const node = this.node(name);
    if (node === undefined) return false;
    if (node.drained === drained) return true;
    node.drained = drained;
    this.#syncSlots(node);
    this.emit("node-drained", { node: name, drained });
    return true;
  }

  /** The strategy requests use unless they ask for another (x-hydra-strategy). */
  get strategy(): RoutingStrategy {
    return this.#options.routing.strategy;
  }

  set strategy(strategy: RoutingStrategy) {
    const from = this.#options.routing.strategy;
    if (from === strategy) return;
    this.#options.routing = { ...this.#options.routing, strategy };
    this.emit("strategy-changed", { from, to: strategy });
  }

  /** Two nodes may not share a name: a later one gets a numbered suffix. */
  #uniqueName(wanted: string): string {
    let name = wanted;
    for (let n = 2; this.node(name) !== undefined; n++) name = `${wanted}-${n}`;
    return name;
  }

  /** May the node take a request now: its inventory is known and its breaker lets traffic through. */
  usable(node: PoolNode): boolean {
    return (
      node.lastSeenAt !== undefined &&
      node.resources?.stale !== true &&
      !node.drained &&
      this.health.isAvailable(node.name)
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
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => void this.refreshAll(), interval);
      this.#timer.unref();
      this.health.start();
    }
    return this.#initialRefresh;
  }

  /** Resolves once every node's inventory has been read at least once (or failed to be). */
  whenReady(): Promise<void> {
    return this.#initialRefresh ?? this.start();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.admission.close();
    await this.health.stop();
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

  /** Nodes that can serve `model`, best first. Throws when none can. */
  async rank(model: string, route: RouteOptions = {}): Promise<RankedCandidate[]> {
    if (!this.#ready) await this.whenReady();
    let ranking = this.#rankNow(model, route);
    if (ranking.length === 0 && !this.nodes.some((node) => node.hasModel(model))) {
      // The model may have been pulled onto a node behind our back: look again, rarely.
      if (Date.now() - this.#lastMissRefresh >= MISS_REFRESH_INTERVAL_MS) {
        this.#lastMissRefresh = Date.now();
        await this.refreshAll();
        ranking = this.#rankNow(model, route);
      }
    }
    if (ranking.length > 0) return ranking;
    if (!this.nodes.some((node) => node.hasModel(model))) throw new ModelNotFoundError(model);
    const holders = this.nodes.filter((node) => node.hasModel(model));
    throw new NoNodeAvailableError(
      `every node with model "${model}" is out of rotation (${holders.map((n) => `${n.name}: ${this.health.state(n.name)?.lastError ?? n.lastError ?? n.health}`).join("; ")}); retry shortly or check the nodes with 'hydra nodes'`,
      { retryAfterSeconds: 1 },
    );
  }

  #rankNow(model: string, route: RouteOptions): RankedCandidate[] {
    const features = route.features ?? {
      model,
      taskType: "chat",
      promptTokens: 0,
      messageCount: 0,
      priority: 5,
    };
    const strategy = route.strategy ?? this.strategy;
    return rankBy(strategy, this.#snapshots(model), features, this.stats, this.#rotation++, this.#random);
  }

  /** What the router sees of every node for a request for `model`. */
  #snapshots(model: string): RouterNodeSnapshot[] {
    const key = modelKey(model);
    const now = Date.now();
    return this.#nodes.map((node) => {
      const lastUsed = this.#lastUsed.get(node.name);
      const loadedModels: LoadedModel[] = [];
      for (const [loadedKey, loaded] of node.loaded) {
        const usedAt = lastUsed?.get(loadedKey);
        loadedModels.push({
          name: loaded.name,
          sizeMb: (loaded.size_vram || loaded.size) / MB,
          lastUsedMs: usedAt === undefined ? Number.MAX_SAFE_INTEGER : now - usedAt,
          inFlight: node.inFlightOf(loadedKey),
        });
      }
      return {
        name: node.name,
        available: this.usable(node),
        hasModel: node.models.has(key),
        modelLoaded: node.loaded.has(key),
        inFlight: node.inFlight,
        slots: node.slots,
        queued: 0,
        loadedModels,
        ...vramOf(node, loadedModels),
        modelSizeMb: (node.models.get(key)?.size ?? 0) / MB,
        tags: node.tags,
        weight: node.weight,
        penalty: this.health.penalty(node.name),
        affinityKeys: this.#affinity.get(node.name) ?? NO_KEYS,
      };
    });
  }

  /** The request is answered by `node`: remember its model use and the session it now caches. */
  #noteServed(node: PoolNode, model: string, features: RequestFeatures | undefined): void {
    const used = this.#lastUsed.get(node.name) ?? new Map<string, number>();
    used.set(modelKey(model), Date.now());
    this.#lastUsed.set(node.name, used);
    const session = features?.sessionKey;
    if (session === undefined) return;
    for (const keys of this.#affinity.values()) keys.delete(session);
    const keys = this.#affinity.get(node.name) ?? new Set<string>();
    keys.add(session);
    // Bounded: the oldest sessions are forgotten first (Sets keep insertion order).
    if (keys.size > MAX_SESSIONS_PER_NODE) keys.delete(keys.values().next().value as string);
    this.#affinity.set(node.name, keys);
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
    const skipped = new Set<string>(options.exclude);
    const excluded: ReadonlySet<string> = skipped;
    const tries = new Map<string, number>();
    const failures: string[] = [];
    let last: { node: string; failure: Failure } | undefined;
    // Undefined, and nothing more done per attempt, when the request is not traced.
    const traced = currentTrace();
    for (let attempt = 0; attempt < retry.maxAttempts; attempt++) {
      if (attempt > 0 && Date.now() - startedAt >= retry.budgetMs) break;
      const route = options.route ?? {};
      const { nodes: candidates, ranking } = await this.#candidates(model, excluded, tries, failures, route);
      if (candidates.length === 0) break;
      const slot = await this.admission.admit({
        candidates: candidates.map((node) => node.name),
        priority: options.priority ?? this.#options.admission.defaultPriority,
        deadline: startedAt + this.#options.admission.maxWaitMs,
        ...(request.signal ? { signal: request.signal } : {}),
      });
      const node = this.node(slot.node) as PoolNode;
      const previousTries = tries.get(node.name) ?? 0;
      tries.set(node.name, previousTries + 1);
      if (previousTries > 0) {
        const delay = backoffDelayMs({
          attempt: previousTries - 1,
          baseMs: retry.baseDelayMs,
          maxMs: retry.maxDelayMs,
          retryAfterMs: last?.failure.retryAfterMs,
        });
        const budgetLeft = Math.max(0, retry.budgetMs - (Date.now() - startedAt));
        await sleep(Math.min(delay, budgetLeft), undefined, { signal: request.signal }).catch(
          (error: unknown) => {
            slot.release();
            throw error;
          },
        );
      }
      if (!this.health.tryAcquireProbe(node.name)) {
        // The node was ejected while this request waited for its slot: leave it out and choose again.
        slot.release();
        skipped.add(node.name);
        continue;
      }
      const release = this.#takeSlot(node, model, slot.release);
      options.onAttempt?.(node.name);
      const upstream = traced === undefined ? undefined : traceUpstream(traced, node, request, attempt + 1);
      const outcome = await this.#attempt(node, upstream?.request ?? request);
      if ("response" in outcome) {
        this.health.report(node.name, "success");
        this.#noteServed(node, model, route.features);
        if (upstream === undefined) return { node, response: outcome.response, release, ranking };
        upstream.answered(outcome.response.status);
        const releaseAndEnd = () => {
          release();
          upstream.end();
        };
        return { node, response: outcome.response, release: releaseAndEnd, ranking, upstream };
      }
      release();
      const { failure } = outcome;
      if (upstream !== undefined) {
        upstream.failed(failure.kind, failure.status, failure.message);
        upstream.end();
      }
      if (failure.kind === "aborted") {
        this.health.releaseProbe(node.name);
        throw outcome.error;
      }
      this.health.report(node.name, healthOutcome(failure));
      if (!failure.retryable) throw upstreamError(node.name, failure);
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

  /**
   * Like `dispatch`, but when the node it went to has not answered after
   * `delayFor(node)` ms, the same request also goes to the next-best node; the first
   * to answer is kept and the other is cancelled (request hedging).
   */
  dispatchHedged(
    model: string,
    request: UpstreamRequest,
    options: DispatchOptions,
    delayFor: (node: string) => number,
  ): Promise<Dispatch> {
    const legs = [new AbortController(), new AbortController()];
    const signalOf = (leg: AbortController) =>
      request.signal ? AbortSignal.any([request.signal, leg.signal]) : leg.signal;
    return new Promise<Dispatch>((resolve, reject) => {
      let settled = false;
      let started = 1;
      let failed = 0;
      let primaryNode: string | undefined;
      let timer: NodeJS.Timeout | undefined;
      const finish = (
        dispatch: Dispatch,
        loser: AbortController,
        outcome: "hedge_won" | "primary_won" | undefined,
      ) => {
        if (settled) {
          // Both answered at once: this one is not needed.
          dispatch.release();
          (dispatch.response.body as unknown as { destroy(): void }).destroy();
          return;
        }
        settled = true;
        clearTimeout(timer);
        loser.abort();
        if (outcome !== undefined) this.emit("hedge", { model, node: primaryNode ?? "", outcome });
        resolve(dispatch);
      };
      const fail = (error: unknown) => {
        failed++;
        if (settled || failed < started) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      };
      const hedge = () => {
        if (settled || started > 1) return;
        started = 2;
        this.emit("hedge", { model, node: primaryNode ?? "", outcome: "started" });
        const exclude = new Set([...(options.exclude ?? []), ...(primaryNode ? [primaryNode] : [])]);
        this.dispatch(
          model,
          { ...request, signal: signalOf(legs[1] as AbortController) },
          { ...options, exclude },
        ).then((dispatch) => finish(dispatch, legs[0] as AbortController, "hedge_won"), fail);
      };
      const onAttempt = (node: string) => {
        primaryNode = node;
        clearTimeout(timer);
        timer = setTimeout(hedge, delayFor(node));
        timer.unref();
      };
      this.dispatch(
        model,
        { ...request, signal: signalOf(legs[0] as AbortController) },
        { ...options, onAttempt },
      ).then(
        (dispatch) => finish(dispatch, legs[1] as AbortController, started > 1 ? "primary_won" : undefined),
        fail,
      );
    });
  }

  /** Nodes for the next attempt, best first: those not tried yet, then those already tried. */
  async #candidates(
    model: string,
    excluded: ReadonlySet<string>,
    tries: ReadonlyMap<string, number>,
    failures: string[],
    route: RouteOptions,
  ): Promise<{ nodes: PoolNode[]; ranking: RankedCandidate[] }> {
    let ranking = this.#ready ? this.#rankNow(model, route) : [];
    if (ranking.length === 0) {
      try {
        ranking = await this.rank(model, route);
      } catch (error) {
        // After failed attempts, "every node is out" is what those attempts caused: report them instead.
        if (failures.length > 0 && error instanceof NoNodeAvailableError) return { nodes: [], ranking: [] };
        throw error;
      }
    }
    let usable = ranking.filter((candidate) => !excluded.has(candidate.name));
    if (tries.size === 0 && (route.strategy ?? this.strategy) === "intelligent") {
      // The estimates already include the wait for a slot: a node far slower than the best is
      // no alternative, so the request waits for a slot on the close ones rather than taking it.
      const best = usable[0]?.estimatedMs ?? 0;
      usable = usable.filter((candidate) => candidate.estimatedMs <= best * CLOSE_ENOUGH + CLOSE_ENOUGH_MS);
    }
    const ordered = [
      ...usable.filter((candidate) => !tries.has(candidate.name)),
      ...usable.filter((candidate) => tries.has(candidate.name)),
    ];
    const nodes = ordered
      .map((candidate) => this.node(candidate.name))
      .filter((node): node is PoolNode => node !== undefined);
    return { nodes, ranking };
  }

  #takeSlot(node: PoolNode, model: string, releaseSlot: () => void): () => void {
    const key = modelKey(model);
    node.startRequest(key);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      node.endRequest(key);
      releaseSlot();
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

  /** A node broke a stream it had started answering: its breaker hears of it. */
  noteBrokenStream(node: PoolNode, reason: string): void {
    this.emit("stream-broken", { node: node.name, message: reason });
    this.health.report(node.name, { kind: "stall", error: reason });
  }

  #noteFailure(node: PoolNode, failure: Failure): void {
    this.emit("attempt-failed", {
      node: node.name,
      kind: failure.kind,
      status: failure.status,
      message: failure.message,
    });
    if (failure.kind === "model_not_found") void this.refresh(node);
  }

  /** Sends a request to one named node, bypassing ranking (admin operations: pull, delete). */
  async send(node: PoolNode, request: UpstreamRequest): Promise<UpstreamResponse> {
    const traced = currentTrace();
    const upstream = traced === undefined ? undefined : traceUpstream(traced, node, request, 1);
    try {
      const response = await node.backend.request(upstream?.request ?? request);
      upstream?.answered(response.status);
      return response;
    } catch (error) {
      upstream?.failed("connect", 0, (error as Error).message);
      if (!request.signal?.aborted)
        this.health.report(node.name, { kind: "connect", error: (error as Error).message });
      throw error;
    } finally {
      upstream?.end();
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

/**
 * Free and total VRAM: as the node's agent last reported them, else from the configured
 * `vramMb` less what the loaded models take, else unknown.
 */
function vramOf(
  node: PoolNode,
  loadedModels: readonly LoadedModel[],
): { vramTotalMb?: number; vramFreeMb?: number } {
  const { resources } = node;
  if (resources !== undefined && !resources.stale && resources.vramFreeMb !== undefined) {
    return {
      ...(resources.vramTotalMb === undefined ? {} : { vramTotalMb: resources.vramTotalMb }),
      vramFreeMb: resources.vramFreeMb,
    };
  }
  if (node.vramMb === undefined) return {};
  let usedMb = 0;
  for (const model of loadedModels) usedMb += model.sizeMb;
  return { vramTotalMb: node.vramMb, vramFreeMb: Math.max(0, node.vramMb - usedMb) };
}

function upstreamError(node: string, failure: Failure): UpstreamError {
  return new UpstreamError(node, failure.status, failure.message, {
    kind: failure.kind,
    ...(failure.retryAfterMs === undefined
      ? {}
      : { retryAfterSeconds: Math.ceil(failure.retryAfterMs / 1000) }),
  });
}

/** What a failed attempt says about the node's health (a request the node rightly refused says it is fine). */
function healthOutcome(failure: Failure): Outcome {
  const retryAfterS = failure.retryAfterMs === undefined ? undefined : failure.retryAfterMs / 1000;
  switch (failure.kind) {
    case "connect":
      return { kind: "connect", error: failure.message };
    case "timeout":
      return { kind: "timeout", error: failure.message };
    case "server":
      return { kind: "http5xx", error: failure.message };
    case "overloaded":
      return {
        kind: failure.status === 429 ? "http429" : "http503",
        error: failure.message,
        ...(retryAfterS === undefined ? {} : { retryAfterS }),
      };
    default:
      return { kind: "success" };
  }
}
