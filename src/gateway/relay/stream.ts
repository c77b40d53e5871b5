/**
 * Relays a node's NDJSON generation stream to the client, chunk by chunk with
 * backpressure, through an encoder that decides the wire format (Ollama NDJSON
 * as-is, or OpenAI SSE). Along the way it watches for the first token, the final
 * `done` object and in-band errors. A stream that breaks, carries a malformed
 * line, or ends without its `done` object ends with an explicit error — never a
 * silent truncation presented as success.
 */
import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { GenerationStats } from "../../protocol/ollama/types.js";
import type { Exchange } from "../exchange.js";

/** How the client receives each upstream line, an in-band error, and the end of a complete stream. */
export interface StreamEncoder {
  /** True when `line` returns its input unchanged (plus a newline): lines can be forwarded as raw bytes. */
  passthrough: boolean;
  /** `parse` returns the line's JSON value (parsed once, on demand); it throws on a malformed line. */
  line(text: string, parse: () => Record<string, unknown>): string;
  error(message: string): string;
  end(): string;
}

/** Status recorded for a stream that failed after it had started (bad gateway). */
export const BROKEN_STREAM_STATUS = 502;

/** Ollama's own format: lines forwarded exactly as the node wrote them. */
export const ndjsonEncoder: StreamEncoder = {
  passthrough: true,
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
  firstTokenSeen = false;
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
      if (!this.firstTokenSeen && hasGeneratedText(parse())) {
        this.firstTokenSeen = true;
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

  /**
   * The node's body ended: complete only if the final object arrived. `lastLine` is the
   * last line seen, when it did not pass through `line` (raw forwarding).
   */
  end(out: string[], lastLine = this.#lastLine): LineOutcome {
    // A node that writes non-compact JSON still gets its final object recognised here.
    if (lastLine !== undefined && this.stats === undefined) {
      const last = safeParse(lastLine);
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

const DONE_MARKER = Buffer.from('"done":true');
const ERROR_PREFIX = Buffer.from('{"error"');
const NEWLINE = 10;
const CR = 13;
const OPEN_BRACE = 123;
const CLOSE_BRACE = 125;

/**
 * Pumps a node's stream into the client's response: reads from the node only as
 * fast as the client's socket drains. With a passthrough encoder, ordinary token lines are forwarded as
 * the node's own bytes without being decoded; only lines that matter (the first
 * token, an error, the final object, anything not shaped like an object) are read.
 */
export class RelayStream {
  readonly #response: ServerResponse;
  readonly #exchange: Exchange;
  readonly #encoder: StreamEncoder;
  readonly #tracker: StreamTracker;
  readonly #upstream: Readable;
  #pending: Buffer | undefined;
  #lastRawLine: Buffer | undefined;
  #finished = false;

  constructor(exchange: Exchange, encoder: StreamEncoder, response: ServerResponse) {
    this.#response = response;
    this.#exchange = exchange;
    this.#encoder = encoder;
    this.#tracker = new StreamTracker(exchange.node.name, encoder, () => exchange.firstToken());
    this.#upstream = exchange.dispatch.response.body as unknown as Readable;
    this.#upstream.on("data", (chunk: Buffer) => this.#onData(chunk));
    this.#upstream.on("end", () => this.#onEnd());
    this.#upstream.on("error", (error: Error) => this.#onError(error));
    response.on("drain", () => this.#upstream.resume());
    response.once("close", () => {
      // Closed before the end: the client went away, so stop the node's generation too.
      if (!this.#finished) {
        this.#exchange.cancel();
        this.#finish();
      }
    });
  }

  #onData(chunk: Buffer): void {
    if (this.#finished) return;
    const data = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    const lastNewline = data.lastIndexOf(NEWLINE);
    if (lastNewline === -1) {
      this.#pending = data;
      return;
    }
    this.#pending = lastNewline + 1 < data.length ? data.subarray(lastNewline + 1) : undefined;
    const out: (string | Buffer)[] = [];
    const outcome = this.#encoder.passthrough
      ? this.#scanRaw(data, lastNewline, out)
      : this.#scanText(data, lastNewline, out);
    if (outcome !== "more") {
      this.#emit(out);
      this.#finish();
      return;
    }
    if (!this.#emit(out)) this.#upstream.pause();
  }

  /** Lines of `data` up to `lastNewline`, decoded one by one (encoders that rewrite lines). */
  #scanText(data: Buffer, lastNewline: number, out: (string | Buffer)[]): LineOutcome {
    // A newline byte never occurs inside a multi-byte UTF-8 character, so this cut is safe.
    const text = data.toString("utf8", 0, lastNewline);
    let start = 0;
    while (start <= text.length) {
      const newline = text.indexOf("\n", start);
      const end = newline === -1 ? text.length : newline;
      const outcome = this.#tracker.line(stripCr(text.slice(start, end)), out as string[]);
      if (outcome !== "more") return outcome;
      start = end + 1;
    }
    return "more";
  }

  /** Lines of `data` up to `lastNewline`, forwarded as raw runs; only lines that matter are decoded. */
  #scanRaw(data: Buffer, lastNewline: number, out: (string | Buffer)[]): LineOutcome {
    let runStart = 0;
    let start = 0;
    while (start <= lastNewline) {
      const newline = data.indexOf(NEWLINE, start);
      let end = newline;
      if (end > start && data[end - 1] === CR) end--;
      if (end > start) {
        this.#lastRawLine = data.subarray(start, end);
        if (!this.#isPlainLine(data, start, end)) {
          if (runStart < start) out.push(data.subarray(runStart, start));
          const outcome = this.#tracker.line(data.toString("utf8", start, end), out as string[]);
          if (outcome !== "more") return outcome;
          runStart = newline + 1;
        }
      }
      start = newline + 1;
    }
    if (runStart <= lastNewline) out.push(data.subarray(runStart, lastNewline + 1));
    return "more";
  }

  /** An ordinary token line: object-shaped, not an error, not the final object, after the first token. */
  #isPlainLine(data: Buffer, start: number, end: number): boolean {
    if (!this.#tracker.firstTokenSeen) return false;
    if (data[start] !== OPEN_BRACE || data[end - 1] !== CLOSE_BRACE) return false;
    if (
      data.compare(
        ERROR_PREFIX,
        0,
        ERROR_PREFIX.length,
        start,
        Math.min(end, start + ERROR_PREFIX.length),
      ) === 0
    )
      return false;
    const marker = data.indexOf(DONE_MARKER, start);
    return marker === -1 || marker >= end;
  }

  #onEnd(): void {
    if (this.#finished) return;
    const out: string[] = [];
    const rest = this.#pending?.toString("utf8") ?? "";
    if (rest.trim() === "" || this.#tracker.line(stripCr(rest), out) === "more") {
      this.#tracker.end(out, rest.trim() === "" ? this.#lastRawLine?.toString("utf8") : undefined);
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

  #emit(out: (string | Buffer)[]): boolean {
    if (out.length === 0 || this.#response.destroyed) return true;
    if (out.length === 1) return this.#response.write(out[0]);
    return this.#response.write(
      Buffer.concat(out.map((part) => (typeof part === "string" ? Buffer.from(part) : part))),
    );
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
    if (!this.#response.destroyed) this.#response.end();
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
