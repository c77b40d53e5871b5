import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";

const CHAT = "llama3.2:3b";
const EMBED = "nomic-embed-text:latest";

describe("OpenAI API through the gateway, with the official openai client", () => {
  let cluster: TestCluster;
  let openai: OpenAI;

  beforeAll(async () => {
    cluster = await startTestCluster([
      fastNode("node-a", [
        { name: CHAT, size_mb: 2000 },
        { name: EMBED, size_mb: 300, embedding_dim: 32 },
      ]),
    ]);
    openai = new OpenAI({ baseURL: `${cluster.url}/v1`, apiKey: "unused", maxRetries: 0 });
  });
  afterAll(() => cluster.close());

  it("answers a chat completion with usage and finish reason", async () => {
    const completion = await openai.chat.completions.create({
      model: CHAT,
      messages: [{ role: "user", content: "hi" }],
      max_tokens: 10,
      seed: 4,
    });
    expect(completion.object).toBe("chat.completion");
    expect(completion.choices[0]?.message.content).toBeTruthy();
    expect(completion.choices[0]?.finish_reason).toBe("length");
    expect(completion.usage?.completion_tokens).toBe(10);
    expect(completion.usage?.total_tokens).toBe((completion.usage?.prompt_tokens ?? 0) + 10);
  });

  it("streams a chat completion as SSE, with usage when asked, ending in [DONE]", async () => {
    const stream = await openai.chat.completions.create({
      model: CHAT,
      messages: [{ role: "user", content: "hi" }],
      seed: 4,
      max_tokens: 10,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    const single = await openai.chat.completions.create({
      model: CHAT,
      messages: [{ role: "user", content: "hi" }],
      seed: 4,
      max_tokens: 10,
    });
    expect(text).toBe(single.choices[0]?.message.content);
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe("length");
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(10);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it("streams with the raw SSE framing and the x-hydra-node header", async () => {
    const response = await fetch(`${cluster.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        model: CHAT,
        messages: [{ role: "user", content: "x" }],
        stream: true,
        max_tokens: 3,
      }),
    });
    expect(response.headers.get("content-type")).toContain("text/event-stream");
    expect(response.headers.get("x-hydra-node")).toBe("node-a");
    const text = await response.text();
    expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
  });

  it("answers JSON mode with valid JSON", async () => {
    const completion = await openai.chat.completions.create({
      model: CHAT,
      messages: [{ role: "user", content: "give me a person" }],
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "person",
          schema: {
            type: "object",
            properties: { name: { type: "string" }, age: { type: "integer" } },
            required: ["name", "age"],
          },
        },
      },
    });
    const parsed = JSON.parse(completion.choices[0]?.message.content ?? "");
    expect(typeof parsed.name).toBe("string");
    expect(Number.isInteger(parsed.age)).toBe(true);
  });

  it("answers legacy completions, streamed and not", async () => {
    const single = await openai.completions.create({ model: CHAT, prompt: "Once", max_tokens: 5, seed: 2 });
    expect(single.choices[0]?.text).toBeTruthy();
    expect(single.usage?.completion_tokens).toBe(5);
    const chunks = await collect(
      await openai.completions.create({ model: CHAT, prompt: "Once", max_tokens: 5, seed: 2, stream: true }),
    );
    expect(chunks.map((c) => c.choices[0]?.text ?? "").join("")).toBe(single.choices[0]?.text);
  });

  it("embeds, as floats and as base64", async () => {
    const floats = await openai.embeddings.create({
      model: EMBED,
      input: ["one", "two"],
      encoding_format: "float",
    });
    expect(floats.data).toHaveLength(2);
    expect(floats.data[0]?.embedding).toHaveLength(32);
    // The client decodes base64 back to numbers by itself.
    const decoded = await openai.embeddings.create({ model: EMBED, input: "one" });
    expect(decoded.data[0]?.embedding[0]).toBeCloseTo(floats.data[0]!.embedding[0]!, 5);
  });

  it("lists models, and retrieves one", async () => {
    const models = await openai.models.list();
    expect(models.data.map((m) => m.id).sort()).toEqual([CHAT, EMBED].sort());
    const one = await openai.models.retrieve(CHAT);
    expect(one.id).toBe(CHAT);
    await expect(openai.models.retrieve("ghost:1b")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("answers an unknown model with a 404 in OpenAI's error shape", async () => {
    const error = await openai.chat.completions
      .create({ model: "ghost:1b", messages: [{ role: "user", content: "x" }] })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.message).toContain('model "ghost:1b" not found');
  });

  it("rejects an invalid request with a 400 that names the field", async () => {
    const error = await openai.chat.completions
      .create({ model: CHAT, messages: [{ role: "user", content: 5 as unknown as string }] })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.message).toMatch(/messages/);
  });
});
