/**
 * The routing strategies, side by side so that they can be compared on the same traffic:
 * `intelligent` (the cost model), and the classic baselines `least_connections`,
 * `round_robin`, `random` and `latency_first`. Every strategy keeps only available nodes
 * that have the model, and every candidate carries the cost model's estimate, so a log
 * shows what a baseline's choice would cost. Pure: same input, rotation and random → same
 * ranking.
 */
import { z } from "zod";
import {
  COST_FIELDS,
  type CostBreakdown,
  type CostWeights,
  DEFAULT_COST_WEIGHTS,
  prepareRequest,
  type RouterNodeSnapshot,
  readCost,
  writeCost,
} from "./cost-model.js";
import type { RequestFeatures } from "./features.js";
import type { LearnedStats } from "./learned-stats.js";
import { orderByKey } from "./stable-order.js";

export const ROUTING_STRATEGIES = [
  "intelligent",
  "least_connections",
  "round_robin",
  "random",
  "latency_first",
] as const;

export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

export const routingStrategySchema = z.enum(ROUTING_STRATEGIES);

export interface RankedCandidate {
  readonly name: string;
  /** The cost model's estimate of the completion time, whatever the strategy. */
  readonly estimatedMs: number;
  readonly breakdown: Readonly<CostBreakdown>;
  /** A short, human explanation of the rank. */
  readonly reason: string;
}

/** Ranks the eligible nodes, best first. `random` returns numbers in [0, 1), e.g. seeded. */
export function rank(
  strategy: RoutingStrategy,
  nodes: readonly RouterNodeSnapshot[],
  request: RequestFeatures,
  stats: LearnedStats,
  rotation: number,
  random: () => number,
  weights: Readonly<CostWeights> = DEFAULT_COST_WEIGHTS,
): RankedCandidate[] {
  const prepared = prepareRequest(request, stats);
  let eligible = 0;
  for (const node of nodes) if (node.available && node.hasModel) eligible++;
  // One array for every candidate's breakdown: candidates read their numbers from it on demand.
  const parts = new Float64Array(eligible * COST_FIELDS);
  if (sortKeys.length < eligible) sortKeys = new Float64Array(eligible * 2);
  const candidates: Candidate[] = new Array(eligible);
  let index = 0;
  for (const node of nodes) {
    if (!node.available || !node.hasModel) continue;
    const at = index * COST_FIELDS;
    const estimatedMs = writeCost(node, prepared, stats, weights, parts, at);
    const key = sortKey(strategy, node, estimatedMs, parts, at);
    // A NaN (from a nonsensical snapshot) would break the ordering; rank such a node last.
    sortKeys[index] = Number.isNaN(key) ? Number.POSITIVE_INFINITY : key;
    candidates[index] = new Candidate(strategy, node, estimatedMs, parts, index, rotation);
    index++;
  }
  if (strategy === "random") {
    shuffle(candidates, random);
    return candidates;
  }
  // Ties go to the next node in turn among the eligible ones (not among all nodes: a node
  // after an unavailable one would otherwise get two turns).
  return orderByKey(candidates, sortKeys, rotation);
}

/** Reused across decisions: the hot path allocates only the candidates, their parts and the result. */
let sortKeys = new Float64Array(256);

/** Lower is better; round-robin and random order by turn and shuffle alone. */
function sortKey(
  strategy: RoutingStrategy,
  node: RouterNodeSnapshot,
  estimatedMs: number,
  parts: Float64Array,
  at: number,
): number {
  switch (strategy) {
    case "intelligent":
      return estimatedMs;
    case "least_connections":
      return node.inFlight / Math.max(node.weight, Number.EPSILON);
    case "latency_first": {
      const cost = readCost(parts, at);
      return cost.prefillMs + cost.decodeMs;
    }
    case "round_robin":
    case "random":
      return 0;
  }
}

/** Fisher–Yates with the caller's (seeded) random source. */
function shuffle<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    const item = items[i] as T;
    items[i] = items[j] as T;
    items[j] = item;
  }
}

class Candidate implements RankedCandidate {
  readonly name: string;
  readonly estimatedMs: number;
  readonly #strategy: RoutingStrategy;
  readonly #node: RouterNodeSnapshot;
  readonly #parts: Float64Array;
  readonly #index: number;
  readonly #rotation: number;

  constructor(
    strategy: RoutingStrategy,
    node: RouterNodeSnapshot,
    estimatedMs: number,
    parts: Float64Array,
    index: number,
    rotation: number,
  ) {
    this.name = node.name;
    this.estimatedMs = estimatedMs;
    this.#strategy = strategy;
    this.#node = node;
    this.#parts = parts;
    this.#index = index;
    this.#rotation = rotation;
  }

  /** Built on demand from the decision's shared array: most decisions only read the first name. */
  get breakdown(): CostBreakdown {
    return readCost(this.#parts, this.#index * COST_FIELDS);
  }

  /** Built on demand too: formatting numbers costs more than the decision. */
  get reason(): string {
    return explain(this.#strategy, this.#node, this.estimatedMs, this.breakdown, this.#index, this.#rotation);
  }

  /** JSON (logs, the admin API) would otherwise drop the `reason` getter. */
  toJSON(): RankedCandidate {
    return { name: this.name, estimatedMs: this.estimatedMs, breakdown: this.breakdown, reason: this.reason };
  }
}

function explain(
  strategy: RoutingStrategy,
  node: RouterNodeSnapshot,
  estimatedMs: number,
  cost: Readonly<CostBreakdown>,
  index: number,
  rotation: number,
): string {
  const estimate = `estimated ${ms(estimatedMs)} = ${describe(cost)}`;
  switch (strategy) {
    case "intelligent":
      return `${estimate} (model ${node.modelLoaded ? "loaded" : "not loaded"}, ${node.inFlight}/${node.slots} slots busy, ${node.queued} queued)`;
    case "least_connections":
      return `${node.inFlight} in flight (weight ${node.weight}); ${estimate}`;
    case "latency_first":
      return `learned prefill + decode ${ms(cost.prefillMs + cost.decodeMs)}; ${estimate}`;
    case "round_robin":
      return `eligible node ${index + 1}, rotation ${rotation}; ${estimate}`;
    case "random":
      return `random order; ${estimate}`;
  }
}

function describe(cost: Readonly<CostBreakdown>): string {
  return `wait ${ms(cost.waitMs)} + load ${ms(cost.loadMs)} + prefill ${ms(cost.prefillMs)} + decode ${ms(cost.decodeMs)} + penalty ${ms(cost.penaltyMs)} − bonus ${ms(cost.bonusMs)}`;
}

function ms(value: number): string {
  return `${Math.round(value)} ms`;
}
