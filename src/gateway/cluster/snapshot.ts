/**
 * Builds `GET /v1/hydra/cluster`: every node with its health, load, models, learned speed and
 * agent report, the priority queue, the routing strategy and the models of the cluster, in one
 * read of the gateway's state (no node is asked anything: the snapshot is cheap to poll).
 */
import { PRIORITY_MAX, PRIORITY_MIN } from "../../pool/admission/config.js";
import { routingStrategySchema } from "../../pool/router/strategies.js";
import { HYDRA_VERSION } from "../../version.js";
import type { GatewayContext } from "../exchange.js";
import { nodeView } from "../routes/ops.js";
import type { QueueWaits } from "../traffic/queue-waits.js";
import type { ClusterSnapshot, ModelRate, NodeCard, QueueSnapshot } from "./types.js";

export interface SnapshotSources {
  ctx: GatewayContext;
  queueWaits: QueueWaits;
  /** When the gateway started, ms since the epoch. */
  startedAt: number;
}

export function clusterSnapshot({ ctx, queueWaits, startedAt }: SnapshotSources): ClusterSnapshot {
  const now = Date.now();
  const learned = ctx.pool.stats.snapshot().nodes;
  const agentsByNode = new Map(ctx.agents.records().map((record) => [record.name, record]));
  const nodes: NodeCard[] = ctx.pool.nodes.map((node) => {
    const agent = agentsByNode.get(node.name);
    return {
      ...nodeView(ctx, node),
      drained: node.drained,
      rates: modelRates(learned[node.name] ?? {}),
      agent:
        agent === undefined
          ? null
          : { system: agent.status.system, gpus: agent.status.gpus, ollama: agent.status.ollama },
    };
  });
  const loaded = new Map(ctx.pool.loadedModels().map((model) => [model.name, model.nodes]));
  return {
    at: now,
    version: HYDRA_VERSION,
    uptimeS: Math.round((now - startedAt) / 1000),
    routing: { strategy: ctx.pool.strategy, strategies: routingStrategySchema.options },
    nodes,
    queue: queueSnapshot(ctx, queueWaits),
    eventSubscribers: ctx.events.subscribers,
    auth: { apiKeys: ctx.config.auth.keys.length > 0, admin: ctx.config.auth.adminKeys.length > 0 },
    models: ctx.pool
      .installedModels()
      .map((model) => ({ name: model.name, nodes: model.nodes, loadedOn: loaded.get(model.name) ?? [] }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

function modelRates(byModel: Record<string, { decodeTps?: number; prefillTps?: number; samples: number }>) {
  const rates: ModelRate[] = Object.entries(byModel).map(([model, stats]) => ({
    model,
    decodeTps: Math.round((stats.decodeTps ?? 0) * 10) / 10,
    prefillTps: Math.round((stats.prefillTps ?? 0) * 10) / 10,
    samples: stats.samples,
  }));
  return rates.sort((a, b) => b.decodeTps - a.decodeTps);
}

/** Every priority level, highest first, whether or not anything waits there now. */
function queueSnapshot(ctx: GatewayContext, queueWaits: QueueWaits): QueueSnapshot {
  const { queue } = ctx.pool.admission.snapshot();
  const waiting = new Map(queue.byPriority.map((level) => [level.priority, level]));
  const recent = queueWaits.recent();
  const levels = [];
  for (let priority = PRIORITY_MAX; priority >= PRIORITY_MIN; priority--) {
    const now = waiting.get(priority);
    const admitted = recent.get(priority);
    levels.push({
      priority,
      depth: now?.depth ?? 0,
      oldestWaitMs: Math.round(now?.oldestWaitMs ?? 0),
      recentWaitMs: admitted?.meanWaitMs ?? 0,
      recentAdmitted: admitted?.admitted ?? 0,
    });
  }
  return { depth: queue.depth, capacity: queue.maxQueue, levels };
}
