import { describe, expect, it } from "vitest";
import { chatCompletionId, completionId, toolCallId, unixSeconds } from "./ids.js";

describe("ids", () => {
  it("look like Ollama's", () => {
    expect(chatCompletionId()).toMatch(/^chatcmpl-\d{1,3}$/);
    expect(completionId()).toMatch(/^cmpl-\d{1,3}$/);
    expect(toolCallId()).toMatch(/^call_[a-z0-9]{8}$/);
  });

  it("are deterministic given the random source, and stay in range", () => {
    expect(chatCompletionId(() => 0)).toBe("chatcmpl-0");
    expect(completionId(() => 0.5)).toBe("cmpl-499");
    expect(chatCompletionId(() => 0.999999999)).toBe("chatcmpl-998");
    expect(chatCompletionId(() => 1)).toBe("chatcmpl-998");
    expect(toolCallId(() => 0)).toBe("call_aaaaaaaa");
    expect(toolCallId(() => 0.99999)).toBe("call_99999999");
  });

  it("gives unix seconds", () => {
    expect(unixSeconds(new Date("2025-01-01T00:00:00.999Z"))).toBe(1_735_689_600);
  });
});
