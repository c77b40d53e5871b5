/**
 * Traffic: requests answered, their latency and time to first token, tokens, generation speed,
 * and what happened upstream on the way (failed attempts, failovers, hedges). Fed per request by
 * the exchange, and by the pool's events.
 */
import { Counter, Histogram, type Registry } from "prom-client";
import type { NodePool } from "../../pool/pool.js";
import type { GenerationStats } from "../../protocol/ollama/types.js";

/** Seconds, from a cached answer (a few ms) to a long generation (minutes). */
export const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export interface RequestRecord {
  route: string;
  model: string;
  node: string;
  status: number;
  seconds: number;
}

export class RequestMetrics {
  readonly #requests: Counter<"route" | "model" | "node" | "status">;
  readonly #duration: Histogram<"route" | "model" | "node">;
  readonly #ttft: Histogram<"model" | "node">;
  readonly #tokens: Counter<"model" | "node" | "type">;
  readonly #decodeRate: Histogram<"model" | "node">;
  readonly #failovers: Counter<"model" | "node" | "kind">;

  constructor(registers: Registry[], pool: NodePool) {
    this.#requests = new Counter({
      name: "hydra_requests_total",
      help: "Requests answered by the gateway, by route, model, serving node and HTTP status",
      labelNames: ["route", "model", "node", "status"],
      registers,
    });
    this.#duration = new Histogram({
      name: "hydra_request_duration_seconds",
      help: "Time from request received to response complete",
      labelNames: ["route", "model", "node"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#ttft = new Histogram({
      name: "hydra_time_to_first_token_seconds",
      help: "Time from request received to the first generated token sent to the client",
      labelNames: ["model", "node"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.#tokens = new Counter({
      name: "hydra_tokens_total",
      help: "Tokens processed, as reported by the nodes (type: prompt or completion)",
      labelNames: ["model", "node", "type"],
      registers,
    });
    this.#decodeRate = new Histogram({
      name: "hydra_decode_tokens_per_second",
      help: "Generation speed reported by the node (eval_count / eval_duration)",
      labelNames: ["model", "node"],
      buckets: [1, 2, 5, 10, 20, 40, 80, 160, 320, 640, 1280],
      registers,
    });
    this.#failovers = new Counter({
      name: "hydra_failovers_total",
      help: "Requests moved off a node (kind: before_bytes, or mid_stream when a stream broke and continued elsewhere)",
      labelNames: ["model", "node", "kind"],
      registers,
    });
    const upstreamFailures = new Counter({
      name: "hydra_upstream_failures_total",
      help: "Failed upstream attempts by node and failure class",
      labelNames: ["node", "kind"],
      registers,
    });
    pool.on("attempt-failed", (event) => upstreamFailures.inc({ node: event.node, kind: event.kind }));
    pool.on("stream-broken", (event) => upstreamFailures.inc({ node: event.node, kind: "stream_broken" }));
    const hedges = new Counter({
      name: "hydra_hedges_total",
      help: "Hedged requests (outcome: started, hedge_won, primary_won); node is where the request went first",
      labelNames: ["model", "node", "outcome"],
      registers,
    });
    pool.on("hedge", (event) => hedges.inc(event));
  }

  recordRequest(record: RequestRecord): void {
    const { route, model, node, status, seconds } = record;
    this.#requests.inc({ route, model, node, status: String(status) });
    this.#duration.observe({ route, model, node }, seconds);
  }

  recordFailover(model: string, node: string, kind: "before_bytes" | "mid_stream"): void {
    this.#failovers.inc({ model, node, kind });
  }

  recordFirstToken(model: string, node: string, seconds: number): void {
    this.#ttft.observe({ model, node }, seconds);
  }

  recordGeneration(model: string, node: string, stats: Partial<GenerationStats>): void {
    if (typeof stats.prompt_eval_count === "number")
      this.#tokens.inc({ model, node, type: "prompt" }, stats.prompt_eval_count);
    if (typeof stats.eval_count === "number") {
      this.#tokens.inc({ model, node, type: "completion" }, stats.eval_count);
      if (typeof stats.eval_duration === "number" && stats.eval_duration > 0) {
        this.#decodeRate.observe({ model, node }, stats.eval_count / (stats.eval_duration / 1e9));
      }
    }
  }
}
