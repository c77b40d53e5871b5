/**
 * The sim's own control surface, never faulted: /_sim/faults to inspect and change faults at
 * run time, /_sim/state to see slots, queue, VRAM and loaded models.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { formatConfigIssues } from "../validation/zod-issues.js";
import { SimApiError } from "./api-error.js";
import type { SimEngine } from "./engine.js";
import { type Fault, faultListSchema } from "./faults.js";
import { sendJson } from "./http-shared.js";
import { readJsonBody } from "./request-body.js";

/** The body of PUT/POST /_sim/faults: a list of faults, or `{ "faults": [...] }`, or one fault. */
export function parseFaultBody(raw: unknown): Fault[] {
  const body = readJsonBody(raw);
  const list = Array.isArray(body)
    ? body
    : typeof body === "object" && body !== null && "faults" in body
      ? (body as { faults: unknown }).faults
      : [body];
  const result = faultListSchema.safeParse(list);
  if (!result.success) {
    throw new SimApiError(
      400,
      formatConfigIssues(result.error, list, "faults", z.array(faultListSchema.element)),
    );
  }
  return result.data;
}

export interface SimState {
  name: string;
  version: string;
  zero_latency: boolean;
  tags: string[];
  slots: { total: number; busy: number; queued: number; max_queue: number };
  vram: { total_mb: number; used_mb: number; free_mb: number };
  loaded: {
    name: string;
    status: "loading" | "ready";
    refs: number;
    size_mb: number;
    vram_mb: number;
    expires_at: string | null;
  }[];
  models: string[];
  faults: ReturnType<SimEngine["faults"]["list"]>;
  counters: SimEngine["counters"];
}

export function simState(engine: SimEngine): SimState {
  engine.sweep();
  const now = engine.clock.now();
  const wall = engine.clock.wallNow();
  const { vram, scheduler, config } = engine;
  return {
    name: config.name,
    version: config.version,
    zero_latency: config.zero_latency,
    tags: config.tags,
    slots: {
      total: scheduler.slots,
      busy: scheduler.busy,
      queued: scheduler.queued,
      max_queue: scheduler.maxQueue,
    },
    vram: { total_mb: vram.capacityMb, used_mb: vram.usedMb, free_mb: vram.capacityMb - vram.usedMb },
    loaded: vram.list().map((m) => {
      const expires = vram.expiresAt(m, now);
      return {
        name: m.name,
        status: m.status,
        refs: m.refs,
        size_mb: m.sizeMb,
        vram_mb: m.vramMb,
        expires_at: Number.isFinite(expires) ? new Date(wall + (expires - now)).toISOString() : null,
      };
    }),
    models: engine.inventory.list().map((m) => m.name),
    faults: engine.faults.list(),
    counters: { ...engine.counters },
  };
}

export function registerControlRoutes(app: FastifyInstance, engine: SimEngine): void {
  app.get("/_sim/state", async (_request, reply) => sendJson(reply, 200, simState(engine)));

  app.get("/_sim/faults", async (_request, reply) => sendJson(reply, 200, { faults: engine.faults.list() }));

  app.put("/_sim/faults", async (request, reply) => {
    const faults = parseFaultBody(request.body);
    return sendJson(reply, 200, { faults: engine.faults.replace(faults) });
  });

  app.post("/_sim/faults", async (request, reply) => {
    for (const fault of parseFaultBody(request.body)) engine.faults.add(fault);
    return sendJson(reply, 200, { faults: engine.faults.list() });
  });

  app.delete("/_sim/faults", async (_request, reply) => {
    engine.faults.clear();
    return sendJson(reply, 200, { faults: [] });
  });

  app.delete<{ Params: { id: string } }>("/_sim/faults/:id", async (request, reply) => {
    if (!engine.faults.remove(request.params.id))
      throw new SimApiError(404, `no fault with id "${request.params.id}"`);
    return sendJson(reply, 200, { faults: engine.faults.list() });
  });
}
