/**
 * One streaming /api/chat, timed: end-to-end latency, time to the first line that
 * carries text, the node that served it, and how it failed if it did. Never throws.
 */
import { StringDecoder } from "node:string_decoder";
import type { Dispatcher } from "undici";
import { isRecord } from "./chat-stream.js";

export interface TimedOutcome {
  index: number;
  /** When the request was sent, ms on the caller's clock. */
  sentMs: number;
  /** End-to-end latency in ms (to the end of the stream, or the failure). */
  latencyMs: number;
  /** Time to the first line with non-empty message.content, or null when none came. */
  ttftMs: number | null;
  status: number | null;
  /** The x-hydra-node header. */
  node: string | null;
  /** Null on success; otherwise why the request counts as an error. */
  failure: string | null;
}

export interface TimedChatRequest {
  index: number;
  body: string;
  headers: Record<string, string>;
  now: () => number;
  signal: AbortSignal;
}

/** What the stream said, folded line by line. */
interface StreamState {
  ttftMs: number | null;
  done: boolean;
  error: string | null;
  malformed: boolean;
}

export async function timedChat(dispatcher: Dispatcher, request: TimedChatRequest): Promise<TimedOutcome> {
  const sentMs = request.now();
  const state: StreamState = { ttftMs: null, done: false, error: null, malformed: false };
  let status: number | null = null;
  let node: string | null = null;
  let exception: string | null = null;
  try {
    const response = await dispatcher.request({
      method: "POST",
      path: "/api/chat",
      body: request.body,
      headers: { "content-type": "application/json", ...request.headers },
      signal: request.signal,
    });
    status = response.statusCode;
    const header = response.headers["x-hydra-node"];
    node = typeof header === "string" ? header : null;
    await readStream(response.body, state, () => request.now() - sentMs);
  } catch (error) {
    exception = request.signal.aborted
      ? "unfinished at the phase deadline"
      : error instanceof Error
        ? `${error.name}: ${error.message}`
        : String(error);
  }
  const latencyMs = request.now() - sentMs;
  const failure = classifyFailure(status, exception, state);
  return { index: request.index, sentMs, latencyMs, ttftMs: state.ttftMs, status, node, failure };
}

async function readStream(
  body: AsyncIterable<unknown>,
  state: StreamState,
  elapsed: () => number,
): Promise<void> {
  const decoder = new StringDecoder("utf8");
  let pending = "";
  for await (const chunk of body) {
    pending += decoder.write(chunk as Buffer);
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) readLine(line, state, elapsed);
  }
  readLine(pending + decoder.end(), state, elapsed);
}

function readLine(line: string, state: StreamState, elapsed: () => number): void {
  if (line.trim() === "") return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    state.malformed = true;
    return;
  }
  if (!isRecord(parsed)) {
    state.malformed = true;
    return;
  }
  if (parsed.error !== undefined) state.error = JSON.stringify(parsed.error).slice(0, 200);
  if (parsed.done === true) state.done = true;
  const message = parsed.message;
  const hasText = isRecord(message) && typeof message.content === "string" && message.content !== "";
  if (hasText && state.ttftMs === null) state.ttftMs = elapsed();
}

/** A request is an error unless it got 200, no error line, only JSON lines and a final done. */
function classifyFailure(status: number | null, exception: string | null, state: StreamState): string | null {
  if (exception !== null) return exception.slice(0, 200);
  if (status !== 200) return `HTTP ${status}${state.error === null ? "" : ` ${state.error}`}`;
  if (state.error !== null) return `error line ${state.error}`;
  if (state.malformed) return "malformed line";
  if (!state.done) return "stream ended without done";
  return null;
}
