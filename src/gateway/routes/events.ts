/**
 * `GET /v1/hydra/events`: the live event stream as Server-Sent Events. Any EventSource,
 * `curl -N`, or the dashboard can follow routing decisions, requests and node changes as
 * they happen. `?types=route.decision,node.health` narrows it; a reconnecting client's
 * `Last-Event-ID` (or `?after=`) replays what it missed from the recent history; `?rate=N`
 * samples the per-request types to at most N a second each (what a dashboard needs of a busy
 * gateway). Events are written in batches (events/batched-writer.ts).
 */
import type { ServerResponse } from "node:http";
import type { FastifyInstance } from "fastify";
import { BadRequestError } from "../../errors.js";
import { BatchedWriter } from "../events/batched-writer.js";
import type { EventBus } from "../events/bus.js";
import { EventSampler } from "../events/sampler.js";
import { EVENT_TYPES, type HydraEvent, type HydraEventType } from "../events/types.js";

/** A comment line now and then keeps proxies and load balancers from closing an idle stream. */
const KEEPALIVE_MS = 15_000;
/**
 * A subscriber this far behind is not reading: it is cut off (its EventSource reconnects with
 * Last-Event-ID) rather than letting the gateway buffer events for it without bound.
 */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

export async function eventRoutes(app: FastifyInstance, bus: EventBus): Promise<void> {
  const open = new Set<ServerResponse>();
  const writer = new BatchedWriter();
  // Streams never end by themselves: end them, or the server's close would wait for them forever.
  app.addHook("preClose", async () => {
    writer.flushAll();
    for (const stream of open) stream.end();
  });

  app.get<{ Querystring: { types?: string; after?: string; rate?: string } }>(
    "/v1/hydra/events",
    (request, reply) => {
      const types = parseTypes(request.query.types);
      const rate = parseRate(request.query.rate);
      const lastId = request.headers["last-event-id"] ?? request.query.after;
      const afterSeq = parseAfter(typeof lastId === "string" ? lastId : undefined);
      reply.hijack();
      const stream = reply.raw;
      stream.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        // nginx would otherwise hold events back in its buffer.
        "x-accel-buffering": "no",
      });
      stream.write(`retry: 1000\n: hydra events${types ? ` (${[...types].join(",")})` : ""}\n\n`);
      open.add(stream);
      const client = writer.client(stream, {
        maxBufferedBytes: MAX_BUFFERED_BYTES,
        onStalled: () => {
          request.log.warn("event-stream subscriber is not reading; disconnecting it");
          stream.destroy();
        },
      });
      // Replayed events (up to the latest one now) all go: a reconnecting client misses nothing.
      const replayedUpTo = bus.latestSeq;
      const sampler = rate === undefined ? undefined : new EventSampler(rate);
      const deliver =
        sampler === undefined
          ? (event: HydraEvent) => client.push(formatEvent(event))
          : (event: HydraEvent) => {
              if (event.seq > replayedUpTo && !sampler.admit(event)) return;
              const leftOut = sampler.takeLeftOut();
              if (leftOut > 0) client.push(`: sampled: ${leftOut} per-request event(s) left out\n\n`);
              client.push(formatEvent(event));
            };
      const unsubscribe = bus.subscribe(deliver, {
        ...(types ? { types } : {}),
        ...(afterSeq === undefined ? {} : { afterSeq }),
      });
      const keepalive = setInterval(() => stream.write(": keep-alive\n\n"), KEEPALIVE_MS);
      keepalive.unref();
      stream.once("close", () => {
        clearInterval(keepalive);
        unsubscribe();
        client.drop();
        open.delete(stream);
      });
    },
  );

  // The recent events as plain JSON, for scripts that poll instead of streaming.
  app.get<{ Querystring: { types?: string } }>("/v1/hydra/events/recent", async (request) => {
    const types = parseTypes(request.query.types);
    return { events: bus.recent().filter((event) => types === undefined || types.has(event.type)) };
  });
}

/**
 * Every subscriber gets the same text for an event, and the bus hands one event to all of them
 * in a row: remembering the last one formats it once, not once per subscriber.
 */
let lastFormatted: { event: HydraEvent; text: string } | undefined;

export function formatEvent(event: HydraEvent): string {
  if (lastFormatted?.event === event) return lastFormatted.text;
  const text = `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify({ at: event.at, ...event.data })}\n\n`;
  lastFormatted = { event, text };
  return text;
}

function parseTypes(value: string | undefined): ReadonlySet<HydraEventType> | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const known = new Set<string>(EVENT_TYPES);
  const requested = value.split(",").map((type) => type.trim());
  const unknown = requested.filter((type) => !known.has(type));
  if (unknown.length > 0) {
    throw new BadRequestError(
      `unknown event type(s) ${unknown.join(", ")}: use any of ${EVENT_TYPES.join(", ")}`,
    );
  }
  return new Set(requested as HydraEventType[]);
}

/** At most this many per-request events per second of each type (`?rate=`). */
const MAX_RATE = 10_000;

function parseRate(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const rate = Number(value);
  if (!Number.isInteger(rate) || rate < 1 || rate > MAX_RATE) {
    throw new BadRequestError(
      `rate must be a whole number of events per second from 1 to ${MAX_RATE} (per-request types are sampled to it), got "${value}"`,
    );
  }
  return rate;
}

function parseAfter(value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const seq = Number(value);
  if (!Number.isInteger(seq) || seq < 0) {
    throw new BadRequestError(`Last-Event-ID / after must be an event id (a whole number), got "${value}"`);
  }
  return seq;
}
