/**
 * The nodes as the gateway sees them, read at scrape time: health, breaker, drain, slots, load,
 * inventory, GPU memory, and the speeds the router learned per model. Nothing here costs a
 * request anything.
 */
import { Gauge, type Registry } from "prom-client";
import type { NodePool } from "../../pool/pool.js";
import { NODE_HEALTH_WORDS, nodeHealth } from "../routes/ops.js";
import { perScrape } from "./per-scrape.js";

const MB = 1024 * 1024;
const BREAKER_STATES = ["closed", "open", "half-open"] as const;

export function registerNodeMetrics(registers: Registry[], pool: NodePool): void {
  new Gauge({
    name: "hydra_node_info",
    help: "Always 1, one series per node: its URL, how the gateway learned of it (source: config, discovery, agent) and its Ollama version",
    labelNames: ["node", "url", "source", "version"],
    registers,
    collect() {
      this.reset();
      for (const node of pool.nodes)
        this.set({ node: node.name, url: node.url, source: node.source, version: node.version ?? "" }, 1);
    },
  });
  new Gauge({
    name: "hydra_node_up",
    help: "1 when the node takes traffic (inventory known, breaker closed or probing, not drained, agent not stale), else 0",
    labelNames: ["node"],
    registers,
    collect() {
      this.reset();
      for (const node of pool.nodes) this.set({ node: node.name }, pool.usable(node) ? 1 : 0);
    },
  });
  new Gauge({
    name: "hydra_node_health",
    help: "Health of each node, 1 for its current state: up, degraded (kept in by the ejection cap), ejected, probing, stale (its agent stopped reporting) or unknown (no inventory yet)",
    labelNames: ["node", "state"],
    registers,
    collect() {
      this.reset();
      for (const node of pool.nodes) {
        const health = nodeHealth(pool, node);
        for (const state of NODE_HEALTH_WORDS) this.set({ node: node.name, state }, state === health ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: "hydra_node_breaker_state",
    help: "Circuit breaker of each node: 1 for its current state (closed, open, half-open)",
    labelNames: ["node", "state"],
    registers,
    collect() {
      this.reset();
      for (const node of pool.nodes) {
        const current = pool.health.state(node.name)?.breaker ?? "closed";
        for (const state of BREAKER_STATES) this.set({ node: node.name, state }, state === current ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: "hydra_node_drained",
    help: "1 while an operator has drained the node (it takes no new requests; running ones finish), else 0",
    labelNames: ["node"],
    registers,
    collect() {
      this.reset();
      for (const node of pool.nodes) this.set({ node: node.name }, node.drained ? 1 : 0);
    },
  });
  new Gauge({
    name: "hydra_node_in_flight",
    help: "Requests in flight on each node",
    labelNames: ["node"],
    registers,
    collect() {
      this.reset();
      for (const node of pool.nodes) this.set({ node: node.name }, node.inFlight);
    },
  });
  const slotsOf = perScrape(
    () => new Map(pool.admission.snapshot().nodes.map((entry) => [entry.node, entry] as const)),
  );
  new Gauge({
    name: "hydra_node_slots",
    help: "Requests the gateway lets each node run at once now (its num_parallel; 0 while it is ejected, probing, drained or its agent is stale)",
    labelNames: ["node"],
    registers,
    collect() {
      this.reset();
      for (const node of pool.nodes) this.set({ node: node.name }, slotsOf().get(node.name)?.slots ?? 0);
    },
  });
  new Gauge({
    name: "hydra_node_slots_busy",
    help: "Slots of each node held by running requests",
    labelNames: ["node"],
    registers,
    collect() {
      this.reset();
      for (const node of pool.nodes) this.set({ node: node.name }, slotsOf().get(node.name)?.busy ?? 0);
    },
  });
  new Gauge({
    name: "hydra_node_models",
    help: "Models on each node (state: installed, or loaded in memory)",
    labelNames: ["node", "state"],
    registers,
    collect() {
      this.reset();
      for (const node of pool.nodes) {
        this.set({ node: node.name, state: "installed" }, node.models.size);
        this.set({ node: node.name, state: "loaded" }, node.loaded.size);
      }
    },
  });
  new Gauge({
    name: "hydra_node_model_loaded",
    help: "1 for each model loaded in a node's memory, 0 for each installed but not loaded",
    labelNames: ["node", "model"],
    registers,
    collect() {
      this.reset();
      for (const node of pool.nodes) {
        for (const [key, model] of node.models)
          this.set({ node: node.name, model: model.name }, node.loaded.has(key) ? 1 : 0);
      }
    },
  });
  new Gauge({
    name: "hydra_node_vram_total_bytes",
    help: "GPU memory of each node: as its agent reports it, else as configured (vramMb); absent when unknown",
    labelNames: ["node"],
    registers,
    collect() {
      this.reset();
      for (const node of pool.nodes) {
        const totalMb = node.resources?.vramTotalMb ?? node.vramMb;
        if (totalMb !== undefined) this.set({ node: node.name }, totalMb * MB);
      }
    },
  });
  new Gauge({
    name: "hydra_node_vram_free_bytes",
    help: "Free GPU memory of each node as its agent reports it (nodes without an agent have none)",
    labelNames: ["node"],
    registers,
    collect() {
      this.reset();
      for (const node of pool.nodes) {
        const freeMb = node.resources?.vramFreeMb;
        if (freeMb !== undefined) this.set({ node: node.name }, freeMb * MB);
      }
    },
  });
  new Gauge({
    name: "hydra_node_loaded_models_vram_bytes",
    help: "GPU memory the node's loaded models take, as Ollama lists them (/api/ps size_vram)",
    labelNames: ["node"],
    registers,
    collect() {
      this.reset();
      for (const node of pool.nodes) {
        let bytes = 0;
        for (const model of node.loaded.values()) bytes += model.size_vram;
        this.set({ node: node.name }, bytes);
      }
    },
  });
  registerLearnedStats(registers, pool);
}

/** What the router learned from the nodes' answers (EWMAs), per node and model. */
function registerLearnedStats(registers: Registry[], pool: NodePool): void {
  const pairs = perScrape(() => {
    const known = new Set(pool.nodes.map((node) => node.name));
    return Object.entries(pool.stats.snapshot().nodes)
      .filter(([node]) => known.has(node))
      .flatMap(([node, models]) => Object.entries(models).map(([model, pair]) => ({ node, model, ...pair })));
  });
  new Gauge({
    name: "hydra_learned_decode_tokens_per_second",
    help: "Generation speed the router learned for each node and model (moving average of eval_count / eval_duration)",
    labelNames: ["node", "model"],
    registers,
    collect() {
      this.reset();
      for (const { node, model, decodeTps } of pairs())
        if (decodeTps !== undefined) this.set({ node, model }, decodeTps);
    },
  });
  new Gauge({
    name: "hydra_learned_prefill_tokens_per_second",
    help: "Prompt processing speed the router learned for each node and model (moving average)",
    labelNames: ["node", "model"],
    registers,
    collect() {
      this.reset();
      for (const { node, model, prefillTps } of pairs())
        if (prefillTps !== undefined) this.set({ node, model }, prefillTps);
    },
  });
  new Gauge({
    name: "hydra_learned_load_seconds",
    help: "Time to load the model into memory that the router learned for each node and model (moving average)",
    labelNames: ["node", "model"],
    registers,
    collect() {
      this.reset();
      for (const { node, model, loadMs } of pairs())
        if (loadMs !== undefined) this.set({ node, model }, loadMs / 1000);
    },
  });
}
