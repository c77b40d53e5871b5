/**
 * Server-sent events framing as OpenAI (and Ollama's /v1 layer) write it: one `data:` line per
 * JSON object, a blank line after each, and a literal `[DONE]` to end the stream.
 */

export const SSE_CONTENT_TYPE = "text/event-stream";

/** JSON.stringify escapes newlines inside strings, so the payload always fits on one data line. */
export function sseEvent(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

export const SSE_DONE = "data: [DONE]\n\n";
