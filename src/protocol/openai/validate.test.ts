import { describe, expect, it } from "vitest";
import { BadRequestError } from "../../errors.js";
import {
  formatPath,
  parseChatCompletionRequest,
  parseCompletionRequest,
  parseEmbeddingRequest,
} from "./validate.js";

const USER_HI = [{ role: "user", content: "Hi" }];

function errorOf(fn: () => unknown): BadRequestError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BadRequestError) return error;
    throw error;
  }
  throw new Error("expected a BadRequestError");
}

function chatError(body: unknown): string {
  return errorOf(() => parseChatCompletionRequest(body)).message;
}

describe("parseChatCompletionRequest", () => {
  it("accepts a full request and keeps unknown fields", () => {
    const request = parseChatCompletionRequest({
      model: "llama3.2",
      messages: USER_HI,
      stream: true,
      stream_options: { include_usage: true },
      n: 1,
      logprobs: null,
      temperature: null,
    });
    expect(request.stream_options?.include_usage).toBe(true);
    expect(request.n).toBe(1);
    expect(request.temperature).toBeNull();
  });

  it("raises a 400 naming the missing model", () => {
    const error = errorOf(() => parseChatCompletionRequest({ messages: USER_HI }));
    expect(error.status).toBe(400);
    expect(error.code).toBe("HYDRA_ERR_BAD_REQUEST");
    expect(error.message).toBe(
      'invalid request: model: model is required: name the model to use, e.g. "llama3.2"',
    );
    expect(chatError({ model: "", messages: USER_HI })).toContain("model is required");
  });

  it("rejects a body that is not an object", () => {
    for (const body of [null, "text", 42, [1]]) {
      expect(chatError(body)).toBe("invalid request: the body must be a JSON object");
    }
  });

  it("explains missing and empty messages", () => {
    expect(chatError({ model: "m" })).toContain("messages: messages is required");
    expect(chatError({ model: "m", messages: [] })).toContain("[] is too short - 'messages'");
  });

  it("points at the bad message field", () => {
    expect(chatError({ model: "m", messages: [{ content: "x" }] })).toContain(
      "messages[0].role: each message needs a role",
    );
    expect(chatError({ model: "m", messages: ["hi"] })).toContain(
      "messages[0]: each message must be an object",
    );
    expect(chatError({ model: "m", messages: [{ role: "user", content: 5 }] })).toContain(
      "messages[0].content: message content must be a string or an array of content parts",
    );
  });

  it("requires content unless the message has tool calls", () => {
    expect(chatError({ model: "m", messages: [{ role: "user" }] })).toContain(
      "messages[0].content: content is required unless the message has tool_calls",
    );
    expect(chatError({ model: "m", messages: [{ role: "user", content: null }] })).toContain(
      "content is required",
    );
  });

  it("points at the bad content part inside an array", () => {
    const message = chatError({
      model: "m",
      messages: [{ role: "user", content: [{ type: "text", text: "ok" }, { type: "input_audio" }] }],
    });
    expect(message).toContain("messages[0].content[1].type: content parts must be");
    expect(chatError({ model: "m", messages: [{ role: "user", content: [{ type: "text" }] }] })).toContain(
      'messages[0].content[0].text: a "text" content part needs a "text" string',
    );
    expect(
      chatError({ model: "m", messages: [{ role: "user", content: [{ type: "image_url" }] }] }),
    ).toContain("messages[0].content[0].image_url:");
  });

  it("explains bad tool calls", () => {
    const withCall = (call: unknown) =>
      chatError({ model: "m", messages: [{ role: "assistant", tool_calls: [call] }] });
    expect(withCall({ function: { name: "f", arguments: { a: 1 } } })).toContain(
      "messages[0].tool_calls[0].function.arguments: tool call function.arguments must be a JSON-encoded string",
    );
    expect(withCall({ function: { arguments: "{}" } })).toContain("messages[0].tool_calls[0].function.name");
    expect(withCall({ id: "x" })).toContain(
      'messages[0].tool_calls[0].function: a tool call needs "function"',
    );
  });

  it("explains wrongly typed sampling fields", () => {
    expect(chatError({ model: "m", messages: USER_HI, temperature: "hot" })).toContain(
      "temperature: temperature must be a number",
    );
    expect(chatError({ model: "m", messages: USER_HI, max_tokens: 1.5 })).toContain(
      "max_tokens: max_tokens must be an integer",
    );
    expect(chatError({ model: "m", messages: USER_HI, max_completion_tokens: "10" })).toContain(
      "max_completion_tokens must be an integer",
    );
    expect(chatError({ model: "m", messages: USER_HI, stop: [1] })).toContain(
      "stop[0]: each stop sequence must be a string",
    );
    expect(chatError({ model: "m", messages: USER_HI, stop: 5 })).toContain(
      "stop: stop must be a string or an array of strings",
    );
    expect(chatError({ model: "m", messages: USER_HI, stream: "yes" })).toContain(
      "stream: stream must be true or false",
    );
    expect(chatError({ model: "m", messages: USER_HI, stream_options: { include_usage: "y" } })).toContain(
      "stream_options.include_usage",
    );
  });

  it("reports several problems at once", () => {
    const message = chatError({ messages: USER_HI, temperature: "x", seed: "y" });
    expect(message).toContain("model:");
    expect(message).toContain("temperature:");
    expect(message).toContain("seed:");
  });

  it("rejects an unknown response_format type", () => {
    expect(chatError({ model: "m", messages: USER_HI, response_format: { type: "yaml" } })).toContain(
      'response_format.type: response_format.type must be "text", "json_object" or "json_schema"',
    );
    expect(
      chatError({
        model: "m",
        messages: USER_HI,
        response_format: { type: "json_schema", json_schema: { schema: 1 } },
      }),
    ).toContain("response_format.json_schema.schema: json_schema.schema must be a JSON schema object");
  });

  it("rejects a reasoning effort Ollama does not know, in Ollama's words", () => {
    expect(chatError({ model: "m", messages: USER_HI, reasoning_effort: "extreme" })).toContain(
      `reasoning_effort: invalid reasoning value: 'extreme' (must be "high", "medium", "low", or "none")`,
    );
    expect(chatError({ model: "m", messages: USER_HI, reasoning: { effort: "max" } })).toContain(
      "reasoning.effort: invalid reasoning value: 'max'",
    );
  });

  it("explains malformed tools", () => {
    expect(chatError({ model: "m", messages: USER_HI, tools: {} })).toContain(
      "tools: tools must be an array",
    );
    expect(
      chatError({ model: "m", messages: USER_HI, tools: [{ type: "function", function: {} }] }),
    ).toContain("tools[0].function.name: each function tool needs function.name");
  });
});

describe("parseCompletionRequest", () => {
  it("accepts a string or a one-element array", () => {
    expect(parseCompletionRequest({ model: "m", prompt: "a" }).prompt).toBe("a");
    expect(parseCompletionRequest({ model: "m", prompt: ["a"] }).prompt).toStrictEqual(["a"]);
  });

  it("explains a missing or batched prompt", () => {
    expect(errorOf(() => parseCompletionRequest({ model: "m" })).message).toContain(
      "prompt: prompt is required",
    );
    expect(errorOf(() => parseCompletionRequest({ model: "m", prompt: ["a", "b"] })).message).toContain(
      "prompt: prompt as an array must hold exactly one string; send one request per prompt",
    );
    expect(errorOf(() => parseCompletionRequest({ model: "m", prompt: [1] })).message).toContain(
      "prompt[0]: prompt must be text: token arrays are not supported",
    );
  });

  it("explains bad fields", () => {
    expect(errorOf(() => parseCompletionRequest({ model: "m", prompt: "a", suffix: 1 })).message).toContain(
      "suffix: suffix must be a string",
    );
  });
});

describe("parseEmbeddingRequest", () => {
  it("normalises encoding_format case, as Ollama does", () => {
    expect(parseEmbeddingRequest({ model: "m", input: "x", encoding_format: "BASE64" }).encoding_format).toBe(
      "base64",
    );
    expect(parseEmbeddingRequest({ model: "m", input: "x", encoding_format: "float" }).encoding_format).toBe(
      "float",
    );
    expect(parseEmbeddingRequest({ model: "m", input: "x" }).encoding_format).toBeUndefined();
    expect(
      parseEmbeddingRequest({ model: "m", input: "x", encoding_format: "" }).encoding_format,
    ).toBeUndefined();
  });

  it("rejects an unknown encoding_format in Ollama's words", () => {
    expect(
      errorOf(() => parseEmbeddingRequest({ model: "m", input: "x", encoding_format: "int8" })).message,
    ).toBe(
      "invalid request: encoding_format: Invalid value for 'encoding_format' = int8. Supported values: ['float', 'base64'].",
    );
  });

  it("explains missing, empty and token inputs", () => {
    expect(errorOf(() => parseEmbeddingRequest({ model: "m" })).message).toContain(
      "input: input is required",
    );
    expect(errorOf(() => parseEmbeddingRequest({ model: "m", input: [] })).message).toContain(
      "input: input must not be an empty array",
    );
    expect(errorOf(() => parseEmbeddingRequest({ model: "m", input: [[1, 2]] })).message).toContain(
      "input[0]: each input must be a string: token arrays are not supported",
    );
    expect(errorOf(() => parseEmbeddingRequest({ model: "m", input: 5 })).message).toContain(
      "token arrays are not supported",
    );
  });

  it("explains bad dimensions", () => {
    expect(errorOf(() => parseEmbeddingRequest({ model: "m", input: "x", dimensions: 0 })).message).toContain(
      "dimensions: dimensions must be a positive integer",
    );
  });
});

describe("formatPath", () => {
  it("writes paths the way the OpenAI docs do", () => {
    expect(formatPath(["messages", 0, "content", 1, "text"])).toBe("messages[0].content[1].text");
    expect(formatPath([])).toBe("");
  });
});
