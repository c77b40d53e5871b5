/**
 * The gateway's recent traffic, second by second, for the dashboard's charts and
 * `GET /v1/hydra/traffic`: requests, errors, latency percentiles, time to first token and
 * tokens per second, for the whole cluster, per node and per model. Memory is bounded: a ring
 * of one bucket per second over the longest window, each bucket a few counters and two
 * log-histograms per group.
 */
import type { TrafficSeries, TrafficSnapshot } from "../cluster/types.js";
import { LogHistogram } from "./log-histogram.js";
import { SecondRing } from "./second-ring.js";

export interface FinishedRequest {
  /** When it finished, ms since the epoch. */
  at: number;
  node: string;
  model: string;
  status: number;
  ms: number;
  /** Time to first token, ms; absent when none was sent (errors, embeddings). */
  ttftMs?: number;
  completionTokens: number;
}

interface Bucket {
  requests: number;
  errors: number;
  tokens: number;
  latency: LogHistogram;
  ttft: LogHistogram;
}

const ALL = "all";
const nodeKey = (node: string) => `node\u0000${node}`;
const modelKey = (model: string) => `model\u0000${model}`;

export class TrafficRecorder {
  /** Per second: a bucket per group (the cluster, each node, each model). */
  readonly #seconds: SecondRing<Map<string, Bucket>>;
  readonly #now: () => number;

  /** `maxWindowS`: the longest window a snapshot may ask for. */
  constructor(options: { maxWindowS?: number; now?: () => number } = {}) {
    this.#seconds = new SecondRing(options.maxWindowS ?? 900, () => new Map());
    this.#now = options.now ?? Date.now;
  }

  get maxWindowS(): number {
    return this.#seconds.size;
  }

  record(request: FinishedRequest): void {
    const groups = this.#seconds.at(Math.floor(request.at / 1000));
    for (const key of [ALL, nodeKey(request.node), modelKey(request.model)]) {
      let bucket = groups.get(key);
      if (bucket === undefined) {
        bucket = { requests: 0, errors: 0, tokens: 0, latency: new LogHistogram(), ttft: new LogHistogram() };
        groups.set(key, bucket);
      }
      bucket.requests++;
      if (request.status !== 200) bucket.errors++;
      bucket.tokens += request.completionTokens;
      bucket.latency.add(request.ms);
      if (request.ttftMs !== undefined) bucket.ttft.add(request.ttftMs);
    }
  }

  /**
   * The last `windowS` whole seconds (the current, unfinished second excluded, so a chart's
   * last point does not dip), as series of one value per second.
   */
  snapshot(windowS = 300): TrafficSnapshot {
    const steps = Math.max(1, Math.min(Math.floor(windowS), this.#seconds.size));
    const lastSecond = Math.floor(this.#now() / 1000) - 1;
    const firstSecond = lastSecond - steps + 1;
    const all = emptySeries(steps);
    const byNode = new Map<string, TrafficSeries>();
    const byModel = new Map<string, TrafficSeries>();
    const totals = { requests: 0, errors: 0, completionTokens: 0 };
    for (let step = 0; step < steps; step++) {
      const groups = this.#seconds.get(firstSecond + step);
      if (groups === undefined) continue;
      for (const [key, bucket] of groups) {
        let series: TrafficSeries;
        if (key === ALL) {
          series = all;
          totals.requests += bucket.requests;
          totals.errors += bucket.errors;
          totals.completionTokens += bucket.tokens;
        } else {
          const [kind, name = ""] = key.split("\u0000");
          const groups = kind === "node" ? byNode : byModel;
          series = groups.get(name) ?? emptySeries(steps);
          groups.set(name, series);
        }
        fill(series, step, bucket);
      }
    }
    return {
      start: firstSecond * 1000,
      stepMs: 1000,
      steps,
      all,
      byNode: Object.fromEntries(byNode),
      byModel: Object.fromEntries(byModel),
      totals,
    };
  }
}

function emptySeries(steps: number): TrafficSeries {
  const zeros = () => new Array<number>(steps).fill(0);
  const nulls = () => new Array<number | null>(steps).fill(null);
  return {
    rps: zeros(),
    errorsPerS: zeros(),
    p50: nulls(),
    p95: nulls(),
    p99: nulls(),
    ttftP50: nulls(),
    tokensPerS: zeros(),
  };
}

function fill(series: TrafficSeries, step: number, bucket: Bucket): void {
  series.rps[step] = bucket.requests;
  series.errorsPerS[step] = bucket.errors;
  series.tokensPerS[step] = bucket.tokens;
  series.p50[step] = round(bucket.latency.quantile(0.5));
  series.p95[step] = round(bucket.latency.quantile(0.95));
  series.p99[step] = round(bucket.latency.quantile(0.99));
  series.ttftP50[step] = round(bucket.ttft.quantile(0.5));
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 100) / 100;
}
