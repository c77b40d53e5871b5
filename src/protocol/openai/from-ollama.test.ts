import { describe, expect, it } from "vitest";
import type { ChatChunk, GenerateChunk, TagsResponse } from "../ollama/types.js";
import {
  ChatStreamTranslator,
  CompletionStreamTranslator,
  floatsToBase64,
  modelNamespace,
  toChatCompletion,
  toCompletion,
  toEmbeddingList,
  toFinishReason,
  toModel,
  toModelList,
  toUsage,
} from "./from-ollama.js";
import type { ChatCompletionChunk, CompletionChunk } from "./types.js";

const CTX = { id: "chatcmpl-42", created: 1_700_000_000, model: "llama3.2" };
const STATS = {
  total_duration: 5,
  load_duration: 1,
  prompt_eval_count: 12,
  prompt_eval_duration: 2,
  eval_count: 30,
  eval_duration: 3,
};

function sequentialIds() {
  let n = 0;
  return () => `call_test${n++}`;
}

type MessagePatch = Partial<ChatChunk["message"]>;

function chatChunk(message: MessagePatch, extra: Partial<ChatChunk> = {}): ChatChunk {
  return {
    model: "llama3.2",
    created_at: "2025-01-01T00:00:00Z",
    message: { role: "assistant", content: "", ...message },
    done: false,
    ...extra,
  };
}

function doneChat(message: MessagePatch = {}, doneReason: ChatChunk["done_reason"] = "stop"): ChatChunk {
  return chatChunk(message, { done: true, done_reason: doneReason, ...STATS });
}

function generateChunk(response: string, extra: Partial<GenerateChunk> = {}): GenerateChunk {
  return { model: "llama3.2", created_at: "2025-01-01T00:00:00Z", response, done: false, ...extra };
}

const WEATHER_CALL = { function: { name: "get_weather", arguments: { city: "Paris", unit: "C" } } };

describe("toUsage and toFinishReason", () => {
  it("counts prompt, completion and total tokens, zero when missing", () => {
    expect(toUsage(STATS)).toStrictEqual({ prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 });
    expect(toUsage({})).toStrictEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
  });

  it("maps done reasons, tool calls first", () => {
    expect(toFinishReason("stop", false)).toBe("stop");
    expect(toFinishReason("length", false)).toBe("length");
    expect(toFinishReason(undefined, false)).toBe("stop");
    expect(toFinishReason("length", true)).toBe("tool_calls");
    expect(toFinishReason("stop", true)).toBe("tool_calls");
  });
});

describe("toChatCompletion", () => {
  it("builds a chat.completion with usage", () => {
    expect(toChatCompletion(doneChat({ content: "Hello there!" }), CTX)).toStrictEqual({
      id: "chatcmpl-42",
      object: "chat.completion",
      created: 1_700_000_000,
      model: "llama3.2",
      system_fingerprint: "fp_ollama",
      choices: [{ index: 0, message: { role: "assistant", content: "Hello there!" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 },
    });
  });

  it("reports a length finish", () => {
    expect(toChatCompletion(doneChat({ content: "Hel" }, "length"), CTX).choices[0]?.finish_reason).toBe(
      "length",
    );
  });

  it("keeps empty content as an empty string", () => {
    expect(toChatCompletion(doneChat(), CTX).choices[0]?.message).toStrictEqual({
      role: "assistant",
      content: "",
    });
  });

  it("returns the model's thinking as reasoning", () => {
    const message = toChatCompletion(doneChat({ content: "4", thinking: "2+2" }), CTX).choices[0]?.message;
    expect(message).toStrictEqual({ role: "assistant", content: "4", reasoning: "2+2" });
  });

  it("returns tool calls with JSON arguments, fresh ids and finish_reason tool_calls", () => {
    const final = doneChat({
      tool_calls: [WEATHER_CALL, { function: { name: "get_time", arguments: {} } }],
    });
    const completion = toChatCompletion(final, { ...CTX, newToolCallId: sequentialIds() });
    expect(completion.choices[0]).toStrictEqual({
      index: 0,
      message: {
        role: "assistant",
        content: "",
        tool_calls: [
          {
            id: "call_test0",
            index: 0,
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris","unit":"C"}' },
          },
          { id: "call_test1", index: 1, type: "function", function: { name: "get_time", arguments: "{}" } },
        ],
      },
      finish_reason: "tool_calls",
    });
  });

  it("keeps Ollama's own tool call id and index when it sends them", () => {
    const call = { id: "call_fromollama", function: { index: 3, name: "f", arguments: { a: 1 } } };
    const toolCalls = toChatCompletion(doneChat({ tool_calls: [call] }), CTX).choices[0]?.message.tool_calls;
    expect(toolCalls?.[0]).toMatchObject({ id: "call_fromollama", index: 3 });
  });

  it("mints Ollama-shaped tool call ids by default", () => {
    const toolCalls = toChatCompletion(doneChat({ tool_calls: [WEATHER_CALL] }), CTX).choices[0]?.message
      .tool_calls;
    expect(toolCalls?.[0]?.id).toMatch(/^call_[a-z0-9]{8}$/);
  });
});

describe("toCompletion", () => {
  it("builds a text_completion with usage", () => {
    const final = generateChunk("Once upon a time", { done: true, done_reason: "stop", ...STATS });
    expect(toCompletion(final, { ...CTX, id: "cmpl-7" })).toStrictEqual({
      id: "cmpl-7",
      object: "text_completion",
      created: 1_700_000_000,
      model: "llama3.2",
      system_fingerprint: "fp_ollama",
      choices: [{ text: "Once upon a time", index: 0, finish_reason: "stop" }],
      usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 },
    });
  });

  it("reports a length finish and empty text", () => {
    const final = generateChunk("", { done: true, done_reason: "length" });
    expect(toCompletion(final, CTX).choices[0]).toStrictEqual({
      text: "",
      index: 0,
      finish_reason: "length",
    });
  });
});

describe("toEmbeddingList", () => {
  const response = { model: "nomic-embed-text", embeddings: [[0.5, -1.25], [3]], prompt_eval_count: 9 };

  it("returns float vectors by default, with prompt tokens as usage", () => {
    expect(toEmbeddingList(response, "nomic")).toStrictEqual({
      object: "list",
      data: [
        { object: "embedding", embedding: [0.5, -1.25], index: 0 },
        { object: "embedding", embedding: [3], index: 1 },
      ],
      model: "nomic",
      usage: { prompt_tokens: 9, total_tokens: 9 },
    });
  });

  it("returns little-endian float32 base64 when asked", () => {
    const list = toEmbeddingList(response, "nomic", "base64");
    const first = list.data[0]?.embedding;
    expect(typeof first).toBe("string");
    const bytes = Buffer.from(first as string, "base64");
    expect(bytes.length).toBe(8);
    expect(bytes.readFloatLE(0)).toBe(0.5);
    expect(bytes.readFloatLE(4)).toBe(-1.25);
    // The same bytes the OpenAI SDK decodes: Float32Array over the raw buffer.
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, 2))).toStrictEqual([0.5, -1.25]);
  });

  it("encodes an empty vector and rounds to float32", () => {
    expect(floatsToBase64([])).toBe("");
    const bytes = Buffer.from(floatsToBase64([0.1]), "base64");
    expect(bytes.readFloatLE(0)).toBeCloseTo(0.1, 6);
  });

  it("handles a response without embeddings or counts", () => {
    expect(toEmbeddingList({ model: "m", embeddings: [] }, "m")).toStrictEqual({
      object: "list",
      data: [],
      model: "m",
      usage: { prompt_tokens: 0, total_tokens: 0 },
    });
  });
});

describe("toModelList", () => {
  const details = {
    parent_model: "",
    format: "gguf",
    family: "llama",
    families: null,
    parameter_size: "3B",
    quantization_level: "Q4_K_M",
  };
  const tags: TagsResponse = {
    models: [
      {
        name: "llama3.2:latest",
        model: "llama3.2:latest",
        modified_at: "2024-10-01T12:00:00.5Z",
        size: 1,
        digest: "sha256:abc",
        details,
      },
      {
        name: "jmorgan/tiny:1b",
        model: "jmorgan/tiny:1b",
        modified_at: "bad date",
        size: 1,
        digest: "d",
        details,
      },
    ],
  };

  it("lists models with created in unix seconds and owned_by the namespace", () => {
    expect(toModelList(tags)).toStrictEqual({
      object: "list",
      data: [
        { id: "llama3.2:latest", object: "model", created: 1_727_784_000, owned_by: "library" },
        { id: "jmorgan/tiny:1b", object: "model", created: 0, owned_by: "jmorgan" },
      ],
    });
  });

  it("answers an empty list (not null) when nothing is installed", () => {
    expect(toModelList({ models: [] })).toStrictEqual({ object: "list", data: [] });
  });

  it("builds a single model", () => {
    expect(toModel("qwen3", "2025-01-01T00:00:00Z")).toStrictEqual({
      id: "qwen3",
      object: "model",
      created: 1_735_689_600,
      owned_by: "library",
    });
  });

  it("reads the namespace from every name shape", () => {
    expect(modelNamespace("llama3.2")).toBe("library");
    expect(modelNamespace("user/model:tag")).toBe("user");
    expect(modelNamespace("registry.example.com:5000/team/model:7b")).toBe("team");
    expect(modelNamespace("https://registry.ollama.ai/library/llama3.2")).toBe("library");
    expect(modelNamespace("model@sha256-abc")).toBe("library");
    expect(modelNamespace("a/b/c/d")).toBe("");
    expect(modelNamespace("")).toBe("");
  });
});

// --- streaming --------------------------------------------------------------------------

function runChat(chunks: ChatChunk[], includeUsage: boolean) {
  const translator = new ChatStreamTranslator({ ...CTX, includeUsage, newToolCallId: sequentialIds() });
  const out = chunks.flatMap((chunk) => translator.push(chunk));
  return { out: out as ChatCompletionChunk[], translator };
}

const HELLO_STREAM = [chatChunk({ content: "Hel" }), chatChunk({ content: "lo" }), doneChat()];

describe("ChatStreamTranslator", () => {
  it("streams deltas with role assistant and ends with the finish reason", () => {
    const { out, translator } = runChat(HELLO_STREAM, false);
    expect(out).toStrictEqual([
      {
        id: "chatcmpl-42",
        object: "chat.completion.chunk",
        created: 1_700_000_000,
        model: "llama3.2",
        system_fingerprint: "fp_ollama",
        choices: [{ index: 0, delta: { role: "assistant", content: "Hel" }, finish_reason: null }],
      },
      expect.objectContaining({
        choices: [{ index: 0, delta: { role: "assistant", content: "lo" }, finish_reason: null }],
      }),
      expect.objectContaining({
        choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: "stop" }],
      }),
    ]);
    expect(out.every((chunk) => !("usage" in chunk))).toBe(true);
    expect(translator.done).toBe(true);
  });

  it("adds one usage chunk with no choices when include_usage is on", () => {
    const { out } = runChat(HELLO_STREAM, true);
    expect(out).toHaveLength(4);
    expect(out.slice(0, 3).every((chunk) => !("usage" in chunk))).toBe(true);
    expect(out[3]).toStrictEqual({
      id: "chatcmpl-42",
      object: "chat.completion.chunk",
      created: 1_700_000_000,
      model: "llama3.2",
      system_fingerprint: "fp_ollama",
      choices: [],
      usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 },
    });
  });

  it("reports a length finish", () => {
    const { out } = runChat([chatChunk({ content: "a" }), doneChat({}, "length")], false);
    expect(out.at(-1)?.choices[0]?.finish_reason).toBe("length");
  });

  it("keeps content that arrives on the final object", () => {
    const { out } = runChat([doneChat({ content: "all at once" })], false);
    expect(out).toHaveLength(1);
    expect(out[0]?.choices[0]).toStrictEqual({
      index: 0,
      delta: { role: "assistant", content: "all at once" },
      finish_reason: "stop",
    });
  });

  it("streams tool calls with increasing indexes and ends with tool_calls", () => {
    const { out } = runChat(
      [
        chatChunk({ tool_calls: [WEATHER_CALL] }),
        chatChunk({ tool_calls: [{ function: { name: "get_time", arguments: {} } }] }),
        doneChat(),
      ],
      false,
    );
    expect(out.map((chunk) => chunk.choices[0]?.delta.tool_calls)).toStrictEqual([
      [
        {
          id: "call_test0",
          index: 0,
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Paris","unit":"C"}' },
        },
      ],
      [{ id: "call_test1", index: 1, type: "function", function: { name: "get_time", arguments: "{}" } }],
      undefined,
    ]);
    expect(out.map((chunk) => chunk.choices[0]?.finish_reason)).toStrictEqual([null, null, "tool_calls"]);
  });

  it("says tool_calls even when the call arrives on the final object", () => {
    const { out } = runChat([doneChat({ tool_calls: [WEATHER_CALL] }, "length")], false);
    expect(out[0]?.choices[0]?.finish_reason).toBe("tool_calls");
  });

  it("streams thinking as reasoning deltas", () => {
    const { out } = runChat([chatChunk({ thinking: "hmm" }), doneChat()], false);
    expect(out[0]?.choices[0]?.delta).toStrictEqual({ role: "assistant", content: "", reasoning: "hmm" });
  });

  it("splits an object with both thinking and content into reasoning then content", () => {
    const { out } = runChat([doneChat({ thinking: "so", content: "4" })], false);
    expect(out.map((chunk) => chunk.choices[0])).toStrictEqual([
      { index: 0, delta: { role: "assistant", content: "", reasoning: "so" }, finish_reason: null },
      { index: 0, delta: { role: "assistant", content: "4" }, finish_reason: "stop" },
    ]);
  });

  it("splits thinking from tool calls too", () => {
    const { out } = runChat([chatChunk({ thinking: "call it", tool_calls: [WEATHER_CALL] })], false);
    expect(out).toHaveLength(2);
    expect(out[0]?.choices[0]?.delta).toStrictEqual({ role: "assistant", content: "", reasoning: "call it" });
    expect(out[1]?.choices[0]?.delta.tool_calls).toHaveLength(1);
    expect(out[1]?.choices[0]?.delta).not.toHaveProperty("reasoning");
  });

  it("ignores anything pushed after the end", () => {
    const { translator } = runChat(HELLO_STREAM, true);
    expect(translator.push(chatChunk({ content: "late" }))).toStrictEqual([]);
    expect(translator.end()).toStrictEqual([]);
  });

  it("turns an Ollama error object into an OpenAI error event and stops", () => {
    const translator = new ChatStreamTranslator({ ...CTX, includeUsage: true });
    translator.push(chatChunk({ content: "par" }));
    expect(translator.done).toBe(false);
    expect(translator.push({ error: "an error was encountered while running the model" })).toStrictEqual([
      {
        error: {
          message: "an error was encountered while running the model",
          type: "api_error",
          param: null,
          code: null,
        },
      },
    ]);
    expect(translator.done).toBe(true);
    expect(translator.push(doneChat())).toStrictEqual([]);
  });

  it("reports a stream that ended before its final object", () => {
    const translator = new ChatStreamTranslator({ ...CTX, includeUsage: false });
    translator.push(chatChunk({ content: "par" }));
    const [event] = translator.end();
    expect(event).toMatchObject({ error: { type: "api_error" } });
    expect(translator.done).toBe(true);
  });

  it("joins back into the same answer the non-streaming path gives", () => {
    const { out } = runChat(
      [
        chatChunk({ thinking: "a" }),
        chatChunk({ content: "Hi " }),
        chatChunk({ content: "you" }),
        doneChat(),
      ],
      false,
    );
    const content = out.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    const reasoning = out.map((chunk) => chunk.choices[0]?.delta.reasoning ?? "").join("");
    const whole = toChatCompletion(doneChat({ content: "Hi you", thinking: "a" }), CTX).choices[0];
    expect(content).toBe(whole?.message.content);
    expect(reasoning).toBe(whole?.message.reasoning);
    expect(out.at(-1)?.choices[0]?.finish_reason).toBe(whole?.finish_reason);
  });
});

function runCompletion(chunks: GenerateChunk[], includeUsage: boolean) {
  const translator = new CompletionStreamTranslator({ ...CTX, id: "cmpl-1", includeUsage });
  return { out: chunks.flatMap((chunk) => translator.push(chunk)) as CompletionChunk[], translator };
}

const ONCE_STREAM = [
  generateChunk("Once"),
  generateChunk(" upon"),
  generateChunk("", { done: true, done_reason: "stop", ...STATS }),
];

describe("CompletionStreamTranslator", () => {
  it("streams text chunks and ends with the finish reason", () => {
    const { out, translator } = runCompletion(ONCE_STREAM, false);
    expect(out).toStrictEqual([
      {
        id: "cmpl-1",
        object: "text_completion",
        created: 1_700_000_000,
        model: "llama3.2",
        system_fingerprint: "fp_ollama",
        choices: [{ text: "Once", index: 0, finish_reason: null }],
      },
      expect.objectContaining({ choices: [{ text: " upon", index: 0, finish_reason: null }] }),
      expect.objectContaining({ choices: [{ text: "", index: 0, finish_reason: "stop" }] }),
    ]);
    expect(out.every((chunk) => !("usage" in chunk))).toBe(true);
    expect(translator.done).toBe(true);
  });

  it("with include_usage, zero usage on each chunk (as Ollama) then one usage chunk", () => {
    const { out } = runCompletion(ONCE_STREAM, true);
    expect(out).toHaveLength(4);
    for (const chunk of out.slice(0, 3)) {
      expect(chunk.usage).toStrictEqual({ prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 });
    }
    expect(out[3]).toStrictEqual({
      id: "cmpl-1",
      object: "text_completion",
      created: 1_700_000_000,
      model: "llama3.2",
      system_fingerprint: "fp_ollama",
      choices: [],
      usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 },
    });
  });

  it("reports a length finish", () => {
    const { out } = runCompletion([generateChunk("x", { done: true, done_reason: "length" })], false);
    expect(out[0]?.choices[0]?.finish_reason).toBe("length");
  });

  it("turns an error object into an error event, and reports truncation", () => {
    const failing = new CompletionStreamTranslator({ ...CTX, includeUsage: false });
    expect(failing.push({ error: "boom" })).toStrictEqual([
      { error: { message: "boom", type: "api_error", param: null, code: null } },
    ]);
    expect(failing.done).toBe(true);
    expect(failing.end()).toStrictEqual([]);

    const truncated = new CompletionStreamTranslator({ ...CTX, includeUsage: false });
    truncated.push(generateChunk("a"));
    expect(truncated.end()).toMatchObject([{ error: { type: "api_error" } }]);
  });
});
