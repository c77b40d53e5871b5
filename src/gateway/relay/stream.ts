/**
 * Relays a node's NDJSON generation stream to the client, chunk by chunk with
 * backpressure, through an encoder that decides the wire format (Ollama NDJSON
 * as-is, or OpenAI SSE). Along the way it watches for the first token, the final
 * `done` object and in-band errors. When a node breaks the stream after part of
 * the answer was sent (cut, stall, malformed chunk, in-band error, no final
 * object), the answer continues on another node from where it stopped and the
 * client sees one seamless answer; when it cannot continue, the stream ends with
 * an explicit error — never a silent truncation presented as success.
 */
import type { ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import type { GenerationStats } from "../../protocol/ollama/types.js";
import type { Exchange } from "../exchange.js";
import { continuationBody, type SentSoFar, sentSoFar, spliceFinal } from "./continuation.js";

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
 * needs their value: the encoder, the first-token check, the final stats, or an
 * error. A failing line is not passed on: the relay decides what the client sees.
 */
export class StreamTracker {
  stats: Partial<GenerationStats> | undefined;
  failure: string | undefined;
  firstTokenSeen = false;
  /** Rewrites the final object before it is sent (a continued answer reports whole-answer totals). */
  rewriteFinal: ((value: Record<string, unknown>) => Record<string, unknown>) | undefined;
  #lastLine: string | undefined;

  constructor(
    private readonly node: () => string,
    private readonly encoder: StreamEncoder,
    private readonly onFirstToken: () => void,
  ) {}

  /** Encodes one complete line into `out`. */
  line(text: string, out: (string | Buffer)[]): LineOutcome {
    if (text.trim() === "") return "more";
    this.#lastLine = text;
    let value: Record<string, unknown> | undefined;
    const parse = () => {
      value ??= parseObject(text);
      return value;
    };
    try {
      if (!looksLikeObject(text)) parse();
      if (text.startsWith('{"error"')) {
        const message = parse().error;
        if (typeof message === "string") return this.fail(`node ${this.node()} reported: ${message}`);
      }
      // Ollama writes compact JSON, so the final object always carries this exact marker.
      if (text.includes('"done":true') && parse().done === true) return this.#final(parse(), text, out);
      if (!this.firstTokenSeen && hasGeneratedText(parse())) {
        this.firstTokenSeen = true;
        this.onFirstToken();
      }
      out.push(this.encoder.line(text, parse));
      return "more";
    } catch (error) {
      return this.fail(`node ${this.node()} sent ${(error as Error).message}`);
    }
  }

  /**
   * The node's body ended: complete only if the final object arrived. `lastLine` is the
   * last line seen, when it did not pass through `line` (raw forwarding).
   */
  end(out: (string | Buffer)[], lastLine = this.#lastLine): LineOutcome {
    // A node that writes non-compact JSON still gets its final object recognised here.
    if (lastLine !== undefined && this.stats === undefined) {
      const last = safeParse(lastLine);
      if (last?.done === true) {
        // Already forwarded as an ordinary line; only the end of the stream is missing.
        this.stats = last as Partial<GenerationStats>;
        out.push(this.encoder.end());
        return "done";
      }
    }
    return this.fail(`node ${this.node()} ended the stream before the final "done" object`);
  }

  broken(error: Error): LineOutcome {
    return this.fail(`node ${this.node()} broke the stream: ${error.message}`);
  }

  fail(message: string): LineOutcome {
    this.failure = message;
    return "failed";
  }

  /** Starts a new leg (after a continuation): the failure of the last leg is behind us. */
  resetLeg(): void {
    this.failure = undefined;
    this.#lastLine = undefined;
  }

  #final(value: Record<string, unknown>, text: string, out: (string | Buffer)[]): LineOutcome {
    const final = this.rewriteFinal ? this.rewriteFinal(value) : value;
    const finalText = final === value ? text : JSON.stringify(final);
    this.stats = final as Partial<GenerationStats>;
    out.push(this.encoder.line(finalText, () => final));
    out.push(this.encoder.end());
    return "done";
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
 * fast as the client's socket drains. With a passthrough encoder, ordinary token
 * lines are forwarded as the node's own bytes without being decoded; only lines
 * that matter (the first token, an error, the final object, anything not shaped
 * like an object) are read.
 */
export class RelayStream {
  readonly #response: ServerResponse;
  readonly #exchange: Exchange;
  readonly #encoder: StreamEncoder;
  readonly #tracker: StreamTracker;
  readonly #continuable: boolean;
  #upstream: Readable;
  #pending: Buffer | undefined;
  #lastRawLine: Buffer | undefined;
  /** The upstream lines already passed to the client, to know where a continuation must start. */
  readonly #forwarded: Buffer[] = [];
  #recovering = false;
  #finished = false;

  constructor(exchange: Exchange, encoder: StreamEncoder, response: ServerResponse, continuable = true) {
    this.#response = response;
    this.#exchange = exchange;
    this.#encoder = encoder;
    this.#continuable = continuable;
    this.#tracker = new StreamTracker(
      () => exchange.node.name,
      encoder,
      () => exchange.firstToken(),
    );
    this.#upstream = this.#attach();
    response.on("drain", () => this.#upstream.resume());
    response.once("close", () => {
      // Closed before the end: the client went away, so stop the node's generation too.
      if (!this.#finished) {
        this.#exchange.cancel();
        this.#finish();
      }
    });
  }

  #attach(): Readable {
    const upstream = this.#exchange.dispatch.response.body as unknown as Readable;
    upstream.on("data", (chunk: Buffer) => this.#onData(chunk));
    upstream.on("end", () => this.#onEnd());
    upstream.on("error", (error: Error) => this.#onError(error));
    return upstream;
  }

  #detach(): void {
    this.#upstream.removeAllListeners("data");
    this.#upstream.removeAllListeners("end");
    this.#upstream.removeAllListeners("error");
    this.#upstream.on("error", () => {});
    this.#upstream.destroy();
  }

  #onData(chunk: Buffer): void {
    if (this.#finished || this.#recovering) return;
    const data = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    const lastNewline = data.lastIndexOf(NEWLINE);
    if (lastNewline === -1) {
      this.#pending = data;
      return;
    }
    this.#pending = lastNewline + 1 < data.length ? data.subarray(lastNewline + 1) : undefined;
    const out: (string | Buffer)[] = [];
    const { outcome, consumed } = this.#encoder.passthrough
      ? this.#scanRaw(data, lastNewline, out)
      : this.#scanText(data, lastNewline, out);
    this.#forwarded.push(data.subarray(0, consumed));
    this.#settle(outcome, out);
  }

  /** Lines of `data` up to `lastNewline`, decoded one by one (encoders that rewrite lines). */
  #scanText(
    data: Buffer,
    lastNewline: number,
    out: (string | Buffer)[],
  ): { outcome: LineOutcome; consumed: number } {
    let start = 0;
    while (start <= lastNewline) {
      const newline = data.indexOf(NEWLINE, start);
      const outcome = this.#tracker.line(stripCr(data.toString("utf8", start, newline)), out);
      if (outcome !== "more") return { outcome, consumed: outcome === "done" ? newline + 1 : start };
      start = newline + 1;
    }
    return { outcome: "more", consumed: lastNewline + 1 };
  }

  /** Lines of `data` up to `lastNewline`, forwarded as raw runs; only lines that matter are decoded. */
  #scanRaw(
    data: Buffer,
    lastNewline: number,
    out: (string | Buffer)[],
  ): { outcome: LineOutcome; consumed: number } {
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
          const outcome = this.#tracker.line(data.toString("utf8", start, end), out);
          if (outcome !== "more") return { outcome, consumed: outcome === "done" ? newline + 1 : start };
          runStart = newline + 1;
        }
      }
      start = newline + 1;
    }
    if (runStart <= lastNewline) out.push(data.subarray(runStart, lastNewline + 1));
    return { outcome: "more", consumed: lastNewline + 1 };
  }

  /** An ordinary token line: object-shaped, not an error, not the final object, after the first token. */
  #isPlainLine(data: Buffer, start: number, end: number): boolean {
    if (!this.#tracker.firstTokenSeen) return false;
    if (data[start] !== OPEN_BRACE || data[end - 1] !== CLOSE_BRACE) return false;
    const prefixEnd = Math.min(end, start + ERROR_PREFIX.length);
    if (data.compare(ERROR_PREFIX, 0, ERROR_PREFIX.length, start, prefixEnd) === 0) return false;
    const marker = data.indexOf(DONE_MARKER, start);
    return marker === -1 || marker >= end;
  }

  #onEnd(): void {
    if (this.#finished || this.#recovering) return;
    const out: (string | Buffer)[] = [];
    const rest = this.#pending?.toString("utf8") ?? "";
    this.#pending = undefined;
    let outcome = rest.trim() === "" ? "more" : this.#tracker.line(stripCr(rest), out);
    if (outcome === "more")
      outcome = this.#tracker.end(out, rest.trim() === "" ? this.#lastRawLine?.toString("utf8") : undefined);
    this.#settle(outcome, out);
  }

  #onError(error: Error): void {
    if (this.#finished || this.#recovering) return;
    const stopped = this.#exchange.stopReason;
    if (stopped !== undefined) {
      this.#giveUp(`${stopped}; the answer is incomplete`);
      return;
    }
    if (this.#exchange.clientGone) {
      this.#finish();
      return;
    }
    this.#settle(this.#tracker.broken(error), []);
  }

  #settle(outcome: LineOutcome, out: (string | Buffer)[]): void {
    const writable = this.#emit(out);
    if (outcome === "done") this.#finish();
    else if (outcome === "failed") void this.#recover();
    else if (!writable) this.#upstream.pause();
  }

  /** Continues the answer on another node, or ends the stream with an explicit error. */
  async #recover(): Promise<void> {
    const reason = this.#tracker.failure ?? "the stream broke";
    this.#recovering = true;
    this.#detach();
    const sent = sentSoFar(Buffer.concat(this.#forwarded).toString("utf8"));
    const body = this.#continuable
      ? continuationBody(this.#exchange.path, this.#exchange.upstreamBody(), sent)
      : undefined;
    if (body === undefined || this.#exchange.clientGone || this.#exchange.stopReason !== undefined) {
      this.#giveUp(`${reason}; the answer is incomplete`);
      return;
    }
    try {
      await this.#exchange.continueElsewhere(body, reason);
    } catch (error) {
      this.#giveUp(
        `${reason}; it could not be continued on another node (${(error as Error).message}); the answer is incomplete`,
      );
      return;
    }
    if (this.#finished) return;
    this.#continueWith(sent);
  }

  #continueWith(sent: SentSoFar): void {
    const startedAtMs = this.#exchange.elapsedMs;
    this.#tracker.rewriteFinal = (final) => spliceFinal(final, sent, this.#exchange.elapsedMs, startedAtMs);
    this.#tracker.resetLeg();
    this.#pending = undefined;
    this.#lastRawLine = undefined;
    this.#recovering = false;
    this.#upstream = this.#attach();
  }

  #giveUp(message: string): void {
    this.#tracker.fail(message);
    this.#emit([this.#encoder.error(message)]);
    this.#finish();
  }

  #emit(out: (string | Buffer)[]): boolean {
    if (out.length === 0 || this.#response.destroyed) return true;
    if (out.length === 1) return this.#response.write(out[0] as string | Buffer);
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
    if (!this.#recovering) {
      this.#upstream.removeAllListeners("data");
      // Let the rest of a complete body (usually nothing) drain, so the connection stays alive for reuse.
      if (complete) this.#upstream.resume();
      else this.#detach();
    }
    if (!this.#response.destroyed) this.#response.end();
  }
}

function looksLikeObject(text: string): boolean {
  return text.charCodeAt(0) === OPEN_BRACE && text.charCodeAt(text.length - 1) === CLOSE_BRACE;
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
