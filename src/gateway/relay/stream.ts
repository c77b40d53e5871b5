/**
 * Relays a node's NDJSON generation stream to the client through an encoder that
 * decides the wire format (Ollama NDJSON as-is, or OpenAI SSE). The relay watches
 * for the first token, the final `done` object and in-band errors. A stream that
 * breaks, or ends without its `done` object, ends with an explicit error — never a
 * silent truncation presented as success.
 */
import type { GenerationStats } from "../../protocol/ollama/types.js";
import type { Exchange } from "../exchange.js";
import { readNdjson } from "./ndjson.js";

/** How the client receives each upstream line, an in-band error, and the end of a complete stream. */
export interface StreamEncoder {
  line(text: string, value: Record<string, unknown>): string;
  error(message: string): string;
  end(): string;
}

/** Status recorded for a stream that failed after it had started (bad gateway). */
export const BROKEN_STREAM_STATUS = 502;

export async function* relayStream(exchange: Exchange, encoder: StreamEncoder): AsyncGenerator<string> {
  let done = false;
  let failure: string | undefined;
  let stats: Partial<GenerationStats> | undefined;
  try {
    for await (const batch of readNdjson(exchange.dispatch.response.body)) {
      let out = "";
      for (const { text, value } of batch) {
        out += encoder.line(text, value);
        if (typeof value.error === "string") {
          failure = `node ${exchange.node.name}: ${value.error}`;
          break;
        }
        if (hasGeneratedText(value)) exchange.firstToken();
        if (value.done === true) {
          done = true;
          stats = value as Partial<GenerationStats>;
          break;
        }
      }
      yield out;
      if (done || failure !== undefined) break;
    }
    if (done) {
      yield encoder.end();
    } else if (failure === undefined) {
      failure = `node ${exchange.node.name} ended the stream before the final "done" object; the answer is incomplete`;
      yield encoder.error(failure);
    }
  } catch (error) {
    if (exchange.clientGone) return;
    failure = `node ${exchange.node.name} broke the stream: ${(error as Error).message}; the answer is incomplete`;
    yield encoder.error(failure);
  } finally {
    exchange.complete(failure === undefined ? 200 : BROKEN_STREAM_STATUS, stats, failure);
  }
}

/** Ollama's own format: lines forwarded exactly as the node wrote them. */
export const ndjsonEncoder: StreamEncoder = {
  line: (text) => `${text}\n`,
  error: (message) => `${JSON.stringify({ error: message })}\n`,
  end: () => "",
};

/** True for chunks that carry model output: chat `message.content`/thinking/tool calls, or generate `response`. */
export function hasGeneratedText(value: Record<string, unknown>): boolean {
  if (typeof value.response === "string") return value.response !== "";
  const message = value.message as { content?: unknown; thinking?: unknown; tool_calls?: unknown } | undefined;
  if (message === undefined) return false;
  return (
    (typeof message.content === "string" && message.content !== "") ||
    (typeof message.thinking === "string" && message.thinking !== "") ||
    Array.isArray(message.tool_calls)
  );
}
