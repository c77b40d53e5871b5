/**
 * Mid-stream continuation, as pure functions: what the client already received,
 * the request that makes another node go on from exactly there (an assistant
 * prefill for chat, the text appended to a raw prompt for generate), and the
 * final object of the spliced answer with whole-answer totals.
 */

/** What the client has received of the answer so far. */
export interface SentSoFar {
  content: string;
  thinking: string;
  /** Generated tokens sent (Ollama streams one token per chunk). */
  tokens: number;
  /** A tool call went out: a call cannot be continued half-way. */
  toolCalls: boolean;
}

/** Reads the NDJSON lines already forwarded (chat or generate chunks). */
export function sentSoFar(ndjson: string): SentSoFar {
  const sent: SentSoFar = { content: "", thinking: "", tokens: 0, toolCalls: false };
  for (const line of ndjson.split("\n")) {
    if (line.trim() === "") continue;
    let value: {
      response?: unknown;
      thinking?: unknown;
      message?: { content?: unknown; thinking?: unknown; tool_calls?: unknown };
    };
    try {
      value = JSON.parse(line) as typeof value;
    } catch {
      continue;
    }
    const content = typeof value.response === "string" ? value.response : value.message?.content;
    const thinking = typeof value.thinking === "string" ? value.thinking : value.message?.thinking;
    if (typeof content === "string" && content !== "") sent.content += content;
    if (typeof thinking === "string" && thinking !== "") sent.thinking += thinking;
    if (Array.isArray(value.message?.tool_calls)) sent.toolCalls = true;
    if ((typeof content === "string" && content !== "") || (typeof thinking === "string" && thinking !== ""))
      sent.tokens++;
  }
  return sent;
}

/**
 * The upstream request that continues the answer, or undefined when it cannot be
 * continued seamlessly: a half-sent tool call, reasoning with no answer text yet,
 * a non-raw /api/generate (its prompt template is the node's secret), or a token
 * limit already reached.
 */
export function continuationBody(
  path: string,
  body: Record<string, unknown>,
  sent: SentSoFar,
): Record<string, unknown> | undefined {
  if (sent.tokens === 0) return body;
  if (sent.toolCalls || sent.content === "") return undefined;
  const options = (body.options ?? {}) as Record<string, unknown>;
  const limit =
    typeof options.num_predict === "number" && options.num_predict > 0 ? options.num_predict : undefined;
  if (limit !== undefined && sent.tokens >= limit) return undefined;
  const rest = limit === undefined ? body.options : { ...options, num_predict: limit - sent.tokens };
  const withOptions = rest === undefined ? { ...body } : { ...body, options: rest };
  if (path === "/api/chat") {
    const messages = Array.isArray(body.messages) ? body.messages : [];
    // Ollama continues a last assistant message instead of starting a new turn.
    return { ...withOptions, messages: [...messages, { role: "assistant", content: sent.content }] };
  }
  if (path === "/api/generate" && body.raw === true && typeof body.prompt === "string") {
    return { ...withOptions, prompt: body.prompt + sent.content };
  }
  return undefined;
}

/**
 * The final object of a continued answer: tokens generated on every leg, and the
 * wall-clock time of the whole request. `context` is dropped on generate: the
 * continuing node's context describes its own prompt, not the client's.
 */
export function spliceFinal(
  final: Record<string, unknown>,
  sent: SentSoFar,
  elapsedMs: number,
  legStartedAtMs: number,
): Record<string, unknown> {
  const evalCount = typeof final.eval_count === "number" ? final.eval_count : 0;
  const evalDuration = typeof final.eval_duration === "number" ? final.eval_duration : 0;
  const spliced: Record<string, unknown> = {
    ...final,
    eval_count: evalCount + sent.tokens,
    // Time spent generating the earlier legs counts as generation time too.
    eval_duration: evalDuration + Math.round(legStartedAtMs * 1e6),
    total_duration: Math.round(elapsedMs * 1e6),
  };
  delete spliced.context;
  return spliced;
}
