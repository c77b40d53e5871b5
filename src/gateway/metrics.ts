/**
 * Prometheus metrics of one gateway. Each gateway has its own registry, so several gateways in
 * one process (tests, benchmarks) never mix their numbers. The metrics of each area live in
 * metrics/ (requests, routing, nodes, agents, queue, orchestration, memory, events); this class
 * assembles them and is what the rest of the gateway calls. docs/observability.md lists them all.
 *
 * Most values are read from the gateway's state when Prometheus scrapes (gauges with
 * `collect`), so they cost requests nothing; only what happens per request is counted as it
 * happens. Labels are bounded by the cluster (node, model, priority, strategy), never per request.
 */
import { collectDefaultMetrics, Registry } from "prom-client";
import type { AgentRegistry } from "../discovery/agent-registry.js";
import type { Orchestrator } from "../orchestrator/orchestrator.js";
import type { NodePool } from "../pool/pool.js";
import type { GenerationStats } from "../protocol/ollama/types.js";
import type { ResponseCacheOutcome } from "./cache/response-cache.js";
import type { EventBus } from "./events/bus.js";
import { registerAgentMetrics } from "./metrics/agents.js";
import { registerEventMetrics } from "./metrics/events.js";
import { type MemoryStatsSource, ResponseCacheMetrics, registerMemoryMetrics } from "./metrics/memory.js";
import { registerNodeMetrics } from "./metrics/nodes.js";
import { OrchestrationMetrics } from "./metrics/orchestration.js";
import { registerQueueMetrics } from "./metrics/queue.js";
import { RequestMetrics, type RequestRecord } from "./metrics/requests.js";
import { RoutingMetrics } from "./metrics/routing.js";

export type { RequestRecord } from "./metrics/requests.js";

/** The gateway's parts that exist after the pool: given to `watch` once they do. */
export interface GatewayParts {
  events: EventBus;
  agents: AgentRegistry;
  /** The tiered memory if it is open already; never opens it. */
  memory: () => MemoryStatsSource | undefined;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  readonly #registers = [this.registry];
  readonly #requests: RequestMetrics;
  readonly #routing: RoutingMetrics;
  readonly #orchestration: OrchestrationMetrics;
  readonly #responseCache: ResponseCacheMetrics;
  #watching = false;

  constructor(pool: NodePool) {
    const registers = this.#registers;
    collectDefaultMetrics({ register: this.registry, prefix: "hydra_" });
    this.#requests = new RequestMetrics(registers, pool);
    this.#routing = new RoutingMetrics(registers, pool);
    registerNodeMetrics(registers, pool);
    registerQueueMetrics(registers, pool);
    this.#orchestration = new OrchestrationMetrics(registers);
    this.#responseCache = new ResponseCacheMetrics(registers);
  }

  /** Adds the metrics of the event stream, the node agents and the memory tiers (once). */
  watch(parts: GatewayParts): void {
    if (this.#watching) return;
    this.#watching = true;
    registerEventMetrics(this.#registers, parts.events);
    registerAgentMetrics(this.#registers, parts.agents);
    registerMemoryMetrics(this.#registers, parts.memory);
  }

  /** Counts the runs of an orchestrator that was just opened (metrics never open it). */
  watchOrchestrator(orchestrator: Orchestrator): void {
    this.#orchestration.watch(orchestrator);
  }

  recordRequest(record: RequestRecord): void {
    this.#requests.recordRequest(record);
  }

  /** `node` is the node the request moved away from. */
  recordFailover(model: string, node: string, kind: "before_bytes" | "mid_stream"): void {
    this.#requests.recordFailover(model, node, kind);
  }

  recordFirstToken(model: string, node: string, seconds: number): void {
    this.#requests.recordFirstToken(model, node, seconds);
  }

  recordGeneration(model: string, node: string, stats: Partial<GenerationStats>): void {
    this.#requests.recordGeneration(model, node, stats);
  }

  /** The router placed a request on `node`, ranking with `strategy`. */
  recordRouteDecision(strategy: string, node: string): void {
    this.#routing.recordDecision(strategy, node);
  }

  recordResponseCache(outcome: ResponseCacheOutcome): void {
    this.#responseCache.record(outcome);
  }
}
