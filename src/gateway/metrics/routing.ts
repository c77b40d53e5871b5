/**
 * Routing: where the router sent each request, under which strategy, and the cluster's
 * current default strategy.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import type { NodePool } from "../../pool/pool.js";
import { ROUTING_STRATEGIES } from "../../pool/router/strategies.js";

export class RoutingMetrics {
  readonly #decisions: Counter<"strategy" | "node">;

  constructor(registers: Registry[], pool: NodePool) {
    this.#decisions = new Counter({
      name: "hydra_route_decisions_total",
      help: "Requests placed on a node by the router, by the strategy that ranked them and the node chosen",
      labelNames: ["strategy", "node"],
      registers,
    });
    new Gauge({
      name: "hydra_routing_strategy",
      help: "The routing strategy requests use unless they ask for another (x-hydra-strategy): 1 for the active one",
      labelNames: ["strategy"],
      registers,
      collect() {
        const active = pool.strategy;
        for (const strategy of ROUTING_STRATEGIES) this.set({ strategy }, strategy === active ? 1 : 0);
      },
    });
  }

  recordDecision(strategy: string, node: string): void {
    this.#decisions.inc({ strategy, node });
  }
}
