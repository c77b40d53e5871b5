/**
 * Ollama's REST API, served for the whole cluster: generation and embedding
 * routes go to the best node that has the model; listing routes answer for the
 * union of healthy nodes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { z } from "zod";
import {
  chatRequestSchema,
  embeddingsRequestSchema,
  embedRequestSchema,
  generateRequestSchema,
  modelRefRequestSchema,
} from "../../protocol/ollama/types.js";
import { parseBody } from "../body.js";
import { Exchange, type GatewayContext } from "../exchange.js";
import { respondNative } from "../relay/respond.js";
import { answerAsHydra, isHydraModel } from "./hydra-model.js";

interface ModelRoute {
  path: string;
  schema: z.ZodType<{ model: string; stream?: boolean | undefined }>;
  /** Ollama streams these routes unless the body says `"stream": false`. */
  streams: boolean;
}

const MODEL_ROUTES: readonly ModelRoute[] = [
  { path: "/api/chat", schema: chatRequestSchema, streams: true },
  { path: "/api/generate", schema: generateRequestSchema, streams: true },
  { path: "/api/embed", schema: embedRequestSchema, streams: false },
  { path: "/api/embeddings", schema: embeddingsRequestSchema, streams: false },
  { path: "/api/show", schema: modelRefRequestSchema, streams: false },
];

export async function ollamaApiRoutes(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  for (const route of MODEL_ROUTES) {
    app.post(route.path, async (request: FastifyRequest, reply: FastifyReply) => {
      const body = parseBody(route.schema, request);
      const stream = route.streams && body.stream !== false;
      if (route.path === "/api/chat" && isHydraModel(body.model)) {
        const { messages } = body as { messages?: { role: string; content?: unknown }[] };
        return answerAsHydra(ctx.orchestrator, reply, {
          protocol: "ollama",
          messages: messages ?? [],
          stream,
        });
      }
      // /api/show accepts the older `name` field; nodes get the canonical `model`.
      const forwardRaw = body.model === (request.body as { model?: unknown }).model;
      const exchange = await Exchange.open(
        ctx,
        {
          route: route.path,
          path: route.path,
          model: body.model,
          body: forwardRaw ? undefined : body,
          rawBody: forwardRaw ? request.rawBody : undefined,
        },
        reply,
      );
      return respondNative(exchange, reply, stream);
    });
  }

  // Listings answer for the whole cluster, so they wait for the first inventory of every node.
  app.addHook("onRequest", async (request) => {
    if (request.method === "GET") await ctx.pool.whenReady();
  });
  app.get("/api/tags", async () => ({ models: ctx.pool.installedModels() }));
  app.get("/api/ps", async () => ({ models: ctx.pool.loadedModels() }));
  app.get("/api/version", async () => ({
    version: lowestVersion(ctx.pool.nodes.filter((n) => n.healthy).map((n) => n.version)),
  }));
}

/** The cluster can only promise what its oldest node supports. */
export function lowestVersion(versions: readonly (string | undefined)[]): string {
  const known = versions.filter((v): v is string => typeof v === "string" && v !== "");
  if (known.length === 0) return "0.0.0";
  return known.reduce((lowest, version) => (compareVersions(version, lowest) < 0 ? version : lowest));
}

export function compareVersions(a: string, b: string): number {
  const parts = (v: string) =>
    v
      .replace(/^v/, "")
      .split(/[.-]/)
      .map((p) => Number.parseInt(p, 10) || 0);
  const [pa, pb] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
