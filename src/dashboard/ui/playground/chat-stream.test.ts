import { describe, expect, it } from "vitest";
import { applyChatChunk, EMPTY_CHAT, generatedTokens } from "./chat-stream.js";

const chunk = (delta: Record<string, unknown>, finish: string | null = null) => ({
  object: "chat.completion.chunk",
  choices: [{ index: 0, delta, finish_reason: finish }],
});

describe("applyChatChunk", () => {
  it("accumulates answer and reasoning separately", () => {
    const progress = [
      chunk({ role: "assistant", reasoning_content: "planning 2 subtasks\n" }),
      chunk({ content: "Hel" }),
      chunk({ content: "lo" }),
      chunk({}, "stop"),
    ].reduce(applyChatChunk, EMPTY_CHAT);
    expect(progress).toMatchObject({
      content: "Hello",
      reasoning: "planning 2 subtasks\n",
      finishReason: "stop",
    });
    expect(generatedTokens(progress)).toBe(2);
  });

  it("prefers the usage chunk's token count", () => {
    const progress = [chunk({ content: "Hi" }), { choices: [], usage: { completion_tokens: 7 } }].reduce(
      applyChatChunk,
      EMPTY_CHAT,
    );
    expect(generatedTokens(progress)).toBe(7);
  });

  it("reads in-band errors in either shape", () => {
    expect(applyChatChunk(EMPTY_CHAT, { error: { message: "node died" } }).error).toBe("node died");
    expect(applyChatChunk(EMPTY_CHAT, { error: "boom" }).error).toBe("boom");
    expect(applyChatChunk(EMPTY_CHAT, "junk")).toBe(EMPTY_CHAT);
  });
});
