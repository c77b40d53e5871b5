/**
 * Model management across the cluster: /api/pull, /api/delete and /api/copy act
 * on every healthy node (pull) or every node holding the model (delete, copy), or
 * on the nodes a request names in Hydra's extra `nodes` field. Pull progress is
 * streamed per node: each line carries the `node` it is about.
 */
import { Readable } from "node:stream";
import type { FastifyInstance, FastifyReply } from "fastify";
import { z } from "zod";
import { pullThroughAgent } from "../../agent/client.js";
import { BadRequestError, ModelNotFoundError, NoNodeAvailableError } from "../../errors.js";
import type { PoolNode } from "../../pool/node.js";
import { errorMessageOf } from "../../protocol/ollama/error-body.js";
import { copyRequestSchema, modelRefRequestSchema, pullRequestSchema } from "../../protocol/ollama/types.js";
import { REQUEST_ID_HEADER } from "../../telemetry/scope.js";
import { parseBody } from "../body.js";
import { abortWhenClientLeaves } from "../client-gone.js";
import type { GatewayContext } from "../exchange.js";
import { mergeAsync } from "../relay/merge.js";
import { readNdjson } from "../relay/ndjson.js";

const nodesFieldSchema = z.looseObject({ nodes: z.array(z.string()).optional() });

type PullEvent =
  | { kind: "progress"; node: string; line: Record<string, unknown> }
  | { kind: "done"; node: string; via: PullRoute; error?: string };

/** What a pull needs of the request that asked for it: when to stop, and the id nodes log it under. */
export interface PullCall {
  signal: AbortSignal;
  requestId: string;
}

/** A pull goes through the node's agent when it has a fresh one (it reports progress in heartbeats too). */
type PullRoute = "agent" | "direct";

export async function ollamaModelRoutes(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  app.post("/api/pull", async (request, reply) => {
    const body = parseBody(pullRequestSchema, request);
    const targets = chooseTargets(ctx, parseBody(nodesFieldSchema, request).nodes, (node) => node.healthy);
    if (targets.length === 0)
      throw new NoNodeAvailableError("no healthy node to pull onto; check the nodes with 'hydra nodes'");
    const abort = abortWhenClientLeaves(reply);
    if (body.stream === false) {
      const events = mergeAsync(
        targets.map((node) =>
          pullOnNode(ctx, node, body.model, { signal: abort.signal, requestId: request.id }),
        ),
      );
      const failures: string[] = [];
      for await (const event of events)
        if (event.kind === "done" && event.error) failures.push(`${event.node}: ${event.error}`);
      if (failures.length > 0)
        return reply.code(500).send({ error: `pull of ${body.model} failed on ${failures.join("; ")}` });
      return { status: "success", nodes: targets.map((node) => node.name) };
    }
    return reply
      .type("application/x-ndjson")
      .send(
        Readable.from(
          pullProgress(ctx, body.model, targets, { signal: abort.signal, requestId: request.id }),
        ),
      );
  });

  app.delete("/api/delete", async (request, reply) => {
    const body = parseBody(modelRefRequestSchema, request);
    const targets = chooseTargets(ctx, parseBody(nodesFieldSchema, request).nodes, (node) =>
      node.hasModel(body.model),
    );
    if (targets.length === 0) throw new ModelNotFoundError(body.model);
    return fanOut(ctx, reply, targets, {
      method: "DELETE",
      path: "/api/delete",
      body: { model: body.model },
    });
  });

  app.post("/api/copy", async (request, reply) => {
    const body = parseBody(copyRequestSchema, request);
    const targets = chooseTargets(ctx, parseBody(nodesFieldSchema, request).nodes, (node) =>
      node.hasModel(body.source),
    );
    if (targets.length === 0) throw new ModelNotFoundError(body.source);
    return fanOut(ctx, reply, targets, {
      method: "POST",
      path: "/api/copy",
      body: { source: body.source, destination: body.destination },
    });
  });
}

/** The named nodes (all must exist), or every node that passes `byDefault`. */
export function chooseTargets(
  ctx: GatewayContext,
  names: string[] | undefined,
  byDefault: (node: PoolNode) => boolean,
): PoolNode[] {
  if (names === undefined || names.length === 0) return ctx.pool.nodes.filter(byDefault);
  return names.map((name) => {
    const node = ctx.pool.node(name);
    if (node === undefined) {
      throw new BadRequestError(
        `unknown node "${name}"; known nodes: ${ctx.pool.nodes.map((n) => n.name).join(", ")}`,
      );
    }
    return node;
  });
}

async function* pullOnNode(
  ctx: GatewayContext,
  node: PoolNode,
  model: string,
  { signal, requestId }: PullCall,
): AsyncGenerator<PullEvent> {
  let error: string | undefined;
  let via: PullRoute = "direct";
  try {
    const agentUrl = freshAgentOf(ctx, node);
    let response =
      agentUrl === undefined ? undefined : await pullViaAgent(ctx, node, agentUrl, model, signal);
    if (response === undefined) {
      response = await ctx.pool.send(node, {
        method: "POST",
        path: "/api/pull",
        body: { model, stream: true },
        headers: { [REQUEST_ID_HEADER]: requestId },
        signal,
      });
    } else {
      via = "agent";
    }
    if (response.status !== 200) {
      error = errorMessageOf(await response.body.text()) ?? `HTTP ${response.status}`;
    } else {
      let succeeded = false;
      for await (const batch of readNdjson(response.body)) {
        for (const { value } of batch) {
          if (typeof value.error === "string") error = value.error;
          else if (value.status === "success") succeeded = true;
          else yield { kind: "progress", node: node.name, line: value };
        }
      }
      if (!succeeded && error === undefined) error = "the node ended the pull without reporting success";
    }
  } catch (caught) {
    error = (caught as Error).message;
  }
  await ctx.pool.refresh(node);
  yield { kind: "done", node: node.name, via, ...(error === undefined ? {} : { error }) };
}

/** The agent URL of the node's agent, when it has one that is reporting. */
function freshAgentOf(ctx: GatewayContext, node: PoolNode): string | undefined {
  if (ctx.config.agents.secret === undefined || node.resources === undefined || node.resources.stale)
    return undefined;
  return ctx.agents.byOllamaUrl(node.url)?.status.agentUrl;
}

/** Starts the pull through the agent; undefined when the agent cannot be reached (pull directly then). */
async function pullViaAgent(
  ctx: GatewayContext,
  node: PoolNode,
  agentUrl: string,
  model: string,
  signal: AbortSignal,
): Promise<{ status: number; body: AsyncIterable<Uint8Array> & { text(): Promise<string> } } | undefined> {
  try {
    const response = await pullThroughAgent({
      agentUrl,
      secret: ctx.config.agents.secret as string,
      pull: { model },
      signal,
    });
    return { status: response.statusCode, body: response.body };
  } catch (error) {
    if (signal.aborted) throw error;
    ctx.log.warn(
      { node: node.name, agentUrl, err: error },
      "agent unreachable for a pull; pulling from Ollama directly",
    );
    return undefined;
  }
}

/**
 * Pulls `model` onto every target at once, as NDJSON lines: Ollama's progress lines with the
 * node's name added, one success or failure line per node, then a summary (an `error` line when
 * any node failed).
 */
export async function* pullProgress(
  ctx: GatewayContext,
  model: string,
  targets: PoolNode[],
  call: PullCall,
): AsyncGenerator<string> {
  const failures: string[] = [];
  for await (const event of mergeAsync(targets.map((node) => pullOnNode(ctx, node, model, call)))) {
    if (event.kind === "progress") {
      yield `${JSON.stringify({ ...event.line, node: event.node })}\n`;
    } else if (event.error !== undefined) {
      failures.push(`${event.node}: ${event.error}`);
      yield `${JSON.stringify({ status: `failed: ${event.error}`, node: event.node })}\n`;
    } else {
      yield `${JSON.stringify({ status: "success", node: event.node, via: event.via })}\n`;
    }
  }
  if (failures.length > 0) {
    yield `${JSON.stringify({ error: `pull of ${model} failed on ${failures.join("; ")}` })}\n`;
  } else {
    yield `${JSON.stringify({ status: "success", nodes: targets.map((node) => node.name) })}\n`;
  }
}

/** Sends one request to each target node; all must succeed. Inventories are re-read afterwards. */
async function fanOut(
  ctx: GatewayContext,
  reply: FastifyReply,
  targets: PoolNode[],
  request: { method: "POST" | "DELETE"; path: string; body: unknown },
): Promise<FastifyReply> {
  const results = await Promise.all(
    targets.map(async (node) => {
      try {
        const response = await ctx.pool.send(node, {
          ...request,
          headers: { [REQUEST_ID_HEADER]: reply.request.id },
        });
        const text = await response.body.text();
        return {
          node: node.name,
          status: response.status,
          error: response.status === 200 ? undefined : errorMessageOf(text),
        };
      } catch (error) {
        return { node: node.name, status: 502, error: (error as Error).message };
      } finally {
        await ctx.pool.refresh(node);
      }
    }),
  );
  const failed = results.filter((result) => result.status !== 200);
  if (failed.length === 0) return reply.send({ status: "success", nodes: results.map((r) => r.node) });
  const status = failed.every((r) => r.status === 404) ? 404 : (failed[0]?.status ?? 500);
  return reply.code(status).send({
    error: `${request.path} failed on ${failed.map((r) => `${r.node}: ${r.error ?? `HTTP ${r.status}`}`).join("; ")}`,
  });
}
