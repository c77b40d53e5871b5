import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type SimNodeHandle, startSimNode } from "./node.js";
import { collect, fastNode } from "./test-support.js";

let node: SimNodeHandle;
let openai: OpenAI;
const messages = [{ role: "user" as const, content: "Describe a cluster" }];

beforeAll(async () => {
  node = await startSimNode(
    fastNode({
      name: "v1",
      models: [
        { name: "llama3.2", size_mb: 100 },
        { name: "nomic-embed-text", size_mb: 50, embedding_dim: 256 },
      ],
    }),
  );
  openai = new OpenAI({ baseURL: `${node.url}/v1`, apiKey: "unused", maxRetries: 0 });
});

afterEach(() => node.clearFaults());

afterAll(async () => {
  await node.close();
});

describe("OpenAI-compatible endpoints", () => {
  it("answers a chat completion with usage", async () => {
    const completion = await openai.chat.completions.create({ model: "llama3.2", messages, max_tokens: 6 });
    expect(completion).toMatchObject({
      object: "chat.completion",
      model: "llama3.2",
      choices: [{ index: 0, finish_reason: "length", message: { role: "assistant" } }],
      usage: { completion_tokens: 6 },
    });
    expect(completion.id).toMatch(/^chatcmpl-\d+$/);
  });

  it("streams chat chunks as server-sent events, with a usage chunk on request", async () => {
    const stream = await openai.chat.completions.create({
      model: "llama3.2",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = await collect(stream);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toMatch(/\.$/);
    expect(chunks.some((c) => c.choices[0]?.finish_reason === "stop")).toBe(true);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("serves legacy completions", async () => {
    const completion = await openai.completions.create({
      model: "llama3.2",
      prompt: "Once upon a time",
      max_tokens: 3,
    });
    expect(completion.choices[0]).toMatchObject({ finish_reason: "length" });
    expect(completion.usage?.completion_tokens).toBe(3);
  });

  it("embeds, as floats or base64", async () => {
    const floats = await openai.embeddings.create({ model: "nomic-embed-text", input: ["alpha", "beta"] });
    expect(floats.data.map((d) => d.embedding.length)).toEqual([256, 256]);
    const raw = await fetch(`${node.url}/v1/embeddings`, {
      method: "POST",
      body: JSON.stringify({ model: "nomic-embed-text", input: "alpha", encoding_format: "base64" }),
    });
    const body = (await raw.json()) as { data: { embedding: string }[] };
    expect(Buffer.from(body.data[0]?.embedding ?? "", "base64")).toHaveLength(256 * 4);
  });

  it("lists and retrieves models", async () => {
    const list = await openai.models.list();
    expect(list.data.map((m) => m.id)).toEqual(
      expect.arrayContaining(["llama3.2:latest", "nomic-embed-text:latest"]),
    );
    expect(await openai.models.retrieve("llama3.2:latest")).toMatchObject({
      id: "llama3.2:latest",
      owned_by: "library",
    });
  });

  it("reports errors in OpenAI's shape with Ollama's status", async () => {
    await expect(openai.chat.completions.create({ model: "ghost", messages })).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining('model "ghost" not found, try pulling it first'),
    });
    await expect(openai.chat.completions.create({ model: "llama3.2", messages: [] })).rejects.toMatchObject({
      status: 400,
    });
  });

  it("returns tool calls with finish_reason tool_calls", async () => {
    const completion = await openai.chat.completions.create({
      model: "llama3.2",
      messages: [{ role: "user", content: "weather in Rome" }],
      tools: [
        {
          type: "function",
          function: {
            name: "weather",
            parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
          },
        },
      ],
    });
    const choice = completion.choices[0];
    expect(choice?.finish_reason).toBe("tool_calls");
    const call = choice?.message.tool_calls?.[0];
    expect(call?.type === "function" ? call.function.name : undefined).toBe("weather");
  });

  it("follows response_format json_schema", async () => {
    const completion = await openai.chat.completions.create({
      model: "llama3.2",
      messages,
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "pet",
          schema: {
            type: "object",
            properties: { name: { type: "string" }, legs: { type: "integer", minimum: 2, maximum: 4 } },
            required: ["name", "legs"],
          },
        },
      },
    });
    const pet = JSON.parse(completion.choices[0]?.message.content ?? "") as { name: string; legs: number };
    expect(pet.legs).toBeGreaterThanOrEqual(2);
    expect(pet.legs).toBeLessThanOrEqual(4);
  });
});

describe("faults on /v1", () => {
  it("answers a status fault in OpenAI's error shape", async () => {
    node.setFaults([{ type: "status", status: 429, message: "slow down", retry_after_s: 1 }]);
    await expect(openai.chat.completions.create({ model: "llama3.2", messages })).rejects.toMatchObject({
      status: 429,
      message: expect.stringContaining("slow down"),
    });
  });
});

describe("stream faults on /v1", () => {
  const sse = async (body: object) => {
    const res = await fetch(`${node.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "llama3.2", messages, stream: true, max_tokens: 5, ...body }),
    });
    return res.text();
  };

  it("ends without [DONE] and without a finish_reason when done is missing", async () => {
    node.setFaults([{ type: "missing_done", paths: ["/v1/chat/completions"] }]);
    const text = await sse({});
    expect(text).not.toContain("[DONE]");
    expect(text).not.toContain('"finish_reason":"length"');
  });

  it("cuts an SSE stream after N events", async () => {
    node.setFaults([{ type: "cut_stream", after_tokens: 2 }]);
    const stream = await openai.chat.completions.create({ model: "llama3.2", messages, stream: true });
    const received: unknown[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) received.push(chunk);
      })(),
    ).rejects.toThrow();
    expect(received).toHaveLength(2);
  });

  it("writes a broken data line for malformed_chunk", async () => {
    node.setFaults([{ type: "malformed_chunk", after_tokens: 1 }]);
    const events = (await sse({})).split("\n\n").filter(Boolean);
    const broken = events.filter((e) => {
      const data = e.replace(/^data: /, "");
      if (data === "[DONE]") return false;
      try {
        JSON.parse(data);
        return false;
      } catch {
        return true;
      }
    });
    expect(broken).toHaveLength(1);
    expect(events.at(-1)).toBe("data: [DONE]");
  });
});
