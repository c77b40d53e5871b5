/**
 * Admin actions, for operators and the dashboard: drain or undrain a node, pull a model onto
 * chosen nodes (with progress), switch the routing strategy. Each needs an admin key
 * (`auth.adminKeys`), sent as `x-hydra-admin-key` or as the bearer key; with no admin key
 * configured the actions are off (403), so a gateway is never administrable by accident.
 */
import { Readable } from "node:stream";
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { HydraError, NodeNotFoundError, UnauthorizedError } from "../../errors.js";
import { routingStrategySchema } from "../../pool/router/strategies.js";
import { ADMIN_KEY_HEADER, keyMatcher } from "../auth.js";
import { parseBody } from "../body.js";
import { abortWhenClientLeaves } from "../client-gone.js";
import type { GatewayContext } from "../exchange.js";
import { chooseTargets, pullProgress } from "./ollama-models.js";

/** Admin actions are off: no `auth.adminKeys`. */
export class AdminDisabledError extends HydraError {
  constructor() {
    super(
      "HYDRA_ERR_ADMIN_DISABLED",
      403,
      "admin actions are off: set auth.adminKeys in hydra.yaml (or HYDRA_ADMIN_KEYS) and send one as x-hydra-admin-key",
    );
  }
}

const strategyRequestSchema = z.strictObject({
  strategy: routingStrategySchema.describe("the routing strategy"),
});

const pullRequestSchema = z.strictObject({
  model: z.string({ error: 'model is required: {"model": "llama3.2", "nodes": ["node-a"]}' }).min(1),
  nodes: z
    .array(z.string().min(1), { error: 'nodes is required: {"model": "llama3.2", "nodes": ["node-a"]}' })
    .min(1, { error: "nodes is empty: name at least one node to pull onto" }),
});

export async function adminRoutes(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const { adminKeys } = ctx.config.auth;
  const accepts = keyMatcher(adminKeys);
  app.addHook("onRequest", async (request) => {
    if (adminKeys.length === 0) throw new AdminDisabledError();
    const header = request.headers[ADMIN_KEY_HEADER];
    const bearer = request.headers.authorization;
    const presented =
      typeof header === "string"
        ? header.trim()
        : bearer?.startsWith("Bearer ")
          ? bearer.slice(7).trim()
          : "";
    if (!accepts(presented)) {
      throw new UnauthorizedError(
        presented === ""
          ? `admin key missing: send one of auth.adminKeys as ${ADMIN_KEY_HEADER}`
          : "invalid admin key: use one of the keys in auth.adminKeys",
      );
    }
  });

  const drain = (drained: boolean) => async (request: { params: { name: string } }) => {
    const { name } = request.params;
    if (!ctx.pool.setDrained(name, drained)) throw new NodeNotFoundError(name, ctx.pool.nodes);
    return { node: name, drained };
  };
  app.post<{ Params: { name: string } }>("/v1/hydra/admin/nodes/:name/drain", drain(true));
  app.post<{ Params: { name: string } }>("/v1/hydra/admin/nodes/:name/undrain", drain(false));

  app.put("/v1/hydra/admin/routing", async (request) => {
    const { strategy } = parseBody(strategyRequestSchema, request);
    ctx.pool.strategy = strategy;
    return { strategy };
  });

  app.post("/v1/hydra/admin/pull", async (request, reply) => {
    const { model, nodes } = parseBody(pullRequestSchema, request);
    const targets = chooseTargets(ctx, nodes, () => true);
    const abort = abortWhenClientLeaves(reply);
    return reply
      .type("application/x-ndjson")
      .send(
        Readable.from(pullProgress(ctx, model, targets, { signal: abort.signal, requestId: request.id })),
      );
  });
}
