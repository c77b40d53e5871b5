/**
 * Folds the chunks of an OpenAI chat completion stream (`data:` JSON of each SSE message) into
 * what the playground shows: the answer, the model's (or the orchestrator's) reasoning, why it
 * ended, the token count, or an in-band error.
 */

export interface ChatProgress {
  content: string;
  /** `delta.reasoning_content`: the orchestrator's progress, a thinking model's thoughts. */
  reasoning: string;
  finishReason: string | null;
  /** Completion tokens from the usage chunk, when the server sent one. */
  completionTokens: number | undefined;
  /** Chunks that carried answer text: a token count's stand-in without usage. */
  contentChunks: number;
  error: string | undefined;
}

export const EMPTY_CHAT: ChatProgress = {
  content: "",
  reasoning: "",
  finishReason: null,
  completionTokens: undefined,
  contentChunks: 0,
  error: undefined,
};

export function applyChatChunk(progress: ChatProgress, chunk: unknown): ChatProgress {
  if (!isRecord(chunk)) return progress;
  const error = errorText(chunk.error);
  if (error !== undefined) return { ...progress, error };
  let next = progress;
  const usage = chunk.usage;
  if (isRecord(usage) && typeof usage.completion_tokens === "number") {
    next = { ...next, completionTokens: usage.completion_tokens };
  }
  const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
  if (!isRecord(choice)) return next;
  const delta = isRecord(choice.delta) ? choice.delta : {};
  if (typeof delta.content === "string" && delta.content !== "") {
    next = { ...next, content: next.content + delta.content, contentChunks: next.contentChunks + 1 };
  }
  if (typeof delta.reasoning_content === "string" && delta.reasoning_content !== "") {
    next = { ...next, reasoning: next.reasoning + delta.reasoning_content };
  }
  if (typeof choice.finish_reason === "string") next = { ...next, finishReason: choice.finish_reason };
  return next;
}

/** Tokens generated: the server's count when it gave one, else the chunks of text. */
export function generatedTokens(progress: ChatProgress): number {
  return progress.completionTokens ?? progress.contentChunks;
}

function errorText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (isRecord(value) && typeof value.message === "string") return value.message;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
