/**
 * Liveness, health, metrics and Hydra's own view of the nodes.
 */
import type { FastifyInstance } from "fastify";
import { BadRequestError } from "../../errors.js";
import type { PoolNode } from "../../pool/node.js";
import type { NodePool } from "../../pool/pool.js";
import { requestFeatures } from "../../pool/router/features.js";
import { routingStrategySchema } from "../../pool/router/strategies.js";
import type { GatewayContext } from "../exchange.js";

export interface NodeView {
  name: string;
  url: string;
  /** up · degraded · ejected · probing · stale (its agent stopped reporting) · unknown (no inventory yet) */
  health: string;
  /** How the gateway learned of the node: config, discovery (network scan) or agent. */
  source: string;
  breaker: "closed" | "open" | "half-open";
  ejections: number;
  /** 0-1: recent 429/503 answers. */
  penalty: number;
  slots: { total: number; busy: number };
  lastError: string | null;
  lastSeenAt: string | null;
  version: string | null;
  tags: readonly string[];
  weight: number;
  inFlight: number;
  models: { name: string; loaded: boolean; size: number }[];
  /** What the node's agent last reported; null without an agent. */
  resources: { vramTotalMb: number | null; vramFreeMb: number | null; reportedAt: string } | null;
}

export async function opsRoutes(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  // Ollama clients probe `/` to see whether the server is up; answer exactly like Ollama.
  app.get("/", async (_request, reply) => reply.type("text/plain; charset=utf-8").send("Ollama is running"));

  app.get("/health", async (_request, reply) => {
    if (ctx.draining)
      return reply.code(503).send({ status: "draining", nodes: { up: 0, total: ctx.pool.nodes.length } });
    const up = ctx.pool.nodes.filter((node) => ctx.pool.usable(node)).length;
    const total = ctx.pool.nodes.length;
    return reply
      .code(up > 0 ? 200 : 503)
      .send({ status: up === total ? "ok" : up > 0 ? "degraded" : "down", nodes: { up, total } });
  });

  app.get("/metrics", async (_request, reply) => {
    const text = await ctx.metrics.registry.metrics();
    return reply.type(ctx.metrics.registry.contentType).send(text);
  });

  // A dry run of the router: how a request would be placed now, with every candidate's estimate.
  app.get<{ Querystring: Record<string, string | undefined> }>("/v1/hydra/route", async (request) => {
    const { model, strategy, prompt, num_predict: numPredict, session } = request.query;
    if (!model)
      throw new BadRequestError(
        "model is required: GET /v1/hydra/route?model=llama3.2&prompt=...&num_predict=...",
      );
    const parsedStrategy =
      strategy === undefined ? ctx.pool.strategy : routingStrategySchema.safeParse(strategy).data;
    if (parsedStrategy === undefined) {
      throw new BadRequestError(
        `invalid strategy "${strategy}": use one of ${routingStrategySchema.options.join(", ")}`,
      );
    }
    const body = {
      model,
      prompt: prompt ?? "",
      ...(numPredict ? { options: { num_predict: Number(numPredict) } } : {}),
    };
    const features = requestFeatures({
      path: "/api/generate",
      body,
      headers: session ? { "x-hydra-session": session } : {},
    });
    const ranking = await ctx.pool.rank(model, { features, strategy: parsedStrategy });
    return {
      strategy: parsedStrategy,
      features,
      candidates: ranking.map(({ name, estimatedMs, breakdown, reason }) => ({
        name,
        estimatedMs,
        breakdown,
        reason,
      })),
    };
  });

  app.get("/v1/hydra/nodes", async () => ({ nodes: ctx.pool.nodes.map((node) => nodeView(ctx, node)) }));
}

export function nodeView(ctx: GatewayContext, node: GatewayContext["pool"]["nodes"][number]): NodeView {
  const health = ctx.pool.health.state(node.name);
  const slots = ctx.pool.admission.snapshot().nodes.find((entry) => entry.node === node.name);
  return {
    name: node.name,
    url: node.url,
    health: nodeHealth(ctx.pool, node),
    source: node.source,
    breaker: health?.breaker ?? "closed",
    ejections: health?.totalEjections ?? 0,
    penalty: Math.round((health?.penalty ?? 0) * 100) / 100,
    slots: { total: slots?.slots ?? 0, busy: slots?.busy ?? 0 },
    lastError: health?.lastError ?? node.lastError ?? null,
    lastSeenAt: node.lastSeenAt === undefined ? null : new Date(node.lastSeenAt).toISOString(),
    version: node.version ?? null,
    tags: node.tags,
    weight: node.weight,
    inFlight: node.inFlight,
    models: [...node.models.entries()].map(([key, model]) => ({
      name: model.name,
      loaded: node.loaded.has(key),
      size: model.size,
    })),
    resources:
      node.resources === undefined
        ? null
        : {
            vramTotalMb: node.resources.vramTotalMb ?? null,
            vramFreeMb: node.resources.vramFreeMb ?? null,
            reportedAt: new Date(node.resources.reportedAt).toISOString(),
          },
  };
}

/** The words `health` takes in the node view (and the states of the hydra_node_health metric). */
export const NODE_HEALTH_WORDS = ["up", "degraded", "ejected", "probing", "stale", "unknown"] as const;
export type NodeHealthWord = (typeof NODE_HEALTH_WORDS)[number];

/** One word for a node's health, as operators read it: its agent, its breaker and its inventory. */
export function nodeHealth(pool: NodePool, node: PoolNode): NodeHealthWord {
  if (node.resources?.stale) return "stale";
  return healthWord(node.lastSeenAt !== undefined, pool.health.state(node.name)?.status);
}

function healthWord(inventoryKnown: boolean, status: string | undefined): NodeHealthWord {
  if (status === "open") return "ejected";
  if (status === "half-open") return "probing";
  if (status === "degraded") return "degraded";
  return inventoryKnown ? "up" : "unknown";
}
