import { describe, expect, it } from "vitest";
import { BadRequestError } from "../../errors.js";
import { chatRequestSchema, embedRequestSchema, generateRequestSchema } from "../ollama/types.js";
import {
  chatCompletionToOllama,
  completionToOllama,
  embeddingsToOllama,
  imageDataUrlToBase64,
  toOllamaFormat,
  toStopList,
} from "./to-ollama.js";
import { parseChatCompletionRequest, parseCompletionRequest, parseEmbeddingRequest } from "./validate.js";

const PNG_BASE64 = Buffer.from("\x89PNG fake image bytes").toString("base64");

function chat(body: Record<string, unknown>) {
  const out = chatCompletionToOllama(
    parseChatCompletionRequest({ model: "llama3.2", messages: [{ role: "user", content: "Hi" }], ...body }),
  );
  // Whatever we produce must be a valid Ollama request.
  expect(chatRequestSchema.safeParse(out).success).toBe(true);
  return out;
}

function complete(body: Record<string, unknown>) {
  const out = completionToOllama(parseCompletionRequest({ model: "llama3.2", prompt: "Once", ...body }));
  expect(generateRequestSchema.safeParse(out).success).toBe(true);
  return out;
}

function badRequest(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestError);
    return (error as BadRequestError).message;
  }
  throw new Error("expected a BadRequestError");
}

describe("chatCompletionToOllama", () => {
  it("maps a minimal request with OpenAI's sampling defaults and stream off", () => {
    expect(chat({})).toStrictEqual({
      model: "llama3.2",
      messages: [{ role: "user", content: "Hi" }],
      options: { temperature: 1, top_p: 1 },
      stream: false,
    });
  });

  it("keeps the stream flag as given", () => {
    expect(chat({ stream: true }).stream).toBe(true);
    expect(chat({ stream: false }).stream).toBe(false);
    expect(chat({ stream: null }).stream).toBe(false);
  });

  it("maps every sampling field into options", () => {
    const out = chat({
      max_tokens: 64,
      temperature: 0.2,
      top_p: 0.5,
      seed: 42,
      stop: ["\n", "END"],
      frequency_penalty: 0.3,
      presence_penalty: -0.4,
    });
    expect(out.options).toStrictEqual({
      stop: ["\n", "END"],
      num_predict: 64,
      temperature: 0.2,
      seed: 42,
      frequency_penalty: 0.3,
      presence_penalty: -0.4,
      top_p: 0.5,
    });
  });

  it("takes max_completion_tokens, preferring it over max_tokens", () => {
    expect(chat({ max_completion_tokens: 10 }).options?.num_predict).toBe(10);
    expect(chat({ max_completion_tokens: 10, max_tokens: 99 }).options?.num_predict).toBe(10);
    expect(chat({ max_completion_tokens: null, max_tokens: 99 }).options?.num_predict).toBe(99);
  });

  it("turns a stop string into a one-element list and drops an empty list", () => {
    expect(chat({ stop: "###" }).options?.stop).toStrictEqual(["###"]);
    expect(chat({ stop: [] }).options).not.toHaveProperty("stop");
    expect(chat({ stop: null }).options).not.toHaveProperty("stop");
  });

  it("keeps temperature 0 (it is not 'unset')", () => {
    expect(chat({ temperature: 0 }).options?.temperature).toBe(0);
  });

  describe("response_format", () => {
    it("json_object → format json", () => {
      expect(chat({ response_format: { type: "json_object" } }).format).toBe("json");
    });

    it("json_schema → the schema itself", () => {
      const schema = { type: "object", properties: { name: { type: "string" } }, required: ["name"] };
      const out = chat({
        response_format: { type: "json_schema", json_schema: { name: "person", schema, strict: true } },
      });
      expect(out.format).toStrictEqual(schema);
    });

    it("text, or json_schema without a schema, sets no format", () => {
      expect(chat({ response_format: { type: "text" } })).not.toHaveProperty("format");
      expect(
        chat({ response_format: { type: "json_schema", json_schema: { name: "x" } } }),
      ).not.toHaveProperty("format");
      expect(toOllamaFormat(null)).toBeUndefined();
    });

    it("matches the type case-insensitively, as Ollama does", () => {
      expect(chat({ response_format: { type: " JSON_Object " } }).format).toBe("json");
    });
  });

  describe("reasoning", () => {
    it("maps reasoning_effort to think, 'none' to false", () => {
      expect(chat({ reasoning_effort: "high" }).think).toBe("high");
      expect(chat({ reasoning_effort: "low" }).think).toBe("low");
      expect(chat({ reasoning_effort: "none" }).think).toBe(false);
      expect(chat({})).not.toHaveProperty("think");
    });

    it("prefers reasoning.effort over reasoning_effort", () => {
      expect(chat({ reasoning: { effort: "medium" }, reasoning_effort: "high" }).think).toBe("medium");
    });

    it("sends an assistant's earlier reasoning back as thinking", () => {
      const out = chat({
        messages: [
          { role: "user", content: "Hi" },
          { role: "assistant", content: "Hello", reasoning: "greet back" },
        ],
      });
      expect(out.messages[1]).toStrictEqual({ role: "assistant", content: "Hello", thinking: "greet back" });
    });
  });

  describe("messages", () => {
    it("passes system, developer and user messages through", () => {
      const out = chat({
        messages: [
          { role: "system", content: "Be brief" },
          { role: "developer", content: "No emojis" },
          { role: "user", content: "" },
        ],
      });
      expect(out.messages).toStrictEqual([
        { role: "system", content: "Be brief" },
        { role: "developer", content: "No emojis" },
        { role: "user", content: "" },
      ]);
    });

    it("splits content parts into one message per part, images as base64", () => {
      const out = chat({
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "What is in this image?" },
              {
                type: "image_url",
                image_url: { url: `data:image/png;base64,${PNG_BASE64}`, detail: "high" },
              },
              { type: "image_url", image_url: `data:image/jpeg;base64,${PNG_BASE64}` },
            ],
          },
        ],
      });
      expect(out.messages).toStrictEqual([
        { role: "user", content: "What is in this image?" },
        { role: "user", content: "", images: [PNG_BASE64] },
        { role: "user", content: "", images: [PNG_BASE64] },
      ]);
    });

    it("accepts every image data URL prefix Ollama accepts", () => {
      for (const prefix of ["data:;base64,", "data:image/jpg;base64,", "data:image/webp;base64,"]) {
        expect(imageDataUrlToBase64(`${prefix}${PNG_BASE64}`, "x")).toBe(PNG_BASE64);
      }
    });

    it("tolerates base64 wrapped over several lines", () => {
      const wrapped = `${PNG_BASE64.slice(0, 8)}\r\n${PNG_BASE64.slice(8)}`;
      expect(imageDataUrlToBase64(`data:image/png;base64,${wrapped}`, "x")).toBe(PNG_BASE64);
    });

    it("rejects remote image URLs and other image types, naming the field", () => {
      const message = badRequest(() =>
        chat({
          messages: [
            { role: "user", content: [{ type: "image_url", image_url: { url: "https://x/cat.png" } }] },
          ],
        }),
      );
      expect(message).toContain("invalid image input");
      expect(message).toContain("messages[0].content[0].image_url");
      expect(badRequest(() => imageDataUrlToBase64(`data:image/gif;base64,${PNG_BASE64}`, "x"))).toContain(
        "invalid image input",
      );
    });

    it("rejects a data URL whose payload is not base64", () => {
      expect(badRequest(() => imageDataUrlToBase64("data:image/png;base64,not base64!", "img"))).toContain(
        "img does not hold valid base64",
      );
      expect(badRequest(() => imageDataUrlToBase64("data:image/png;base64,abc", "img"))).toContain("img");
    });

    it("converts assistant tool calls, parsing the JSON arguments", () => {
      const out = chat({
        messages: [
          { role: "user", content: "Weather in Paris?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [
              {
                id: "call_abc",
                type: "function",
                function: { name: "get_weather", arguments: '{"city":"Paris","days":2}' },
              },
              { id: "call_def", type: "function", function: { name: "get_time", arguments: "{}" } },
            ],
          },
          { role: "tool", tool_call_id: "call_abc", content: '{"temp":21}' },
          { role: "tool", tool_call_id: "call_def", name: "explicit_name", content: "12:00" },
        ],
      });
      expect(out.messages.slice(1)).toStrictEqual([
        {
          role: "assistant",
          content: "",
          tool_calls: [
            { function: { name: "get_weather", arguments: { city: "Paris", days: 2 } } },
            { function: { name: "get_time", arguments: {} } },
          ],
        },
        { role: "tool", content: '{"temp":21}', tool_name: "get_weather" },
        { role: "tool", content: "12:00", tool_name: "explicit_name" },
      ]);
    });

    it("resolves a reused tool_call_id to the latest call", () => {
      const call = (name: string) => ({
        role: "assistant",
        tool_calls: [{ id: "call_1", type: "function", function: { name, arguments: "{}" } }],
      });
      const out = chat({
        messages: [call("first"), { role: "tool", tool_call_id: "call_1", content: "a" }, call("second")],
      });
      expect(out.messages[1]?.tool_name).toBe("second");
    });

    it("leaves tool_name out when the tool message cannot be matched", () => {
      const out = chat({ messages: [{ role: "tool", tool_call_id: "call_unknown", content: "x" }] });
      expect(out.messages[0]).toStrictEqual({ role: "tool", content: "x" });
    });

    it("puts tool calls and reasoning on the last message of a content-part list", () => {
      const out = chat({
        messages: [
          {
            role: "assistant",
            reasoning: "need data",
            content: [
              { type: "text", text: "Let me check." },
              { type: "text", text: "One moment." },
            ],
            tool_calls: [{ id: "c", type: "function", function: { name: "lookup", arguments: '{"q":1}' } }],
          },
        ],
      });
      expect(out.messages).toStrictEqual([
        { role: "assistant", content: "Let me check." },
        {
          role: "assistant",
          content: "One moment.",
          thinking: "need data",
          tool_calls: [{ function: { name: "lookup", arguments: { q: 1 } } }],
        },
      ]);
    });

    it("keeps tool calls of an empty content-part list and drops an empty list without them", () => {
      const out = chat({
        messages: [
          { role: "user", content: [] },
          { role: "assistant", content: [], tool_calls: [{ function: { name: "f", arguments: "{}" } }] },
        ],
      });
      expect(out.messages).toStrictEqual([
        { role: "assistant", content: "", tool_calls: [{ function: { name: "f", arguments: {} } }] },
      ]);
    });

    it("names every part of a content-part tool result", () => {
      const out = chat({
        messages: [{ role: "tool", name: "search", content: [{ type: "text", text: "result" }] }],
      });
      expect(out.messages).toStrictEqual([{ role: "tool", content: "result", tool_name: "search" }]);
    });

    it("rejects tool call arguments that are not a JSON object, naming the field", () => {
      for (const args of ["not json", "[1,2]", '"str"', "", "42"]) {
        const message = badRequest(() =>
          chat({
            messages: [{ role: "assistant", tool_calls: [{ function: { name: "f", arguments: args } }] }],
          }),
        );
        expect(message).toContain("invalid tool call arguments");
        expect(message).toContain("messages[0].tool_calls[0].function.arguments");
      }
    });

    it("reads JSON null arguments as no arguments, as Go does", () => {
      const out = chat({
        messages: [{ role: "assistant", tool_calls: [{ function: { name: "f", arguments: "null" } }] }],
      });
      expect(out.messages[0]?.tool_calls).toStrictEqual([{ function: { name: "f", arguments: {} } }]);
    });
  });

  it("passes tools through unchanged and leaves out an empty list", () => {
    const tools = [
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather for a city",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
      },
    ];
    expect(chat({ tools }).tools).toStrictEqual(tools);
    expect(chat({ tools: [] })).not.toHaveProperty("tools");
  });

  it("does not forward OpenAI-only fields to Ollama", () => {
    const out = chat({ n: 1, user: "u", logit_bias: {}, stream_options: { include_usage: true } });
    expect(Object.keys(out).sort()).toStrictEqual(["messages", "model", "options", "stream"]);
  });
});

describe("completionToOllama", () => {
  it("maps a minimal request with Ollama's completion defaults", () => {
    expect(complete({})).toStrictEqual({
      model: "llama3.2",
      prompt: "Once",
      options: { temperature: 1, frequency_penalty: 0, presence_penalty: 0, top_p: 1 },
      stream: false,
    });
  });

  it("maps every field", () => {
    const out = complete({
      prompt: ["def add(a, b):"],
      suffix: "\n\nprint(add(1, 2))",
      max_tokens: 32,
      stream: true,
      temperature: 0,
      top_p: 0.9,
      seed: 7,
      stop: "\n\n",
      frequency_penalty: 0.1,
      presence_penalty: 0.2,
    });
    expect(out).toStrictEqual({
      model: "llama3.2",
      prompt: "def add(a, b):",
      suffix: "\n\nprint(add(1, 2))",
      options: {
        stop: ["\n\n"],
        num_predict: 32,
        temperature: 0,
        seed: 7,
        frequency_penalty: 0.1,
        presence_penalty: 0.2,
        top_p: 0.9,
      },
      stream: true,
    });
  });

  it("treats top_p 0 as unset, as Ollama does", () => {
    expect(complete({ top_p: 0 }).options?.top_p).toBe(1);
  });

  it("leaves out an empty suffix", () => {
    expect(complete({ suffix: "" })).not.toHaveProperty("suffix");
  });
});

describe("embeddingsToOllama", () => {
  function embed(body: Record<string, unknown>) {
    const out = embeddingsToOllama(parseEmbeddingRequest({ model: "nomic-embed-text", ...body }));
    expect(embedRequestSchema.safeParse(out).success).toBe(true);
    return out;
  }

  it("maps a string and a list of strings", () => {
    expect(embed({ input: "hello" })).toStrictEqual({ model: "nomic-embed-text", input: "hello" });
    expect(embed({ input: ["a", "b"] })).toStrictEqual({ model: "nomic-embed-text", input: ["a", "b"] });
  });

  it("sends an empty string as a one-element batch, as Ollama does", () => {
    expect(embed({ input: "" }).input).toStrictEqual([""]);
  });

  it("passes dimensions and drops encoding_format (applied to the response instead)", () => {
    expect(embed({ input: "x", dimensions: 256, encoding_format: "base64" })).toStrictEqual({
      model: "nomic-embed-text",
      input: "x",
      dimensions: 256,
    });
  });
});

describe("toStopList", () => {
  it("normalises every shape", () => {
    expect(toStopList(undefined)).toBeUndefined();
    expect(toStopList("x")).toStrictEqual(["x"]);
    expect(toStopList(["a", "b"])).toStrictEqual(["a", "b"]);
    expect(toStopList([])).toBeUndefined();
  });
});
