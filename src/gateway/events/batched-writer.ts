/**
 * Writes events to many event-stream clients in batches: events are queued per client and
 * written together every 100 ms (sooner once 64 KB are queued), one write per client per batch,
 * and a flush to many clients is spread over several turns of the event loop. A busy gateway
 * publishes thousands of events a second; written one by one, each would cost every subscriber
 * a system call, and fifty open dashboards would slow every request. An event a tenth of a
 * second late is invisible on a dashboard.
 */
import type { ServerResponse } from "node:http";

/** How long an event may wait for its batch. */
export const BATCH_MS = 100;
/** Queued bytes (over all clients) that start a flush at once rather than at the batch's end. */
export const FLUSH_BYTES = 64 * 1024;
/**
 * Clients written per turn of the event loop: a flush to many clients is spread over several
 * turns, so requests that arrive meanwhile are not held up behind fifty socket writes.
 */
export const CLIENTS_PER_TURN = 4;

interface Client {
  stream: ServerResponse;
  pending: string[];
  /** Called instead of writing when the client has this much unread (it is not reading). */
  maxBufferedBytes: number;
  onStalled: () => void;
}

export class BatchedWriter {
  readonly #waiting = new Set<Client>();
  /** The batch's timer, while events wait for it. */
  #timer: NodeJS.Timeout | undefined;
  /** The next turn of a flush spread over several. */
  #continuation: NodeJS.Immediate | undefined;
  #pendingBytes = 0;

  /** A client to write to; `push` queues text, `flush` writes what is queued now. */
  client(stream: ServerResponse, options: { maxBufferedBytes: number; onStalled: () => void }) {
    const client: Client = { stream, pending: [], ...options };
    return {
      push: (text: string) => {
        client.pending.push(text);
        this.#waiting.add(client);
        this.#pendingBytes += text.length;
        if (this.#continuation !== undefined) return;
        if (this.#pendingBytes >= FLUSH_BYTES) {
          // A busy stream: write now (spread over turns) rather than let a large burst build up.
          clearTimeout(this.#timer);
          this.#timer = undefined;
          this.#continuation = setImmediate(() => this.flush());
        } else this.#timer ??= setTimeout(() => this.flush(), BATCH_MS);
      },
      /** Forget what is queued (the client is gone). */
      drop: () => {
        for (const text of client.pending) this.#pendingBytes -= text.length;
        client.pending = [];
        this.#waiting.delete(client);
      },
    };
  }

  /** Writes every queued batch: the first clients now, the rest over the next turns. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#continuation = undefined;
    let written = 0;
    for (const client of this.#waiting) {
      if (written === CLIENTS_PER_TURN) {
        this.#continuation = setImmediate(() => this.flush());
        return;
      }
      this.#waiting.delete(client);
      this.#write(client);
      written++;
    }
  }

  /** Writes everything queued now, in this turn (the server is closing). */
  flushAll(): void {
    clearTimeout(this.#timer);
    clearImmediate(this.#continuation);
    this.#timer = undefined;
    this.#continuation = undefined;
    for (const client of this.#waiting) this.#write(client);
    this.#waiting.clear();
  }

  #write(client: Client): void {
    const { stream } = client;
    const text = client.pending.length === 1 ? (client.pending[0] as string) : client.pending.join("");
    client.pending = [];
    this.#pendingBytes = Math.max(0, this.#pendingBytes - text.length);
    if (stream.destroyed) return;
    if (stream.writableLength > client.maxBufferedBytes) client.onStalled();
    else stream.write(text);
  }
}
