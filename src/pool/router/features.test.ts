import { describe, expect, it } from "vitest";
import { requestFeatures } from "./features.js";

const chat = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  requestFeatures({ path: "/api/chat", body: { model: "llama3.2:3b", ...body }, headers });

describe("requestFeatures", () => {
  it("reads model, message count and a chars/4 prompt estimate", () => {
    const features = chat({
      messages: [
        { role: "system", content: "x".repeat(40) },
        { role: "user", content: "y".repeat(41) },
      ],
    });
    expect(features).toMatchObject({
      model: "llama3.2:3b",
      taskType: "chat",
      messageCount: 2,
      promptTokens: 21,
      priority: 5,
    });
    expect(features.expectedOutputTokens).toBeUndefined();
  });

  it("reads OpenAI content parts and generate prompts", () => {
    const parts = chat({ messages: [{ role: "user", content: [{ type: "text", text: "abcdefgh" }] }] });
    expect(parts.promptTokens).toBe(2);
    const generate = requestFeatures({
      path: "/api/generate",
      body: { model: "m", prompt: "abcd", system: "efgh" },
      headers: {},
    });
    expect(generate).toMatchObject({ promptTokens: 2, messageCount: 1 });
  });

  it("classifies embeddings by endpoint, with no output to decode", () => {
    for (const path of ["/api/embed", "/api/embeddings", "/v1/embeddings?x=1"]) {
      const features = requestFeatures({
        path,
        body: { model: "nomic-embed-text", input: ["a", "b"] },
        headers: {},
      });
      expect(features.taskType).toBe("embedding");
      expect(features.expectedOutputTokens).toBe(0);
    }
  });

  it("classifies code models, structured output and keywords, in that order", () => {
    expect(
      requestFeatures({ path: "/api/chat", body: { model: "qwen2.5-coder:7b", format: "json" }, headers: {} })
        .taskType,
    ).toBe("code");
    expect(chat({ format: "json", prompt: "summarize" }).taskType).toBe("extraction");
    expect(chat({ response_format: { type: "json_schema" } }).taskType).toBe("extraction");
    expect(chat({ response_format: { type: "text" } }).taskType).toBe("chat");
    const ask = (text: string) => chat({ messages: [{ role: "user", content: text }] }).taskType;
    expect(ask("Please summarize this article")).toBe("summarization");
    expect(ask("Classify these tickets")).toBe("classification");
    expect(ask("Analyze the logs")).toBe("analysis");
    expect(ask("Analyze it step by step")).toBe("reasoning");
    expect(ask("Prove that 2 is prime")).toBe("reasoning");
    expect(ask("Hello there")).toBe("chat");
  });

  it("reads the output limit from num_predict or max_tokens, ignoring 'no limit'", () => {
    expect(chat({ options: { num_predict: 128 } }).expectedOutputTokens).toBe(128);
    expect(chat({ max_tokens: 64 }).expectedOutputTokens).toBe(64);
    expect(chat({ max_completion_tokens: 32 }).expectedOutputTokens).toBe(32);
    expect(chat({ options: { num_predict: -1 } }).expectedOutputTokens).toBeUndefined();
  });

  it("reads the priority and falls back instead of failing on a bad one", () => {
    expect(chat({}, { "x-hydra-priority": "9" }).priority).toBe(9);
    expect(chat({ priority: 2 }).priority).toBe(2);
    expect(chat({}, { "x-hydra-priority": "50" }).priority).toBe(5);
    expect(
      requestFeatures({ path: "/api/chat", body: {}, headers: {} }, { defaultPriority: 3 }).priority,
    ).toBe(3);
  });

  it("takes the session key from the header, else hashes the system prompt and first user message", () => {
    expect(chat({}, { "x-hydra-session": " s1 " }).sessionKey).toBe("s1");
    const conversation = [
      { role: "system", content: "You are terse." },
      { role: "user", content: "Hi" },
    ];
    const first = chat({ messages: conversation }).sessionKey;
    const later = chat({
      messages: [...conversation, { role: "assistant", content: "Yo" }, { role: "user", content: "More" }],
    }).sessionKey;
    expect(first).toMatch(/^[0-9a-f]{16}$/);
    expect(later).toBe(first);
    expect(chat({ messages: [{ role: "user", content: "Other" }] }).sessionKey).not.toBe(first);
    expect(chat({}).sessionKey).toBeUndefined();
  });

  it("tolerates bodies it does not understand", () => {
    for (const body of [null, "text", [1, 2], { model: 5, messages: "no", options: [] }]) {
      expect(requestFeatures({ path: "/api/chat", body, headers: {} })).toMatchObject({
        model: "",
        taskType: "chat",
        promptTokens: 0,
        messageCount: 0,
      });
    }
  });
});
