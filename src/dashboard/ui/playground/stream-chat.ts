/** POSTs a streamed chat completion and hands each parsed chunk to `onChunk` until [DONE] or the end. */
import { call } from "../api/http.js";
import { SseParser } from "../api/sse-parser.js";

export async function streamChat(
  body: { model: string; messages: { role: string; content: string }[] },
  onChunk: (chunk: unknown) => void,
  signal: AbortSignal,
): Promise<void> {
  const response = await call("/v1/chat/completions", {
    body: { ...body, stream: true, stream_options: { include_usage: true } },
    signal,
  });
  if (response.body === null) throw new Error("the gateway sent no stream");
  const parser = new SseParser();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    for (const message of parser.push(value)) {
      if (message.data === "[DONE]") return;
      try {
        onChunk(JSON.parse(message.data));
      } catch {
        // A line that is not JSON is not a chunk: skip it.
      }
    }
  }
}
