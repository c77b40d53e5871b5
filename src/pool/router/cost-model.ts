/**
 * The router's cost model: how long a request would take to complete on a node, from a
 * snapshot of the node and what has been learned about it, broken down into the parts a
 * human can check. Pure and allocation-light: `prepareRequest` computes the per-request
 * values once, `estimateCost` runs once per candidate node on the hot path.
 *
 *   estimated = wait + load + prefill + decode + penalty − bonus        (milliseconds)
 */
import type { RequestFeatures, TaskType } from "./features.js";
import { type LearnedStats, type PairStats, perMb } from "./learned-stats.js";

export interface LoadedModel {
  name: string;
  sizeMb: number;
  /**
   * Milliseconds since the model last served a request, as of the snapshot: an age rather
   * than a timestamp, so that the router needs no clock and stays deterministic.
   */
  lastUsedMs: number;
  inFlight: number;
}

export interface RouterNodeSnapshot {
  name: string;
  available: boolean;
  hasModel: boolean;
  /** The requested model is in the node's memory now. */
  modelLoaded: boolean;
  inFlight: number;
  /** Requests the node runs at once (Ollama's num_parallel). */
  slots: number;
  /** Requests waiting for one of this node's slots. */
  queued: number;
  loadedModels: readonly LoadedModel[];
  vramTotalMb?: number;
  vramFreeMb?: number;
  /** Size of the requested model in memory. */
  modelSizeMb: number;
  tags: readonly string[];
  weight: number;
  /** 0 (none) to 1: recent errors and overload answers (health monitor). */
  penalty: number;
  /** Session keys whose last request this node served: their prompt prefix is cached there. */
  affinityKeys: ReadonlySet<string> | readonly string[];
}

export interface CostBreakdown {
  waitMs: number;
  loadMs: number;
  prefillMs: number;
  decodeMs: number;
  penaltyMs: number;
  bonusMs: number;
}

export interface CostWeights {
  /**
   * Running requests share the node's compute, so each occupied slot slows a new request
   * even before the node is full: this share of the service time per fully occupied node.
   */
  sharingFactor: number;
  /** A node with penalty 1 costs this much more, on top of doubling its estimate. */
  errorPenaltyMs: number;
  /** Evicting a model with requests in flight stalls them (and this load waits for them). */
  busyEvictionMs: number;
  /** A model used within this many milliseconds is likely needed again: evicting it costs its reload. */
  recentUseMs: number;
  /** The model cannot fit in the node's VRAM even after evictions: it would spill to CPU or fail. */
  noFitMs: number;
  /** Share of the prefill time saved when the node holds the session's prompt prefix. */
  affinityPrefillShare: number;
  /** Share of the service time credited per node tag that matches the request's task. */
  tagBonusShare: number;
}

export const DEFAULT_COST_WEIGHTS: Readonly<CostWeights> = Object.freeze({
  sharingFactor: 0.5,
  errorPenaltyMs: 5_000,
  busyEvictionMs: 30_000,
  recentUseMs: 5 * 60_000,
  noFitMs: 120_000,
  affinityPrefillShare: 0.9,
  tagBonusShare: 0.15,
});

/** Node tags that suit each task type: its own name first, then hardware that helps it. */
export const TASK_TAGS: Readonly<Record<TaskType, readonly string[]>> = Object.freeze({
  embedding: ["embedding", "embed"],
  code: ["code", "gpu"],
  extraction: ["extraction", "json"],
  reasoning: ["reasoning", "gpu"],
  summarization: ["summarization"],
  classification: ["classification"],
  analysis: ["analysis", "gpu"],
  chat: ["chat"],
});

/** The per-request values of the cost model, computed once per decision. */
export interface PreparedRequest {
  model: string;
  promptTokens: number;
  outputTokens: number;
  sessionKey: string | undefined;
  tags: readonly string[];
  /** What was learned about the model, by node: one map lookup per candidate. */
  learned: ReadonlyMap<string, Readonly<PairStats>> | undefined;
  /** Rates for nodes that have not served the model yet: the model's cluster-wide rate or the prior. */
  prefillPrior: number;
  decodePrior: number;
}

export function prepareRequest(request: RequestFeatures, stats: LearnedStats): PreparedRequest {
  const model = stats.model(request.model);
  return {
    model: request.model,
    promptTokens: Math.max(0, request.promptTokens),
    outputTokens: Math.max(0, request.expectedOutputTokens ?? stats.expectedOutputTokens(request.model)),
    sessionKey: request.sessionKey,
    tags: TASK_TAGS[request.taskType],
    learned: stats.pairsOf(request.model),
    prefillPrior: model?.prefillTps ?? stats.options.prefillTokensPerSec,
    decodePrior: model?.decodeTps ?? stats.options.decodeTokensPerSec,
  };
}

/** Where `writeCost` puts each part: a flat Float64Array keeps the hot path free of objects. */
export const COST_FIELDS = 6;
const WAIT = 0;
const LOAD = 1;
const PREFILL = 2;
const DECODE = 3;
const PENALTY = 4;
const BONUS = 5;

export function estimateCost(
  node: RouterNodeSnapshot,
  request: PreparedRequest,
  stats: LearnedStats,
  weights: Readonly<CostWeights>,
): CostBreakdown {
  const parts = new Float64Array(COST_FIELDS);
  writeCost(node, request, stats, weights, parts, 0);
  return readCost(parts, 0);
}

/** The breakdown stored at `at` by `writeCost`. */
export function readCost(parts: Float64Array, at: number): CostBreakdown {
  return {
    waitMs: parts[at + WAIT] ?? 0,
    loadMs: parts[at + LOAD] ?? 0,
    prefillMs: parts[at + PREFILL] ?? 0,
    decodeMs: parts[at + DECODE] ?? 0,
    penaltyMs: parts[at + PENALTY] ?? 0,
    bonusMs: parts[at + BONUS] ?? 0,
  };
}

/** Writes the breakdown into `parts` from `at` and returns the estimate (lower is better). */
export function writeCost(
  node: RouterNodeSnapshot,
  request: PreparedRequest,
  stats: LearnedStats,
  weights: Readonly<CostWeights>,
  parts: Float64Array,
  at: number,
): number {
  const learned = request.learned?.get(node.name);
  let prefillTps = learned?.prefillTps;
  let decodeTps = learned?.decodeTps;
  if (prefillTps === undefined || decodeTps === undefined) {
    // Never served this model here: the node's hardware rates scaled to the model's size.
    const rates = stats.rates(node.name);
    prefillTps ??= perMb(rates?.prefillMbTps, node.modelSizeMb) ?? request.prefillPrior;
    decodeTps ??= perMb(rates?.decodeMbTps, node.modelSizeMb) ?? request.decodePrior;
  }
  const prefillMs = (request.promptTokens / prefillTps) * 1000;
  const decodeMs = (request.outputTokens / decodeTps) * 1000;
  const serviceMs = prefillMs + decodeMs;
  const waitMs = waitFor(node, serviceMs, weights.sharingFactor);
  const loadMs = node.modelLoaded ? 0 : (learned?.loadMs ?? stats.priorLoadMs(node.modelSizeMb, node.name));

  const penalty = Math.min(1, Math.max(0, node.penalty));
  // Errors scale with the estimate (a flaky node is as bad as its retries) plus a fixed cost.
  const errorMs = penalty * (waitMs + loadMs + serviceMs + weights.errorPenaltyMs);
  const vramMs = node.modelLoaded ? 0 : vramPenaltyMs(node, stats, weights);

  const affinityMs =
    request.sessionKey !== undefined && hasKey(node.affinityKeys, request.sessionKey)
      ? prefillMs * weights.affinityPrefillShare
      : 0;
  const tagMs =
    node.tags.length === 0 ? 0 : matchingTags(node.tags, request.tags) * weights.tagBonusShare * serviceMs;

  parts[at + WAIT] = waitMs;
  parts[at + LOAD] = loadMs;
  parts[at + PREFILL] = prefillMs;
  parts[at + DECODE] = decodeMs;
  parts[at + PENALTY] = errorMs + vramMs;
  parts[at + BONUS] = affinityMs + tagMs;
  return waitMs + loadMs + serviceMs + errorMs + vramMs - affinityMs - tagMs;
}

export function totalMs(cost: Readonly<CostBreakdown>): number {
  return cost.waitMs + cost.loadMs + cost.prefillMs + cost.decodeMs + cost.penaltyMs - cost.bonusMs;
}

/**
 * Requests ahead of this one (the queue, plus one running request per slot short of a free
 * one) drain `slots` at a time, each taking about one service time; below that, the running
 * requests slow this one down by sharing the compute.
 */
function waitFor(node: RouterNodeSnapshot, serviceMs: number, sharingFactor: number): number {
  const slots = Math.max(1, node.slots);
  const ahead = Math.max(0, node.queued) + Math.max(0, node.inFlight - slots + 1);
  const sharing = (Math.min(Math.max(0, node.inFlight), slots - 1) / slots) * sharingFactor;
  return (ahead / slots + sharing) * serviceMs;
}

/** Reused between calls so that the rare eviction path allocates nothing either. */
let victimCosts = new Float64Array(8);

/**
 * What loading the model costs others when it does not fit in the free VRAM: the cheapest
 * models are evicted first (idle and stale cost nothing, recently used cost their reload,
 * busy ones stall their requests); if even evicting all cannot make room, it does not fit.
 * Unknown VRAM means no opinion: Ollama will manage, and the learned load time covers it.
 */
function vramPenaltyMs(
  node: RouterNodeSnapshot,
  stats: LearnedStats,
  weights: Readonly<CostWeights>,
): number {
  if (node.vramFreeMb === undefined) return 0;
  let needMb = node.modelSizeMb - node.vramFreeMb;
  if (needMb <= 0) return 0;
  if (node.vramTotalMb !== undefined && node.modelSizeMb > node.vramTotalMb) return weights.noFitMs;

  const victims = node.loadedModels;
  if (victimCosts.length < victims.length) victimCosts = new Float64Array(victims.length * 2);
  for (let i = 0; i < victims.length; i++)
    victimCosts[i] = evictionCostMs(node.name, victims[i], stats, weights);

  let costMs = 0;
  for (let picked = 0; picked < victims.length && needMb > 0; picked++) {
    const cheapest = indexOfMin(victimCosts, victims.length);
    costMs += victimCosts[cheapest] ?? 0;
    needMb -= victims[cheapest]?.sizeMb ?? 0;
    victimCosts[cheapest] = Number.POSITIVE_INFINITY;
  }
  return needMb > 0 ? costMs + weights.noFitMs : costMs;
}

function evictionCostMs(
  node: string,
  victim: LoadedModel | undefined,
  stats: LearnedStats,
  weights: Readonly<CostWeights>,
): number {
  if (victim === undefined) return Number.POSITIVE_INFINITY;
  const reloadMs = stats.loadMs(node, victim.name, victim.sizeMb);
  if (victim.inFlight > 0) return weights.busyEvictionMs + reloadMs;
  return victim.lastUsedMs < weights.recentUseMs ? reloadMs : 0;
}

function indexOfMin(values: Float64Array, length: number): number {
  let best = 0;
  for (let i = 1; i < length; i++) if ((values[i] ?? 0) < (values[best] ?? 0)) best = i;
  return best;
}

function hasKey(keys: ReadonlySet<string> | readonly string[], key: string): boolean {
  return isSet(keys) ? keys.has(key) : keys.includes(key);
}

function isSet(keys: ReadonlySet<string> | readonly string[]): keys is ReadonlySet<string> {
  return keys instanceof Set;
}

function matchingTags(nodeTags: readonly string[], wanted: readonly string[]): number {
  let matches = 0;
  for (const tag of nodeTags) if (wanted.includes(tag)) matches++;
  return matches;
}
