/**
 * Writes a streamed answer (NDJSON for /api/*, SSE for /v1/*) to the socket with backpressure,
 * and carries out a stream fault if one was drawn: cut the connection, stall, corrupt a chunk,
 * or end without the final object. Headers go out with the first chunk, as in Ollama, so a
 * failure before any output can still be an HTTP status.
 */
import { once } from "node:events";
import type { ServerResponse } from "node:http";
import type { SimCounters } from "./engine.js";
import type { StreamFault } from "./faults.js";

export interface FrameFormat {
  contentType: string;
  frame(payload: unknown): string;
  /** The payload cut off mid-object, so it no longer parses (malformed_chunk). */
  broken(payload: unknown): string;
}

function halfOf(text: string): string {
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
}

export const NDJSON_FORMAT: FrameFormat = {
  contentType: "application/x-ndjson",
  frame: (payload) => `${JSON.stringify(payload)}\n`,
  broken: (payload) => `${halfOf(JSON.stringify(payload))}\n`,
};

export const SSE_FORMAT: FrameFormat = {
  contentType: "text/event-stream",
  frame: (payload) => `data: ${JSON.stringify(payload)}\n\n`,
  broken: (payload) => `data: ${halfOf(JSON.stringify(payload))}\n\n`,
};

/** Resolves when `signal` aborts (never rejects). */
export function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));
}

/** Destroys the connection once what was written has left the process, so the cut is clean. */
export async function cutConnection(res: ServerResponse, counters: SimCounters): Promise<void> {
  counters.resets++;
  const socket = res.socket;
  if (!socket || socket.destroyed) return;
  // An empty write completes only after every earlier write has reached the kernel.
  await new Promise<void>((resolve) => {
    socket.once("close", () => resolve());
    socket.write("", () => resolve());
  });
  socket.destroy();
}

/** Holds a response open without writing until the client or the node gives up. */
export async function stall(signal: AbortSignal, counters: SimCounters): Promise<void> {
  counters.stalled++;
  try {
    await untilAborted(signal);
  } finally {
    counters.stalled--;
  }
}

export class StreamWriter {
  private sent = 0;
  private stopped = false;
  private finalPhase = false;
  private fault: StreamFault | undefined;

  constructor(
    private readonly res: ServerResponse,
    private readonly format: FrameFormat,
    fault: StreamFault | undefined,
    private readonly counters: SimCounters,
    private readonly signal: AbortSignal,
  ) {
    this.fault = fault;
  }

  /** False once a fault or a disconnect ended the stream: stop producing. */
  get open(): boolean {
    return !this.stopped && !this.res.destroyed && !this.signal.aborted;
  }

  /** Writes one payload; returns false when the stream is over. */
  async write(payload: unknown): Promise<boolean> {
    if (!this.open) return false;
    const fault = this.fault;
    if (
      fault &&
      fault.type !== "missing_done" &&
      (this.sent === fault.after_tokens || (this.finalPhase && this.sent < fault.after_tokens))
    ) {
      return this.trigger(fault, payload);
    }
    await this.send(this.format.frame(payload));
    this.sent++;
    return this.open;
  }

  /**
   * Writes the closing payloads (the done object; for SSE the finish chunk) and the trailer
   * (SSE's [DONE]), then ends the response. A stream fault that has not fired yet fires here,
   * so it always takes effect.
   */
  async finish(payloads: readonly unknown[], trailer?: string): Promise<void> {
    if (!this.open) return;
    this.finalPhase = true;
    if (this.fault?.type === "missing_done") {
      this.ensureHeaders();
      this.res.end();
      return;
    }
    for (const payload of payloads) {
      if (!(await this.write(payload))) return;
    }
    if (trailer !== undefined) await this.send(trailer);
    this.res.end();
  }

  /** An error after output started: one in-band error object, then the end of the stream. */
  async fail(payload: unknown): Promise<void> {
    if (!this.open) return;
    await this.send(this.format.frame(payload));
    this.res.end();
  }

  private async trigger(fault: StreamFault, payload: unknown): Promise<boolean> {
    switch (fault.type) {
      case "malformed_chunk":
        // The chunk is damaged, not dropped: whatever it carried is lost, the stream goes on.
        this.fault = undefined;
        await this.send(this.format.broken(payload));
        this.sent++;
        return this.open;
      case "cut_stream":
        this.stopped = true;
        this.ensureHeaders();
        this.res.flushHeaders();
        await cutConnection(this.res, this.counters);
        return false;
      case "stall":
        this.stopped = true;
        this.ensureHeaders();
        this.res.flushHeaders();
        await stall(this.signal, this.counters);
        return false;
      default:
        return this.open;
    }
  }

  private ensureHeaders(): void {
    if (this.res.headersSent) return;
    this.res.writeHead(200, { "Content-Type": this.format.contentType });
  }

  private async send(text: string): Promise<void> {
    if (!this.open) return;
    this.ensureHeaders();
    if (this.res.write(text)) return;
    // Backpressure: wait until the socket drains, or give up when it closes.
    const closed = new AbortController();
    try {
      await Promise.race([
        once(this.res, "drain", { signal: closed.signal }),
        once(this.res, "close", { signal: closed.signal }),
        once(this.signal, "abort", { signal: closed.signal }),
      ]);
    } catch {
      // once() rejects when the other branch won and we abort the listener; nothing to do.
    } finally {
      closed.abort();
    }
  }
}
