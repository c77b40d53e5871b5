/**
 * The dashboard's one connection to `GET /v1/hydra/events`: read with fetch() (so it carries the
 * API key), parsed with SseParser, handed to subscribers by event type. It reconnects with
 * back-off and Last-Event-ID, so no event is missed across a gateway restart or a network blip.
 * The first connection asks for the kept history (after=0) so lists start filled.
 */

import { DASHBOARD_EVENT_QUERY } from "../../event-query.js";
import { apiKey } from "../state/credentials.js";
import { Store } from "../state/store.js";
import { reconnectDelayMs } from "./backoff.js";
import { authHeaders } from "./http.js";
import { SseParser } from "./sse-parser.js";
import type { HydraEvent, HydraEventMap, HydraEventType } from "./types.js";

export type StreamState = "connecting" | "open" | "reconnecting" | "unauthorized";

export const streamState = new Store<StreamState>("connecting");

type Listener = (event: HydraEvent) => void;
const listeners = new Map<HydraEventType | "*", Set<Listener>>();

/** Calls `listener` for each event of the given types ("*" for all); returns the unsubscribe function. */
export function onEvents(types: readonly (HydraEventType | "*")[], listener: Listener): () => void {
  for (const type of types) {
    const set = listeners.get(type) ?? new Set<Listener>();
    listeners.set(type, set);
    set.add(listener);
  }
  return () => {
    for (const type of types) listeners.get(type)?.delete(listener);
  };
}

function deliver(event: HydraEvent): void {
  for (const listener of listeners.get(event.type) ?? []) listener(event);
  for (const listener of listeners.get("*") ?? []) listener(event);
}

let lastEventId = "0";
let started = false;

export function startEventStream(): void {
  if (started) return;
  started = true;
  let wake: (() => void) | undefined;
  // A new API key ends a wait (after a 401, or a back-off) at once.
  apiKey.subscribe(() => wake?.());
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  void (async () => {
    for (let attempt = 0; ; ) {
      const outcome = await readOnce(() => {
        attempt = 0;
      });
      if (outcome === "unauthorized") {
        streamState.set("unauthorized");
        await sleep(30_000);
        continue;
      }
      attempt++;
      streamState.set("reconnecting");
      await sleep(reconnectDelayMs(attempt));
    }
  })();
}

/** One connection, until it ends or fails. */
async function readOnce(onOpen: () => void): Promise<"ended" | "unauthorized"> {
  if (streamState.get() !== "reconnecting") streamState.set("connecting");
  const parser = new SseParser();
  try {
    const response = await fetch(
      `/v1/hydra/events?${DASHBOARD_EVENT_QUERY}&after=${encodeURIComponent(lastEventId)}`,
      {
        headers: { ...authHeaders(), accept: "text/event-stream", "last-event-id": lastEventId },
        cache: "no-store",
      },
    );
    if (response.status === 401) return "unauthorized";
    if (!response.ok || response.body === null) return "ended";
    streamState.set("open");
    onOpen();
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return "ended";
      for (const message of parser.push(value)) {
        if (message.id !== undefined) lastEventId = message.id;
        const event = toEvent(message.id, message.event, message.data);
        if (event !== undefined) deliver(event);
      }
    }
  } catch {
    return "ended";
  }
}

/** The SSE message back as a HydraEvent: `id` is the seq, `data` holds `at` and the event's fields. */
function toEvent(id: string | undefined, type: string, data: string): HydraEvent | undefined {
  try {
    const { at, ...rest } = JSON.parse(data) as { at: number } & Record<string, unknown>;
    return {
      seq: Number(id ?? 0),
      type: type as HydraEventType,
      at,
      data: rest as unknown as HydraEventMap[HydraEventType],
    };
  } catch {
    return undefined;
  }
}
