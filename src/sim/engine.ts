/**
 * The behaviour of one simulated Ollama node, without HTTP: installed models, slots and queue,
 * VRAM with loading and eviction, answer timing, embeddings and pulls. The server (server.ts)
 * is a thin shell that parses requests, calls this, and writes what it yields.
 */

import { raceAbort } from "../async/race-abort.js";
import { displayModelName, isValidModelName } from "../protocol/ollama/model-name.js";
import type { Format, GenerationStats, Options, PullProgress } from "../protocol/ollama/types.js";
import { SimApiError } from "./api-error.js";
import { realClock, type SimClock } from "./clock.js";
import type { SimModelConfig, SimNodeConfig } from "./config.js";
import { embedText, normalize } from "./embeddings.js";
import { FaultInjector } from "./faults.js";
import { planGeneration } from "./generation.js";
import { parseKeepAlive } from "./keep-alive.js";
import { type Latency, latencyOf, toNanos } from "./latency.js";
import { buildModel, ModelInventory, type SimModel } from "./models.js";
import { pullLayers } from "./pull.js";
import { Rng } from "./rng.js";
import { AbortedError, SlotScheduler } from "./scheduler.js";
import { GenerationSession } from "./session.js";
import { countTokens, truncateToTokens } from "./tokens.js";
import { type LoadedModel, VramManager } from "./vram.js";

/** How far in the future Ollama's "forever" expiry lands (time.Now + MaxInt64 ns ≈ 292 years). */
const FOREVER_MS = 292 * 365.25 * 24 * 3600 * 1000;

/** A request that holds a slot and has its model in VRAM. */
export interface Acquisition {
  model: SimModel;
  /** Engine clock (ms) when the request arrived. */
  startedAt: number;
  /** When it held a slot and the model was ready. */
  readyAt: number;
  /** Modelled load time; 0 when the model was already loaded. */
  loadMs: number;
  /** Gives back the slot and the model reference; safe to call more than once. */
  release(): void;
}

export interface GenerateInput {
  model: SimModel;
  /** The conversation as the model sees it (seeds deterministic output). */
  promptText: string;
  promptTokens: number;
  keywords: readonly string[];
  options?: Options | undefined;
  format?: Format | undefined;
  think: boolean;
  toolsForCall?: readonly unknown[] | undefined;
  /** Text the answer must continue (a chat whose last message is the assistant's). */
  prefill?: string | undefined;
  keepAliveMs: number;
  /** Extra wait before the first token (slow_first_token fault). */
  firstTokenDelayMs?: number;
}

export interface EmbedResult {
  embeddings: number[][];
  promptTokens: number;
  stats: Pick<GenerationStats, "total_duration" | "load_duration">;
}

export interface RunningModel {
  name: string;
  model: SimModel;
  loaded: LoadedModel;
  expiresAtWall: number;
}

export interface SimCounters {
  requests: number;
  generations: number;
  embeddings: number;
  /** Requests held open by a hang fault right now. */
  hanging: number;
  /** Streams stopped by a stall fault right now. */
  stalled: number;
  /** Connections reset by reset/down/flap/cut faults so far. */
  resets: number;
}

export interface SimEngineOptions {
  clock?: SimClock;
}

export class SimEngine {
  readonly clock: SimClock;
  readonly latency: Latency;
  readonly inventory: ModelInventory;
  readonly vram: VramManager;
  readonly scheduler: SlotScheduler;
  readonly faults: FaultInjector;
  readonly counters: SimCounters = {
    requests: 0,
    generations: 0,
    embeddings: 0,
    hanging: 0,
    stalled: 0,
    resets: 0,
  };
  readonly defaultKeepAliveMs: number;
  private readonly rng: Rng;
  private readonly catalog: ModelInventory;
  private readonly closing = new AbortController();
  /** Signals link() already tied to `closing`, so hot paths do not wrap them again. */
  private readonly linked = new WeakSet<AbortSignal>();
  private readonly loading = new Map<string, Promise<void>>();
  private vramWaiters: (() => void)[] = [];

  constructor(
    readonly config: SimNodeConfig,
    options: SimEngineOptions = {},
  ) {
    this.clock = options.clock ?? realClock;
    this.latency = latencyOf(config);
    this.rng = new Rng(config.seed);
    this.defaultKeepAliveMs = parseKeepAlive(config.keep_alive, 5 * 60_000);
    const startedWall = this.clock.wallNow();
    // Installed models get distinct, stable modification times so /api/tags has a defined order.
    this.inventory = new ModelInventory(config.models.map((m, i) => buildModel(m, startedWall - i * 60_000)));
    this.catalog = new ModelInventory(config.catalog.map((m) => buildModel(m, startedWall)));
    this.vram = new VramManager(config.vram_mb);
    this.scheduler = new SlotScheduler(config.num_parallel, config.max_queue);
    this.faults = new FaultInjector(config.seed, () => this.clock.now());
    this.faults.replace(config.faults);
    this.preload();
  }

  get name(): string {
    return this.config.name;
  }

  get closed(): boolean {
    return this.closing.signal.aborted;
  }

  /** A signal that fires when either the caller's signal or the node's shutdown fires. */
  link(signal?: AbortSignal): AbortSignal {
    if (!signal || signal === this.closing.signal || this.linked.has(signal))
      return signal ?? this.closing.signal;
    const linked = AbortSignal.any([signal, this.closing.signal]);
    this.linked.add(linked);
    return linked;
  }

  findModel(name: string): SimModel | undefined {
    return this.inventory.get(name);
  }

  /** The request's keep_alive in ms (node default when absent); throws SimApiError 400 on bad input. */
  keepAliveMs(value: string | number | undefined): number {
    try {
      return parseKeepAlive(value, this.defaultKeepAliveMs);
    } catch (error) {
      throw new SimApiError(400, (error as Error).message);
    }
  }

  /** Waits for a slot and for the model to be in VRAM (loading it if needed). */
  async acquire(model: SimModel, keepAliveMs: number, signal?: AbortSignal): Promise<Acquisition> {
    const linked = this.link(signal);
    const startedAt = this.clock.now();
    const lease = await this.scheduler.acquire(linked);
    let loadMs: number;
    try {
      loadMs = await this.ensureLoaded(model, keepAliveMs, linked);
    } catch (error) {
      lease.release();
      throw error;
    }
    let released = false;
    return {
      model,
      startedAt,
      readyAt: this.clock.now(),
      loadMs,
      release: () => {
        if (released) return;
        released = true;
        this.vram.release(model.key, this.clock.now(), keepAliveMs);
        lease.release();
        this.notifyVram();
      },
    };
  }

  /** Starts an answer: queue, load, then a session that yields tokens on schedule. */
  async generate(input: GenerateInput, signal?: AbortSignal): Promise<GenerationSession> {
    // Draw the fallback seed on arrival, so output depends on request order, not on timing.
    const fallbackSeed = this.rng.fork();
    this.counters.generations++;
    const acquisition = await this.acquire(input.model, input.keepAliveMs, signal);
    const plan = planGeneration({
      model: input.model,
      promptText: input.promptText,
      keywords: input.keywords,
      options: input.options,
      format: input.format,
      think: input.think,
      toolsForCall: input.toolsForCall,
      prefill: input.prefill,
      fallbackSeed,
      responseTokens: this.config.response_tokens,
    });
    const contextTokens = Math.min(input.promptTokens, input.options?.num_ctx ?? input.model.contextLength);
    return new GenerationSession(this, acquisition, plan, contextTokens, input.firstTokenDelayMs ?? 0);
  }

  /** Loads a model without generating (empty prompt); resolves once it is in VRAM. */
  async load(model: SimModel, keepAliveMs: number, signal?: AbortSignal): Promise<void> {
    const acquisition = await this.acquire(model, keepAliveMs, signal);
    acquisition.release();
  }

  /** keep_alive 0 with no prompt: unload now, or as soon as running requests finish. */
  unload(model: SimModel): void {
    this.vram.expire(model.key, this.clock.now());
    this.notifyVram();
  }

  async embed(
    model: SimModel,
    texts: readonly string[],
    options: {
      keepAliveMs: number;
      truncate?: boolean | undefined;
      dimensions?: number | undefined;
      numCtx?: number | undefined;
    },
    signal?: AbortSignal,
  ): Promise<EmbedResult> {
    this.counters.embeddings++;
    const contextLength = options.numCtx ?? model.contextLength;
    const inputs = texts.map((text) => {
      if (countTokens(text) <= contextLength) return text;
      if (options.truncate === false)
        throw new SimApiError(400, "the input length exceeds the context length");
      return truncateToTokens(text, contextLength);
    });
    const acquisition = await this.acquire(model, options.keepAliveMs, signal);
    try {
      const promptTokens = inputs.reduce((sum, text) => sum + countTokens(text), 0);
      await this.pauseUntil(
        acquisition.readyAt + this.latency.prefillMs(promptTokens, model.speed),
        this.link(signal),
      );
      const embeddings = inputs.map((text) => {
        const vector = embedText(text, model.embeddingDim);
        const dims = options.dimensions;
        return dims !== undefined && dims < vector.length ? normalize(vector.slice(0, dims)) : vector;
      });
      const loadMs = Math.max(acquisition.readyAt - acquisition.startedAt, acquisition.loadMs);
      const elapsed = this.clock.now() - acquisition.startedAt;
      const prefill = this.latency.prefillMs(promptTokens, model.speed);
      return {
        embeddings,
        promptTokens,
        stats: {
          total_duration: toNanos(Math.max(elapsed, loadMs + prefill)),
          load_duration: toNanos(loadMs),
        },
      };
    } finally {
      acquisition.release();
    }
  }

  /**
   * /api/pull: progress like Ollama's (manifest, one line per layer with digest/total/completed,
   * verify, write, success). Throws SimApiError (in-band after the first line) when the catalog
   * has no such model.
   */
  async *pull(name: string, signal?: AbortSignal): AsyncGenerator<PullProgress> {
    const linked = this.link(signal);
    if (!isValidModelName(name)) throw new SimApiError(400, "invalid model name");
    yield { status: "pulling manifest" };
    const installed = this.inventory.get(name);
    const source = this.catalog.get(name) ?? installed;
    if (!source) throw new SimApiError(500, "pull model manifest: file does not exist");
    const layers = pullLayers(source);
    for (const layer of layers) {
      const status = `pulling ${layer.digest.slice(7, 19)}`;
      if (installed) {
        // Already on disk: every layer is a cache hit.
        yield { status, digest: layer.digest, total: layer.bytes, completed: layer.bytes };
        continue;
      }
      const durationMs = this.config.zero_latency ? 0 : this.latency.pullMs(layer.bytes);
      const ticks = Math.max(1, Math.min(10, Math.ceil(durationMs / 50)));
      const start = this.clock.now();
      yield { status, digest: layer.digest, total: layer.bytes };
      for (let tick = 1; tick <= ticks; tick++) {
        await this.pauseUntil(start + (durationMs * tick) / ticks, linked);
        yield {
          status,
          digest: layer.digest,
          total: layer.bytes,
          completed: Math.round((layer.bytes * tick) / ticks),
        };
      }
    }
    yield { status: "verifying sha256 digest" };
    yield { status: "writing manifest" };
    if (!installed)
      this.inventory.put(buildModel(source.config, this.clock.wallNow(), displayModelName(name)));
    yield { status: "success" };
  }

  /** /api/delete: false when no such model. A loaded model is unloaded once idle. */
  deleteModel(name: string): boolean {
    const model = this.inventory.delete(name);
    if (!model) return false;
    this.unload(model);
    return true;
  }

  /** /api/copy: the new name shares the source's size and digest. */
  copyModel(source: string, destination: string): SimModel | undefined {
    const model = this.inventory.get(source);
    if (!model) return undefined;
    const copy = buildModel(model.config, this.clock.wallNow(), displayModelName(destination));
    this.inventory.put(copy);
    return copy;
  }

  /** Models in VRAM and ready, longest remaining keep-alive first (as /api/ps sorts). */
  running(): RunningModel[] {
    this.sweep();
    const now = this.clock.now();
    const wallNow = this.clock.wallNow();
    return this.vram
      .list()
      .filter((loaded) => loaded.status === "ready")
      .map((loaded) => {
        const model = this.inventory.get(loaded.name) ?? this.catalog.get(loaded.name);
        const remaining = this.vram.expiresAt(loaded, now) - now;
        return {
          name: loaded.name,
          model: model ?? buildModel(placeholderConfig(loaded), wallNow),
          loaded,
          expiresAtWall: wallNow + Math.min(Math.max(0, remaining), FOREVER_MS),
        };
      })
      .sort((a, b) => b.expiresAtWall - a.expiresAtWall);
  }

  /** Waits until engine time `due` (no timer at all in zero-latency mode). */
  async pauseUntil(due: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted || this.closed) throw new AbortedError();
    if (this.config.zero_latency) return;
    const ms = due - this.clock.now();
    if (ms > 0) await this.clock.sleep(ms, this.link(signal));
  }

  /** Stops everything: queued requests fail, sleeping streams wake up aborted. */
  close(): void {
    if (this.closed) return;
    this.closing.abort();
    this.scheduler.rejectAll(new AbortedError("node is shutting down"));
    this.notifyVram();
  }

  /** Unloads idle models whose keep_alive ran out. */
  sweep(): void {
    if (this.vram.sweep(this.clock.now()).length > 0) this.notifyVram();
  }

  private preload(): void {
    const now = this.clock.now();
    for (const model of this.inventory.list()) {
      if (!model.config.loaded) continue;
      const decision = this.vram.decide(model.key, model.sizeMb);
      if (decision.kind !== "load") continue;
      this.vram.startLoad(model.key, model.name, model.sizeMb, now, this.defaultKeepAliveMs, decision.evict);
      this.vram.finishLoad(model.key, now);
      this.vram.release(model.key, now, this.defaultKeepAliveMs);
    }
  }

  private async ensureLoaded(model: SimModel, keepAliveMs: number, signal: AbortSignal): Promise<number> {
    for (;;) {
      if (signal.aborted) throw new AbortedError();
      this.sweep();
      const decision = this.vram.decide(model.key, model.sizeMb);
      if (decision.kind === "ready") {
        this.vram.use(model.key, this.clock.now(), keepAliveMs);
        return 0;
      }
      if (decision.kind === "loading") {
        await raceAbort(this.loading.get(model.key) ?? Promise.resolve(), signal, () => new AbortedError());
        continue;
      }
      if (decision.kind === "blocked") {
        await this.waitForVram(signal);
        continue;
      }
      this.vram.startLoad(model.key, model.name, model.sizeMb, this.clock.now(), keepAliveMs, decision.evict);
      const loadMs = this.latency.loadMs(model.sizeMb);
      let loaded!: () => void;
      this.loading.set(model.key, new Promise<void>((resolve) => (loaded = resolve)));
      try {
        await this.pauseUntil(this.clock.now() + loadMs, signal);
        this.vram.finishLoad(model.key, this.clock.now());
      } catch (error) {
        this.vram.abortLoad(model.key);
        throw error;
      } finally {
        this.loading.delete(model.key);
        loaded();
        this.notifyVram();
      }
      return loadMs;
    }
  }

  private waitForVram(signal: AbortSignal): Promise<void> {
    return raceAbort(
      new Promise<void>((resolve) => this.vramWaiters.push(resolve)),
      signal,
      () => new AbortedError(),
    );
  }

  private notifyVram(): void {
    const waiters = this.vramWaiters;
    this.vramWaiters = [];
    for (const wake of waiters) wake();
  }
}

function placeholderConfig(loaded: LoadedModel): SimModelConfig {
  return {
    name: loaded.name,
    size_mb: loaded.sizeMb,
    quantization_level: "Q4_K_M",
    context_length: 4096,
    speed: 1,
    loaded: false,
  };
}
