/**
 * Relays a node's NDJSON generation stream to the client, chunk by chunk with
 * backpressure, through an encoder that decides the wire format (Ollama NDJSON
 * as-is, or OpenAI SSE). Along the way it watches for the first token, the final
 * `done` object and in-band errors. A stream that breaks, carries a malformed
 * line, or ends without its `done` object ends with an explicit error — never a
 * silent truncation presented as success.
 */
import { Readable } from "node:stream";
import type { GenerationStats } from "../../protocol/ollama/types.js";
import type { Exchange } from "../exchange.js";

/** How the client receives each upstream line, an in-band error, and the end of a complete stream. */
export interface StreamEncoder {
  /** `parse` returns the line's JSON value (parsed once, on demand); it throws on a malformed line. */
  line(text: string, parse: () => Record<string, unknown>): string;
  error(message: string): string;
  end(): string;
}

/** Status recorded for a stream that failed after it had started (bad gateway). */
export const BROKEN_STREAM_STATUS = 502;

/** Ollama's own format: lines forwarded exactly as the node wrote them. */
export const ndjsonEncoder: StreamEncoder = {
  line: (text) => `${text}\n`,
  error: (message) => `${JSON.stringify({ error: message })}\n`,
  end: () => "",
};

type LineOutcome = "more" | "done" | "failed";

/**
 * The per-line state machine, kept free of I/O. Lines are checked cheaply
 * (object-shaped, error or final marker) and parsed in full only when something
 * needs their value: the encoder, the first-token check, the final stats, or an error.
 */
export class StreamTracker {
  stats: Partial<GenerationStats> | undefined;
  failure: string | undefined;
  #firstTokenSeen = false;
  #lastLine: string | undefined;

  constructor(
    private readonly node: string,
    private readonly encoder: StreamEncoder,
    private readonly onFirstToken: () => void,
  ) {}

  /** Encodes one complete line; `out` collects what the client receives. */
  line(text: string, out: string[]): LineOutcome {
    if (text.trim() === "") return "more";
    this.#lastLine = text;
    let value: Record<string, unknown> | undefined;
    const parse = () => {
      value ??= parseObject(text);
      return value;
    };
    try {
      if (!looksLikeObject(text)) parse();
      out.push(this.encoder.line(text, parse));
      if (text.startsWith('{"error"')) {
        const message = parse().error;
        if (typeof message === "string") return this.#fail(`node ${this.node}: ${message}`, out, false);
      }
      if (!this.#firstTokenSeen && hasGeneratedText(parse())) {
        this.#firstTokenSeen = true;
        this.onFirstToken();
      }
      // Ollama writes compact JSON, so the final object always carries this exact marker.
      if (text.includes('"done":true') && parse().done === true) {
        this.stats = parse() as Partial<GenerationStats>;
        out.push(this.encoder.end());
        return "done";
      }
      return "more";
    } catch (error) {
      return this.#fail(`node ${this.node} sent ${(error as Error).message}; the answer is incomplete`, out);
    }
  }

  /** The node's body ended: complete only if the final object arrived. */
  end(out: string[]): LineOutcome {
    // A node that writes non-compact JSON still gets its final object recognised here.
    if (this.#lastLine !== undefined && this.stats === undefined) {
      const last = safeParse(this.#lastLine);
      if (last?.done === true) {
        this.stats = last as Partial<GenerationStats>;
        out.push(this.encoder.end());
        return "done";
      }
    }
    return this.#fail(
      `node ${this.node} ended the stream before the final "done" object; the answer is incomplete`,
      out,
    );
  }

  broken(error: Error, out: string[]): LineOutcome {
    return this.#fail(`node ${this.node} broke the stream: ${error.message}; the answer is incomplete`, out);
  }

  #fail(message: string, out: string[], announce = true): LineOutcome {
    this.failure = message;
    if (announce) out.push(this.encoder.error(message));
    return "failed";
  }
}

/** A Readable the gateway hands to Fastify: pulls from the node only as fast as the client reads. */
export class RelayStream extends Readable {
  readonly #exchange: Exchange;
  readonly #tracker: StreamTracker;
  readonly #upstream: Readable;
  #pending = "";
  #finished = false;

  constructor(exchange: Exchange, encoder: StreamEncoder) {
    super();
    this.#exchange = exchange;
    this.#tracker = new StreamTracker(exchange.node.name, encoder, () => exchange.firstToken());
    this.#upstream = exchange.dispatch.response.body as unknown as Readable;
    this.#upstream.setEncoding("utf8");
    this.#upstream.on("data", (chunk: string) => this.#onData(chunk));
    this.#upstream.on("end", () => this.#onEnd());
    this.#upstream.on("error", (error: Error) => this.#onError(error));
  }

  override _read(): void {
    if (this.#upstream.isPaused()) this.#upstream.resume();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Destroyed before the end: the client went away, so stop the node's generation too.
    if (!this.#finished) {
      this.#exchange.cancel();
      this.#finish();
    }
    callback(error);
  }

  #onData(chunk: string): void {
    if (this.#finished) return;
    const text = this.#pending + chunk;
    const lastNewline = text.lastIndexOf("\n");
    if (lastNewline === -1) {
      this.#pending = text;
      return;
    }
    this.#pending = text.slice(lastNewline + 1);
    const out: string[] = [];
    let start = 0;
    while (start <= lastNewline) {
      const end = text.indexOf("\n", start);
      const outcome = this.#tracker.line(stripCr(text.slice(start, end)), out);
      start = end + 1;
      if (outcome !== "more") {
        this.#emit(out);
        this.#finish();
        return;
      }
    }
    if (!this.#emit(out)) this.#upstream.pause();
  }

  #onEnd(): void {
    if (this.#finished) return;
    const out: string[] = [];
    if (this.#pending.trim() === "" || this.#tracker.line(stripCr(this.#pending), out) === "more") {
      this.#tracker.end(out);
    }
    this.#emit(out);
    this.#finish();
  }

  #onError(error: Error): void {
    if (this.#finished) return;
    if (this.#exchange.clientGone) {
      this.#finish();
      return;
    }
    const out: string[] = [];
    this.#tracker.broken(error, out);
    this.#emit(out);
    this.#finish();
  }

  #emit(out: string[]): boolean {
    if (out.length === 0) return true;
    return this.push(out.join(""));
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    const { failure, stats } = this.#tracker;
    const complete = stats !== undefined && failure === undefined;
    this.#exchange.complete(
      complete ? 200 : BROKEN_STREAM_STATUS,
      stats,
      complete ? undefined : (failure ?? "stream ended early"),
    );
    this.#upstream.removeAllListeners("data");
    if (complete) {
      // Let the rest of the body (usually nothing) drain, so the connection stays alive for reuse.
      this.#upstream.resume();
    } else {
      this.#upstream.destroy();
    }
    this.push(null);
  }
}

function looksLikeObject(text: string): boolean {
  return text.charCodeAt(0) === 123 /* { */ && text.charCodeAt(text.length - 1) === 125 /* } */;
}

function parseObject(text: string): Record<string, unknown> {
  const value = safeParse(text);
  if (value === undefined)
    throw new Error(`a malformed chunk: ${text.length > 120 ? `${text.slice(0, 120)}…` : text}`);
  return value;
}

function safeParse(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/** True for chunks that carry model output: chat `message.content`/thinking/tool calls, or generate `response`. */
export function hasGeneratedText(value: Record<string, unknown>): boolean {
  if (typeof value.response === "string") return value.response !== "";
  const message = value.message as
    | { content?: unknown; thinking?: unknown; tool_calls?: unknown }
    | undefined;
  if (message === undefined) return false;
  return (
    (typeof message.content === "string" && message.content !== "") ||
    (typeof message.thinking === "string" && message.thinking !== "") ||
    Array.isArray(message.tool_calls)
  );
}
