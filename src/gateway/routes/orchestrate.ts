/**
 * The orchestrator's API: `POST /v1/hydra/generate` runs a request through analysis,
 * decomposition, parallel multi-model execution and synthesis (streamed as Server-Sent Events
 * with `stream: true`); `GET /v1/hydra/runs[/:id]` shows runs with their DAG and outputs;
 * `DELETE /v1/hydra/runs/:id` cancels one.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { ShuttingDownError } from "../../errors.js";
import { SYNTHESIS_STRATEGIES } from "../../orchestrator/config.js";
import type { Orchestrator, OrchestratorEvent } from "../../orchestrator/orchestrator.js";
import { WorkflowRunNotFoundError } from "../../workflow/errors.js";
import { parseBody } from "../body.js";
import { abortWhenClientLeaves } from "../client-gone.js";

export const generateRequestSchema = z.strictObject({
  prompt: z.string({ error: 'prompt is required: {"prompt": "what you want done"}' }).min(1, {
    error: 'prompt is empty: {"prompt": "what you want done"}',
  }),
  context: z.string().optional(),
  models: z.array(z.string().min(1)).min(1).optional(),
  strategy: z.enum(SYNTHESIS_STRATEGIES).optional(),
  tests: z.array(z.string().min(1)).optional(),
  priority: z.number().int().min(1).max(10).optional(),
  /** Reuse the result of a close enough past request (default: `orchestrator.semanticCache.enabled`). */
  semanticCache: z.boolean().optional(),
  stream: z.boolean().default(false),
});

export async function orchestrateRoutes(
  app: FastifyInstance,
  options: { orchestrator: () => Promise<Orchestrator | undefined> },
): Promise<void> {
  const open = async (): Promise<Orchestrator> => {
    const orchestrator = await options.orchestrator();
    // The lazy opener only yields undefined after the gateway closed.
    if (orchestrator === undefined) throw new ShuttingDownError();
    return orchestrator;
  };

  app.post("/v1/hydra/generate", async (request, reply) => {
    const body = parseBody(generateRequestSchema, request);
    const orchestrator = await open();
    const abort = abortWhenClientLeaves(reply);
    const { stream, ...task } = body;
    if (!stream) return orchestrator.run(task, { signal: abort.signal });
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      "x-accel-buffering": "no",
      "x-request-id": request.id,
    });
    const send = (event: string, data: unknown) => {
      if (!raw.destroyed) raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    try {
      const result = await orchestrator.run(task, {
        signal: abort.signal,
        onEvent: (event: OrchestratorEvent) =>
          event.type === "workflow" ? send(event.event.type, event.event) : send(event.type, event),
      });
      send("result", result);
    } catch (error) {
      // The stream has started: the failure is told in it, never a silent end.
      send("error", { error: (error as Error).message });
    }
    raw.end();
  });

  app.get<{ Querystring: { limit?: string } }>("/v1/hydra/runs", async (request) => {
    const limit = Number(request.query.limit ?? 100);
    return { runs: await (await open()).engine.list({ limit: Number.isFinite(limit) ? limit : 100 }) };
  });

  app.get<{ Params: { id: string } }>("/v1/hydra/runs/:id", async (request) => {
    const run = await (await open()).engine.get(request.params.id);
    if (run === undefined) throw new WorkflowRunNotFoundError(request.params.id);
    return run;
  });

  app.delete<{ Params: { id: string } }>("/v1/hydra/runs/:id", async (request) => {
    const cancelled = await (await open()).engine.cancel(request.params.id);
    return { id: request.params.id, cancelled };
  });
}
