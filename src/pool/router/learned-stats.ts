/**
 * What the router has learned from the nodes' own answers: per node × model, EWMAs of the
 * prefill rate (prompt tokens/s), the decode rate (output tokens/s) and the model load time;
 * per model, the typical output length and cluster-wide rates. Pure data: the gateway feeds
 * `record` with the timing fields of every final Ollama response, the router reads the
 * getters, and `snapshot`/`load` turn it into plain JSON so that gateways can share it.
 * Several gateways learn together (shared-state/): `onRecord` tells a publisher of each sample
 * this gateway observed, and `recordRemote` folds in one another gateway observed.
 *
 * Per node, it also learns the hardware's rates in model-size units, so that a model never run
 * on a node still gets a fair estimate there: decoding is bound by memory bandwidth (tokens/s ×
 * model MB is about constant for one machine), prefill by compute (likewise, roughly), loading
 * by disk (MB/s). A fast node that served only llama is then known to be fast for mistral too,
 * instead of being assumed as slow as the nodes mistral happened to run on.
 */
import { z } from "zod";

/** The timing fields of a final Ollama response; durations are in nanoseconds. */
export interface ResponseStats {
  prompt_eval_count?: number;
  prompt_eval_duration?: number;
  eval_count?: number;
  eval_duration?: number;
  load_duration?: number;
}

export interface LearnedStatsOptions {
  /** Weight of a new sample in every EWMA (0..1]: 0.2 follows a change within ~10 answers. */
  alpha: number;
  /** Priors, used until a node × model (and the model anywhere) has been seen. */
  prefillTokensPerSec: number;
  decodeTokensPerSec: number;
  /** Load time prior: model size / this disk-to-VRAM rate, plus `loadBaseMs`. */
  loadMbPerSec: number;
  loadBaseMs: number;
  outputTokens: number;
  /**
   * Ollama reports a few milliseconds of load_duration even when the model was already in
   * memory; only a longer one means the model was really (re)loaded.
   */
  realLoadMinMs: number;
  /** Tiny evaluations are dominated by fixed overhead and would understate the rates. */
  minSampleTokens: number;
}

/**
 * Told of each sample `record` folds in: the node, the model, the response's timing fields and
 * the model's size in MB when known.
 */
export type SampleListener = (node: string, model: string, stats: ResponseStats, sizeMb?: number) => void;

export const DEFAULT_LEARNED_STATS_OPTIONS: Readonly<LearnedStatsOptions> = Object.freeze({
  alpha: 0.2,
  prefillTokensPerSec: 500,
  decodeTokensPerSec: 20,
  loadMbPerSec: 1000,
  loadBaseMs: 200,
  outputTokens: 256,
  realLoadMinMs: 200,
  minSampleTokens: 4,
});

/** Learned values of one node × model; a field is absent until a sample arrived. */
export interface PairStats {
  prefillTps?: number;
  decodeTps?: number;
  loadMs?: number;
  samples: number;
}

/** A node's hardware, learned from every model it served (absent until a sample arrived). */
export interface NodeRates {
  /** Output tokens/s × model MB: divide by a model's size for its decode rate here. */
  decodeMbTps?: number;
  /** Prompt tokens/s × model MB. */
  prefillMbTps?: number;
  /** Model MB loaded per second. */
  loadMbPerSec?: number;
  samples: number;
}

/** Learned values of one model across all nodes. */
export interface ModelStats {
  prefillTps?: number;
  decodeTps?: number;
  outputTokens?: number;
  samples: number;
}

const rate = z.number().positive().finite();
const pairSchema = z.object({
  prefillTps: rate.optional(),
  decodeTps: rate.optional(),
  loadMs: rate.optional(),
  samples: z.number().int().nonnegative(),
});
const modelSchema = z.object({
  prefillTps: rate.optional(),
  decodeTps: rate.optional(),
  outputTokens: rate.optional(),
  samples: z.number().int().nonnegative(),
});

const ratesSchema = z.object({
  decodeMbTps: rate.optional(),
  prefillMbTps: rate.optional(),
  loadMbPerSec: rate.optional(),
  samples: z.number().int().nonnegative(),
});

export const learnedStatsSnapshotSchema = z.object({
  version: z.literal(1),
  nodes: z.record(z.string(), z.record(z.string(), pairSchema)),
  models: z.record(z.string(), modelSchema),
  /** Per node; absent in snapshots from before it was learned. */
  hardware: z.record(z.string(), ratesSchema).optional(),
});

export type LearnedStatsSnapshot = z.infer<typeof learnedStatsSnapshotSchema>;

const NS_PER_MS = 1e6;
const NS_PER_S = 1e9;

export class LearnedStats {
  readonly options: Readonly<LearnedStatsOptions>;
  /** Keyed by model, then node: a decision is about one model, so its map is looked up once. */
  #pairs = new Map<string, Map<string, PairStats>>();
  #models = new Map<string, ModelStats>();
  #hardware = new Map<string, NodeRates>();
  readonly #listeners = new Set<SampleListener>();

  constructor(options: Partial<LearnedStatsOptions> = {}) {
    this.options = Object.freeze({ ...DEFAULT_LEARNED_STATS_OPTIONS, ...options });
  }

  /**
   * Folds one final response of `model` on `node` into the averages; bad fields are ignored.
   * Listeners hear of it afterwards, synchronously; they must not throw (this runs as an answer ends).
   */
  record(node: string, model: string, stats: ResponseStats, sizeMb?: number): void {
    this.#fold(node, model, stats, sizeMb);
    for (const listener of this.#listeners) listener(node, model, stats, sizeMb);
  }

  /**
   * Folds in a sample another gateway observed, with the same math as `record`. Listeners are not
   * told: they publish what this gateway observed, and publishing this one back would echo for ever.
   */
  recordRemote(node: string, model: string, stats: ResponseStats, sizeMb?: number): void {
    this.#fold(node, model, stats, sizeMb);
  }

  /** Calls `listener` after each `record` (not `recordRemote`); returns the function that stops it. */
  onRecord(listener: SampleListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #fold(node: string, model: string, stats: ResponseStats, sizeMb: number | undefined): void {
    const pair = this.#pairFor(node, model);
    const global = this.#modelFor(model);
    const hardware = isPositive(sizeMb) ? this.#ratesFor(node) : undefined;
    const size = sizeMb ?? 0;
    const { alpha, minSampleTokens, realLoadMinMs } = this.options;
    const prefill = tokensPerSec(stats.prompt_eval_count, stats.prompt_eval_duration, minSampleTokens);
    if (prefill !== undefined) {
      pair.prefillTps = ewma(pair.prefillTps, prefill, alpha);
      global.prefillTps = ewma(global.prefillTps, prefill, alpha);
      if (hardware) hardware.prefillMbTps = ewma(hardware.prefillMbTps, prefill * size, alpha);
    }
    const decode = tokensPerSec(stats.eval_count, stats.eval_duration, minSampleTokens);
    if (decode !== undefined) {
      pair.decodeTps = ewma(pair.decodeTps, decode, alpha);
      global.decodeTps = ewma(global.decodeTps, decode, alpha);
      if (hardware) hardware.decodeMbTps = ewma(hardware.decodeMbTps, decode * size, alpha);
    }
    if (isPositive(stats.eval_count))
      global.outputTokens = ewma(global.outputTokens, stats.eval_count, alpha);
    const loadMs = isPositive(stats.load_duration) ? stats.load_duration / NS_PER_MS : 0;
    if (loadMs >= realLoadMinMs) {
      pair.loadMs = ewma(pair.loadMs, loadMs, alpha);
      if (hardware) hardware.loadMbPerSec = ewma(hardware.loadMbPerSec, size / (loadMs / 1000), alpha);
    }
    pair.samples += 1;
    global.samples += 1;
    if (hardware) hardware.samples += 1;
  }

  /** The node's learned hardware rates (no priors). */
  rates(node: string): Readonly<NodeRates> | undefined {
    return this.#hardware.get(node);
  }

  /** The raw learned values of a node × model (no priors). */
  pair(node: string, model: string): Readonly<PairStats> | undefined {
    return this.#pairs.get(model)?.get(node);
  }

  /** The raw learned values of every node that served the model, by node name. */
  pairsOf(model: string): ReadonlyMap<string, Readonly<PairStats>> | undefined {
    return this.#pairs.get(model);
  }

  /** The raw learned values of a model across nodes (no priors). */
  model(model: string): Readonly<ModelStats> | undefined {
    return this.#models.get(model);
  }

  /**
   * Prompt tokens/s: learned on this node, else from the node's hardware and the model's size,
   * else the model's cluster-wide rate, else the prior.
   */
  prefillTokensPerSec(node: string, model: string, sizeMb = 0): number {
    return (
      this.pair(node, model)?.prefillTps ??
      perMb(this.#hardware.get(node)?.prefillMbTps, sizeMb) ??
      this.#models.get(model)?.prefillTps ??
      this.options.prefillTokensPerSec
    );
  }

  /** Output tokens/s: like `prefillTokensPerSec`, from the decode rates. */
  decodeTokensPerSec(node: string, model: string, sizeMb = 0): number {
    return (
      this.pair(node, model)?.decodeTps ??
      perMb(this.#hardware.get(node)?.decodeMbTps, sizeMb) ??
      this.#models.get(model)?.decodeTps ??
      this.options.decodeTokensPerSec
    );
  }

  /**
   * Milliseconds to load the model on the node: learned there, else from its size at the disk
   * rate learned on this node (from other models), else at the prior rate. Load time depends on
   * the node's disk, so other nodes' loads are no better guide than the size.
   */
  loadMs(node: string, model: string, sizeMb: number): number {
    return this.pair(node, model)?.loadMs ?? this.priorLoadMs(sizeMb, node);
  }

  priorLoadMs(sizeMb: number, node?: string): number {
    const mbPerSec =
      (node === undefined ? undefined : this.#hardware.get(node)?.loadMbPerSec) ?? this.options.loadMbPerSec;
    return this.options.loadBaseMs + (Math.max(0, sizeMb) / mbPerSec) * 1000;
  }

  /** Output tokens a request to the model usually produces, for requests that set no limit. */
  expectedOutputTokens(model: string): number {
    return this.#models.get(model)?.outputTokens ?? this.options.outputTokens;
  }

  snapshot(): LearnedStatsSnapshot {
    // Grouped by node, the way a reader thinks of it; fromEntries defines own properties,
    // so a model named "__proto__" stays data.
    const nodes = new Map<string, [string, PairStats][]>();
    for (const [model, byNode] of this.#pairs) {
      for (const [node, pair] of byNode) {
        const entries = nodes.get(node) ?? [];
        entries.push([model, { ...pair }]);
        nodes.set(node, entries);
      }
    }
    return {
      version: 1,
      nodes: Object.fromEntries([...nodes].map(([node, entries]) => [node, Object.fromEntries(entries)])),
      models: Object.fromEntries([...this.#models].map(([model, stats]) => [model, { ...stats }])),
      hardware: Object.fromEntries([...this.#hardware].map(([node, rates]) => [node, { ...rates }])),
    };
  }

  /** Replaces everything learned with a snapshot (validated: it may come from another process). */
  load(snapshot: unknown): void {
    learnedStatsSnapshotSchema.parse(snapshot);
    // Zod rebuilds records by assignment, which turns a "__proto__" key into a prototype:
    // read the validated input's own entries instead, parsing each (plain-object) entry.
    const valid = snapshot as LearnedStatsSnapshot;
    const pairs = new Map<string, Map<string, PairStats>>();
    for (const [node, models] of Object.entries(valid.nodes)) {
      for (const [model, pair] of Object.entries(models)) {
        const byNode = pairs.get(model) ?? new Map<string, PairStats>();
        byNode.set(node, pairSchema.parse(pair));
        pairs.set(model, byNode);
      }
    }
    this.#pairs = pairs;
    this.#models = new Map(
      Object.entries(valid.models).map(([model, stats]) => [model, modelSchema.parse(stats)]),
    );
    // An older snapshot without hardware rates leaves what this process learned of them.
    if (valid.hardware !== undefined) {
      this.#hardware = new Map(
        Object.entries(valid.hardware).map(([node, rates]) => [node, ratesSchema.parse(rates)]),
      );
    }
  }

  #pairFor(node: string, model: string): PairStats {
    const byNode = this.#byNode(model);
    let pair = byNode.get(node);
    if (pair === undefined) {
      pair = { samples: 0 };
      byNode.set(node, pair);
    }
    return pair;
  }

  #ratesFor(node: string): NodeRates {
    let rates = this.#hardware.get(node);
    if (rates === undefined) {
      rates = { samples: 0 };
      this.#hardware.set(node, rates);
    }
    return rates;
  }

  #byNode(model: string): Map<string, PairStats> {
    let byNode = this.#pairs.get(model);
    if (byNode === undefined) {
      byNode = new Map();
      this.#pairs.set(model, byNode);
    }
    return byNode;
  }

  #modelFor(model: string): ModelStats {
    let stats = this.#models.get(model);
    if (stats === undefined) {
      stats = { samples: 0 };
      this.#models.set(model, stats);
    }
    return stats;
  }
}

/** A per-MB rate for a model of `sizeMb`; undefined when either is unknown. */
export function perMb(ratePerMb: number | undefined, sizeMb: number): number | undefined {
  return ratePerMb === undefined || !(sizeMb > 0) ? undefined : ratePerMb / sizeMb;
}

function isPositive(value: number | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value) && value > 0;
}

function tokensPerSec(count: number | undefined, durationNs: number | undefined, minTokens: number) {
  if (!isPositive(count) || !isPositive(durationNs) || count < minTokens) return undefined;
  return count / (durationNs / NS_PER_S);
}

/** The first sample starts the average; later ones move it by `alpha` of the difference. */
function ewma(previous: number | undefined, sample: number, alpha: number): number {
  return previous === undefined ? sample : previous + alpha * (sample - previous);
}
