/**
 * The routing benchmark's open-loop workload: Poisson arrivals (exponential gaps) at a
 * fixed rate, each request's model drawn by popularity and its output length from a
 * small set, all from one seed, so every strategy is measured on the same requests.
 */
import { exponential, mulberry32, weighted } from "./prng.js";

export interface PlannedRequest {
  index: number;
  /** When to send it, in ms after the phase starts. */
  atMs: number;
  model: string;
  numPredict: number;
}

export interface WorkloadOptions {
  seed: number;
  ratePerS: number;
  durationMs: number;
  models: readonly { name: string; popularity: number }[];
  outputLengths: readonly number[];
}

export function planWorkload(options: WorkloadOptions): PlannedRequest[] {
  const random = mulberry32(options.seed);
  const models = options.models.map((m) => ({ value: m.name, weight: m.popularity }));
  const lengths = options.outputLengths.map((n) => ({ value: n, weight: 1 }));
  const planned: PlannedRequest[] = [];
  let atMs = exponential(random, options.ratePerS / 1000);
  while (atMs < options.durationMs) {
    planned.push({
      index: planned.length,
      atMs,
      model: weighted(random, models),
      numPredict: weighted(random, lengths),
    });
    atMs += exponential(random, options.ratePerS / 1000);
  }
  return planned;
}

/** The /api/chat body for a planned request: streaming, seeded, length set by num_predict. */
export function routingChatBody(request: PlannedRequest): string {
  return JSON.stringify({
    model: request.model,
    messages: [{ role: "user", content: `Question ${request.index}: tell me about clusters.` }],
    stream: true,
    options: { num_predict: request.numPredict, seed: request.index },
  });
}

/** Counts per value, for the workload's description in the report. */
export function histogram<T extends string | number>(values: readonly T[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return counts;
}
