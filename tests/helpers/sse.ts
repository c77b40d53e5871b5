/**
 * Reads Server-Sent Events in tests, the way a client of `GET /v1/hydra/events` does.
 */
export interface SseEvent {
  id: string;
  event: string;
  data: Record<string, unknown>;
}

/** The events of a response body as they arrive; stops reading when the caller stops iterating. */
export async function* sseEvents(response: Response): AsyncGenerator<SseEvent> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end = buffer.indexOf("\n\n");
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = new Map<string, string>();
        for (const line of block.split("\n")) {
          if (line.startsWith(":") || !line.includes(":")) continue;
          const at = line.indexOf(":");
          fields.set(line.slice(0, at), line.slice(at + 1).trimStart());
        }
        const data = fields.get("data");
        if (data !== undefined)
          yield { id: fields.get("id") ?? "", event: fields.get("event") ?? "", data: JSON.parse(data) };
        end = buffer.indexOf("\n\n");
      }
    }
  } finally {
    await reader.cancel();
  }
}

/** Reads events until `count` have arrived (or the stream ends). */
export async function readEvents(response: Response, count: number): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  if (count <= 0) return events;
  for await (const event of sseEvents(response)) {
    events.push(event);
    if (events.length >= count) break;
  }
  return events;
}

/** Reads events until one matches; returns every event read, the match last. */
export async function readUntil(
  response: Response,
  match: (event: SseEvent) => boolean,
): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const event of sseEvents(response)) {
    events.push(event);
    if (match(event)) return events;
  }
  throw new Error(`the event stream ended before a matching event; read: ${JSON.stringify(events)}`);
}
