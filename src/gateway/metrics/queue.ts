/**
 * The gateway's priority queue in front of the node slots: how many wait at each priority level
 * and for how long (read at scrape time), how long admitted requests waited, and why requests
 * were turned away (from the admission controller's events).
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { PRIORITY_MAX, PRIORITY_MIN } from "../../pool/admission/config.js";
import type { NodePool } from "../../pool/pool.js";
import { perScrape } from "./per-scrape.js";
import { LATENCY_BUCKETS } from "./requests.js";

const PRIORITIES = Array.from({ length: PRIORITY_MAX - PRIORITY_MIN + 1 }, (_, i) =>
  String(PRIORITY_MIN + i),
);

export function registerQueueMetrics(registers: Registry[], pool: NodePool): void {
  const { admission } = pool;
  const queue = perScrape(() => admission.snapshot().queue);
  new Gauge({
    name: "hydra_queue_depth",
    help: "Requests waiting in the gateway for a node slot, per priority level (1 lowest to 10 highest; sum() for the total)",
    labelNames: ["priority"],
    registers,
    collect() {
      const levels = new Map(queue().byPriority.map((level) => [String(level.priority), level.depth]));
      // Every level, also when empty, so that sum() is 0 rather than no data.
      for (const priority of PRIORITIES) this.set({ priority }, levels.get(priority) ?? 0);
    },
  });
  new Gauge({
    name: "hydra_queue_oldest_wait_seconds",
    help: "How long the longest-waiting request at each priority level has waited so far (0 when none waits)",
    labelNames: ["priority"],
    registers,
    collect() {
      const levels = new Map(queue().byPriority.map((level) => [String(level.priority), level.oldestWaitMs]));
      for (const priority of PRIORITIES) this.set({ priority }, (levels.get(priority) ?? 0) / 1000);
    },
  });
  new Gauge({
    name: "hydra_queue_capacity",
    help: "Most requests that may wait at once (admission.maxQueue); one more is refused with 429",
    registers,
    collect() {
      this.set(queue().maxQueue);
    },
  });
  const wait = new Histogram({
    name: "hydra_queue_wait_seconds",
    help: "Time each admitted request waited for a node slot, by priority (0 when a slot was free at once)",
    labelNames: ["priority"],
    buckets: LATENCY_BUCKETS,
    registers,
  });
  const queued = new Counter({
    name: "hydra_queue_admitted_total",
    help: "Requests given a node slot, by priority and whether they had to wait in the queue first (queued: true or false)",
    labelNames: ["priority", "queued"],
    registers,
  });
  admission.on("admitted", ({ priority, waitedMs, queued: waited }) => {
    const level = String(priority);
    wait.observe({ priority: level }, waitedMs / 1000);
    queued.inc({ priority: level, queued: String(waited) });
  });
  const rejected = new Counter({
    name: "hydra_queue_rejections_total",
    help: "Requests the queue turned away, by reason (queue-full: 429; timeout: no slot freed in time, 503; aborted: the client left; no-node: its nodes left the pool; closed: shutdown) and priority",
    labelNames: ["reason", "priority"],
    registers,
  });
  admission.on("rejected", ({ reason, priority }) => rejected.inc({ reason, priority: String(priority) }));
}
