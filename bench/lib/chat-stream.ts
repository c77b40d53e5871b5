/**
 * One streaming /api/chat request, read line by line and recorded in full, so a
 * benchmark can tell a failed answer (HTTP error, in-band error, broken connection)
 * from one that only looks successful but is incomplete or wrong.
 */
import { StringDecoder } from "node:string_decoder";
import { type Dispatcher, request } from "undici";

/** Everything observed about one chat, times in ms on the caller's clock. */
export interface ChatOutcome {
  /** Which prompt/seed pair was asked (see chatBody). */
  n: number;
  startMs: number;
  endMs: number;
  /** HTTP status, or null when no response arrived. */
  status: number | null;
  /** The x-hydra-node header: the node the gateway says served the answer. */
  node: string | null;
  /** The message of an `{"error": ...}` line or error body, if one came. */
  error: string | null;
  /** A line that was not a JSON object (a client's parser would throw). */
  malformed: boolean;
  /** The thrown error when the connection broke or timed out. */
  exception: string | null;
  /** Whether a `"done": true` object arrived. */
  done: boolean;
  /** All `message.content` pieces, concatenated. */
  text: string;
}

/** The request body for prompt/seed number `n`: deterministic, so its complete answer is known. */
export function chatBody(model: string, n: number, stream: boolean): string {
  return JSON.stringify({
    model,
    messages: [{ role: "user", content: `question ${n}` }],
    stream,
    options: { seed: n },
  });
}

/** Sends one streaming chat through `dispatcher` and reads it to the end, never throwing. */
export async function streamChat(
  dispatcher: Dispatcher,
  model: string,
  n: number,
  now: () => number,
): Promise<ChatOutcome> {
  const outcome: ChatOutcome = {
    n,
    startMs: now(),
    endMs: 0,
    status: null,
    node: null,
    error: null,
    malformed: false,
    exception: null,
    done: false,
    text: "",
  };
  try {
    const response = await dispatcher.request({
      method: "POST",
      path: "/api/chat",
      body: chatBody(model, n, true),
      headers: { "content-type": "application/json" },
    });
    outcome.status = response.statusCode;
    const node = response.headers["x-hydra-node"];
    outcome.node = typeof node === "string" ? node : null;
    const decoder = new StringDecoder("utf8");
    let pending = "";
    for await (const chunk of response.body) {
      pending += decoder.write(chunk as Buffer);
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) readLine(line, outcome);
    }
    readLine(pending + decoder.end(), outcome);
  } catch (error) {
    outcome.exception = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
  outcome.endMs = now();
  return outcome;
}

/** Folds one NDJSON line (or a whole error body) into the outcome. */
function readLine(line: string, outcome: ChatOutcome): void {
  if (line.trim() === "") return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    outcome.malformed = true;
    return;
  }
  if (!isRecord(parsed)) {
    outcome.malformed = true;
    return;
  }
  if (parsed.error !== undefined) outcome.error = describeError(parsed.error);
  if (parsed.done === true) outcome.done = true;
  const message = parsed.message;
  if (isRecord(message) && typeof message.content === "string") outcome.text += message.content;
}

function describeError(error: unknown): string {
  if (typeof error === "string") return error;
  if (isRecord(error) && typeof error.message === "string") return error.message;
  return JSON.stringify(error);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The complete answer to prompt/seed `n`, asked directly of a node with stream:false. */
export async function fetchAnswer(nodeUrl: string, model: string, n: number): Promise<string> {
  const response = await request(new URL("/api/chat", nodeUrl), {
    method: "POST",
    body: chatBody(model, n, false),
    headers: { "content-type": "application/json" },
  });
  const body: unknown = await response.body.json();
  const message = isRecord(body) ? body.message : undefined;
  if (response.statusCode !== 200 || !isRecord(body) || body.done !== true || !isRecord(message)) {
    throw new Error(
      `reference answer ${n} from ${nodeUrl}: HTTP ${response.statusCode} ${JSON.stringify(body)}`,
    );
  }
  if (typeof message.content !== "string") throw new Error(`reference answer ${n}: no message.content`);
  return message.content;
}
