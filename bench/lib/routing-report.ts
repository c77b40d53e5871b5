/**
 * Pure analysis of one routing-benchmark phase (one strategy), and the targets that
 * compare the `intelligent` strategy against the best of the simple ones.
 */
import { percentile } from "./load.js";
import type { NodeLoads } from "./load-counter.js";
import { round } from "./processes.js";
import type { TimedOutcome } from "./timed-chat.js";

export interface PhaseMeasurements {
  outcomes: readonly TimedOutcome[];
  loadsByNode: ReadonlyMap<string, NodeLoads>;
  /** Generation requests each node received during the phase (retries included). */
  generationsByNode: Record<string, number>;
  maxSendLagMs: number;
  wallMs: number;
}

export interface StrategySummary {
  requests: number;
  ok: number;
  mean_ms: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  ttft_mean_ms: number | null;
  ttft_p95_ms: number | null;
  model_loads: number;
  model_loads_by_node: Record<string, NodeLoads>;
  errors: number;
  errors_by_reason: Record<string, number>;
  by_node: Record<
    string,
    { requests: number; errors: number; mean_ms: number | null; ttft_mean_ms: number | null }
  >;
  node_generations: Record<string, number>;
  max_send_lag_ms: number;
  wall_s: number;
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((sum, v) => sum + v, 0) / values.length;
}

function ttftsOf(outcomes: readonly TimedOutcome[]): number[] {
  return outcomes.flatMap((o) => (o.ttftMs === null ? [] : [o.ttftMs]));
}

function ms(value: number | null): number | null {
  return value === null || Number.isNaN(value) ? null : round(value, 1);
}

function pct(sorted: readonly number[], p: number): number | null {
  return sorted.length === 0 ? null : ms(percentile(sorted, p));
}

export function summarizePhase(phase: PhaseMeasurements): StrategySummary {
  const ok = phase.outcomes.filter((o) => o.failure === null);
  const latencies = ok.map((o) => o.latencyMs).sort((a, b) => a - b);
  const ttfts = ttftsOf(ok).sort((a, b) => a - b);
  const loadsByNode = Object.fromEntries(phase.loadsByNode);
  return {
    requests: phase.outcomes.length,
    ok: ok.length,
    mean_ms: ms(mean(latencies)),
    p50_ms: pct(latencies, 50),
    p95_ms: pct(latencies, 95),
    p99_ms: pct(latencies, 99),
    ttft_mean_ms: ms(mean(ttfts)),
    ttft_p95_ms: pct(ttfts, 95),
    model_loads: Object.values(loadsByNode).reduce((sum, node) => sum + node.loads, 0),
    model_loads_by_node: loadsByNode,
    errors: phase.outcomes.length - ok.length,
    errors_by_reason: countBy(phase.outcomes.flatMap((o) => (o.failure === null ? [] : [o.failure]))),
    by_node: byNode(phase.outcomes),
    node_generations: phase.generationsByNode,
    max_send_lag_ms: ms(phase.maxSendLagMs) ?? 0,
    wall_s: round(phase.wallMs / 1000, 1),
  };
}

function countBy(values: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

/** Requests per serving node (x-hydra-node; "none" when no node answered). */
function byNode(outcomes: readonly TimedOutcome[]): StrategySummary["by_node"] {
  const groups = new Map<string, TimedOutcome[]>();
  for (const outcome of outcomes) {
    const key = outcome.node ?? "none";
    groups.set(key, [...(groups.get(key) ?? []), outcome]);
  }
  const result: StrategySummary["by_node"] = {};
  for (const [node, group] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
    const ok = group.filter((o) => o.failure === null);
    result[node] = {
      requests: group.length,
      errors: group.length - ok.length,
      mean_ms: ms(mean(ok.map((o) => o.latencyMs))),
      ttft_mean_ms: ms(mean(ttftsOf(ok))),
    };
  }
  return result;
}

export interface Target {
  target: string;
  intelligent: number | null;
  /** The better of the baselines on this metric, and which one it was. */
  best_baseline: number | null;
  best_baseline_strategy: string | null;
  /** 1 - intelligent / best_baseline, for the latency targets. */
  reduction?: number | null;
  met: boolean;
}

const BASELINES = ["least_connections", "round_robin"] as const;

/** The baseline with the lowest value of `metric` (null when none was measured). */
function bestBaseline(
  summaries: Readonly<Record<string, StrategySummary>>,
  metric: (s: StrategySummary) => number | null,
): { name: string; value: number } | null {
  let best: { name: string; value: number } | null = null;
  for (const name of BASELINES) {
    const summary = summaries[name];
    const value = summary === undefined ? null : metric(summary);
    if (value !== null && (best === null || value < best.value)) best = { name, value };
  }
  return best;
}

function reductionTarget(
  summaries: Readonly<Record<string, StrategySummary>>,
  metric: (s: StrategySummary) => number | null,
  minReduction: number,
): Target {
  const own = summaries.intelligent === undefined ? null : metric(summaries.intelligent);
  const best = bestBaseline(summaries, metric);
  const reduction = own === null || best === null || best.value === 0 ? null : round(1 - own / best.value, 3);
  return {
    target: `>= ${minReduction * 100} % lower than the best of ${BASELINES.join(" and ")}`,
    intelligent: own,
    best_baseline: best?.value ?? null,
    best_baseline_strategy: best?.name ?? null,
    reduction,
    met: reduction !== null && reduction >= minReduction,
  };
}

export function routingTargets(summaries: Readonly<Record<string, StrategySummary>>): Record<string, Target> {
  const loads = (s: StrategySummary) => s.model_loads;
  const ownLoads = summaries.intelligent === undefined ? null : loads(summaries.intelligent);
  const bestLoads = bestBaseline(summaries, loads);
  return {
    p99_ms: reductionTarget(summaries, (s) => s.p99_ms, 0.4),
    mean_ms: reductionTarget(summaries, (s) => s.mean_ms, 0.25),
    model_loads: {
      target: `fewer than the best of ${BASELINES.join(" and ")}`,
      intelligent: ownLoads,
      best_baseline: bestLoads?.value ?? null,
      best_baseline_strategy: bestLoads?.name ?? null,
      met: ownLoads !== null && bestLoads !== null && ownLoads < bestLoads.value,
    },
  };
}
