import { Ollama } from "ollama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cosineSimilarity } from "./embeddings.js";
import { type SimNodeHandle, startSimNode } from "./node.js";
import { collect, fastNode } from "./test-support.js";

let node: SimNodeHandle;
let ollama: Ollama;

beforeAll(async () => {
  node = await startSimNode(
    fastNode({
      models: [
        { name: "llama3.2:3b", size_mb: 1926, family: "llama", parameter_size: "3.2B" },
        { name: "deepseek-r1:7b", size_mb: 4466, family: "qwen2", capabilities: ["completion", "thinking"] },
        {
          name: "nomic-embed-text",
          size_mb: 262,
          family: "nomic-bert",
          embedding_dim: 768,
          quantization_level: "F16",
        },
      ],
      catalog: [{ name: "all-minilm", size_mb: 44, embedding_dim: 384 }],
    }),
  );
  ollama = new Ollama({ host: node.url });
});

afterAll(async () => {
  await node.close();
});

const ask = [{ role: "user", content: "Explain how a gateway balances requests" }];

describe("general endpoints", () => {
  it("answers GET and HEAD / like Ollama", async () => {
    const get = await fetch(`${node.url}/`);
    expect(await get.text()).toBe("Ollama is running");
    const head = await fetch(`${node.url}/`, { method: "HEAD" });
    expect(head.status).toBe(200);
  });

  it("reports a version", async () => {
    expect(await ollama.version()).toEqual({ version: "0.12.6" });
  });

  it("lists installed models with details", async () => {
    const { models } = await ollama.list();
    const llama = models.find((m) => m.name === "llama3.2:3b");
    expect(llama).toMatchObject({
      model: "llama3.2:3b",
      size: 1926 * 1024 * 1024,
      details: { format: "gguf", family: "llama", parameter_size: "3.2B", quantization_level: "Q4_K_M" },
    });
    expect(llama?.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(Number.isNaN(Date.parse(String(llama?.modified_at)))).toBe(false);
  });

  it("shows a model with its capabilities and model_info", async () => {
    const shown = await ollama.show({ model: "nomic-embed-text" });
    expect(shown.capabilities).toEqual(["embedding"]);
    expect(shown.model_info).toMatchObject({
      "general.architecture": "nomic-bert",
      "nomic-bert.embedding_length": 768,
    });
    expect(shown.modelfile).toContain("FROM ");
  });

  it("answers 404 for an unknown route and 405 for a wrong method", async () => {
    expect((await fetch(`${node.url}/api/nothing`)).status).toBe(404);
    const wrong = await fetch(`${node.url}/api/chat`);
    expect([wrong.status, await wrong.text()]).toEqual([405, "405 method not allowed"]);
  });
});

describe("chat and generate", () => {
  it("streams a chat answer token by token and ends with Ollama's statistics", async () => {
    const chunks = await collect(await ollama.chat({ model: "llama3.2:3b", messages: ask, stream: true }));
    const final = chunks.at(-1);
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.slice(0, -1).every((c) => !c.done && c.message.role === "assistant")).toBe(true);
    expect(final).toMatchObject({
      done: true,
      done_reason: "stop",
      model: "llama3.2:3b",
      message: { content: "" },
    });
    expect(final?.eval_count).toBe(chunks.length - 1);
    for (const key of [
      "total_duration",
      "load_duration",
      "prompt_eval_count",
      "prompt_eval_duration",
      "eval_duration",
    ] as const) {
      expect(final?.[key]).toBeGreaterThan(0);
    }
  });

  it("returns one object with the whole message when stream is false", async () => {
    const answer = await ollama.chat({ model: "llama3.2:3b", messages: ask, stream: false });
    expect(answer.done).toBe(true);
    expect(answer.message.content).toMatch(/^[A-Z].*\.$/);
  });

  it("gives the same answer for the same seed", async () => {
    const run = () => ollama.chat({ model: "llama3.2:3b", messages: ask, options: { seed: 42 } });
    const [a, b] = await Promise.all([run(), run()]);
    expect(a.message.content).toBe(b.message.content);
  });

  it("cuts at num_predict with done_reason length", async () => {
    const answer = await ollama.generate({
      model: "llama3.2:3b",
      prompt: "Count to ten",
      options: { num_predict: 4 },
    });
    expect(answer).toMatchObject({ done_reason: "length", eval_count: 4 });
  });

  it("streams generate and returns context token ids", async () => {
    const chunks = await collect(
      await ollama.generate({ model: "llama3.2:3b", prompt: "Why is the sky blue?", stream: true }),
    );
    const final = chunks.at(-1);
    expect(final?.done).toBe(true);
    expect(final?.context?.length).toBeGreaterThan(chunks.length);
    expect(chunks.map((c) => c.response).join("")).toMatch(/\.$/);
  });

  it("answers in JSON that matches a schema in format", async () => {
    const format = {
      type: "object",
      properties: { city: { type: "string" }, population: { type: "integer", minimum: 1000, maximum: 5000 } },
      required: ["city", "population"],
    };
    const answer = await ollama.chat({ model: "llama3.2:3b", messages: ask, format });
    const parsed = JSON.parse(answer.message.content) as { city: string; population: number };
    expect(typeof parsed.city).toBe("string");
    expect(parsed.population).toBeGreaterThanOrEqual(1000);
    expect(parsed.population).toBeLessThanOrEqual(5000);
  });

  it("calls an offered tool for a user turn and answers in text after the tool result", async () => {
    const tools = [
      {
        type: "function",
        function: {
          name: "get_time",
          description: "time in a city",
          parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
        },
      },
    ];
    const call = await ollama.chat({
      model: "llama3.2:3b",
      messages: [{ role: "user", content: "time in Oslo?" }],
      tools,
    });
    const toolCall = call.message.tool_calls?.[0];
    expect(toolCall?.function.name).toBe("get_time");
    const answer = await ollama.chat({
      model: "llama3.2:3b",
      tools,
      messages: [
        { role: "user", content: "time in Oslo?" },
        { role: "assistant", content: "", tool_calls: call.message.tool_calls },
        { role: "tool", content: "12:00", tool_name: "get_time" },
      ],
    });
    expect(answer.message.tool_calls).toBeUndefined();
    expect(answer.message.content.length).toBeGreaterThan(0);
  });

  it("streams thinking first from a thinking model", async () => {
    const answer = await ollama.chat({ model: "deepseek-r1:7b", messages: ask });
    expect(answer.message.thinking?.length).toBeGreaterThan(0);
    expect(answer.message.content.length).toBeGreaterThan(0);
  });

  it("refuses think on a model that cannot think, with Ollama's message", async () => {
    await expect(ollama.chat({ model: "llama3.2:3b", messages: ask, think: true })).rejects.toMatchObject({
      status_code: 400,
      error: '"llama3.2:3b" does not support thinking',
    });
  });

  it("answers 404 with Ollama's wording for a model that is not installed", async () => {
    await expect(ollama.chat({ model: "mystery:1b", messages: ask })).rejects.toMatchObject({
      name: "ResponseError",
      status_code: 404,
      error: 'model "mystery:1b" not found, try pulling it first',
    });
  });

  it("refuses chat and generate on an embedding-only model", async () => {
    await expect(ollama.chat({ model: "nomic-embed-text", messages: ask })).rejects.toMatchObject({
      status_code: 400,
      error: '"nomic-embed-text" does not support chat',
    });
    await expect(ollama.generate({ model: "nomic-embed-text", prompt: "hi" })).rejects.toMatchObject({
      status_code: 400,
      error: '"nomic-embed-text" does not support generate',
    });
  });

  it("loads on an empty prompt and unloads on keep_alive 0, as Ollama does", async () => {
    const load = await ollama.generate({ model: "llama3.2:3b", prompt: "", keep_alive: "10m" });
    expect(load).toMatchObject({ done: true, done_reason: "load", response: "" });
    const loaded = (await ollama.ps()).models.find((m) => m.name === "llama3.2:3b");
    expect(loaded?.size_vram).toBe(1926 * 1024 * 1024);
    const expiresIn = Date.parse(String(loaded?.expires_at)) - Date.now();
    expect(expiresIn).toBeGreaterThan(9 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(10 * 60_000);

    const unload = await ollama.chat({ model: "llama3.2:3b", messages: [], keep_alive: 0 });
    expect(unload).toMatchObject({ done: true, done_reason: "unload" });
    expect((await ollama.ps()).models.map((m) => m.name)).not.toContain("llama3.2:3b");

    const chatLoad = await ollama.chat({ model: "llama3.2:3b", messages: [] });
    expect(chatLoad.done_reason).toBe("load");
  });

  it("rejects a keep_alive Go cannot parse", async () => {
    await expect(
      ollama.chat({ model: "llama3.2:3b", messages: ask, keep_alive: "soon" }),
    ).rejects.toMatchObject({
      status_code: 400,
      error: 'time: invalid duration "soon"',
    });
  });
});

describe("request validation", () => {
  const post = (path: string, body: string) => fetch(`${node.url}${path}`, { method: "POST", body });

  it("answers 400 with Go's wording for bad JSON, an empty body and a missing model", async () => {
    const cases: [string, string][] = [
      ["hello", "invalid character 'h' looking for beginning of value"],
      ['{"model": "x",}', "invalid character '}' looking for beginning of object key string"],
      ["", "missing request body"],
      ["{}", "model is required"],
      ['{"model": 5}', "json: cannot unmarshal number into Go struct field ChatRequest.model of type string"],
    ];
    for (const [body, error] of cases) {
      const res = await post("/api/chat", body);
      expect([res.status, res.headers.get("content-type"), await res.json()]).toEqual([
        400,
        "application/json; charset=utf-8",
        { error },
      ]);
    }
  });
});

describe("embeddings", () => {
  it("embeds a batch with /api/embed, similar texts closer than unrelated ones", async () => {
    const { embeddings, prompt_eval_count } = await ollama.embed({
      model: "nomic-embed-text",
      input: ["The cat sat on the mat", "A cat is sitting on a mat", "Stock prices fell sharply on Monday"],
    });
    expect(embeddings.map((e) => e.length)).toEqual([768, 768, 768]);
    expect(prompt_eval_count).toBeGreaterThan(0);
    const [cat, kitten, stocks] = embeddings as [number[], number[], number[]];
    expect(cosineSimilarity(cat, kitten)).toBeGreaterThan(cosineSimilarity(cat, stocks));
  });

  it("serves the older /api/embeddings with one vector", async () => {
    const { embedding } = await ollama.embeddings({ model: "nomic-embed-text", prompt: "hello" });
    expect(embedding).toHaveLength(768);
  });

  it("loads on empty input", async () => {
    expect(await ollama.embed({ model: "nomic-embed-text", input: [] })).toEqual({
      model: "nomic-embed-text",
      embeddings: [],
    });
  });
});

describe("model management", () => {
  it("pulls a catalog model with streamed progress, then lists it", async () => {
    const progress = await collect(await ollama.pull({ model: "all-minilm", stream: true }));
    const statuses = progress.map((p) => p.status);
    expect(statuses[0]).toBe("pulling manifest");
    expect(statuses.slice(-3)).toEqual(["verifying sha256 digest", "writing manifest", "success"]);
    const layer = progress.find((p) => p.total === 44 * 1024 * 1024 && p.completed === p.total);
    expect(layer?.digest).toMatch(/^sha256:/);
    expect((await ollama.list()).models.map((m) => m.name)).toContain("all-minilm:latest");
  });

  it("returns only the final status with stream false", async () => {
    expect(await ollama.pull({ model: "all-minilm", stream: false })).toEqual({ status: "success" });
  });

  it("reports an unknown model in the stream, or as a 500 without streaming", async () => {
    await expect(collect(await ollama.pull({ model: "nope:1b", stream: true }))).rejects.toThrow(
      "pull model manifest: file does not exist",
    );
    await expect(ollama.pull({ model: "nope:1b", stream: false })).rejects.toMatchObject({
      status_code: 500,
      error: "pull model manifest: file does not exist",
    });
  });

  it("copies and deletes models", async () => {
    await ollama.copy({ source: "llama3.2:3b", destination: "my-llama:latest" });
    expect((await ollama.list()).models.map((m) => m.name)).toContain("my-llama:latest");
    await ollama.delete({ model: "my-llama" });
    expect((await ollama.list()).models.map((m) => m.name)).not.toContain("my-llama:latest");
    await expect(ollama.delete({ model: "my-llama" })).rejects.toMatchObject({
      status_code: 404,
      error: "model 'my-llama' not found",
    });
    await expect(ollama.copy({ source: "ghost", destination: "x" })).rejects.toMatchObject({
      status_code: 404,
    });
  });
});
