/**
 * The exact response cache through the real gateway: reproducible requests are answered from
 * memory (streams replayed as streams), anything that changes an answer gets its own entry, and
 * only complete answers are stored.
 */
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";

const MODEL = "llama3.2:1b";
const EMBED = "nomic-embed-text:latest";

describe("response cache", () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  async function start() {
    cluster = await startTestCluster(
      [
        fastNode("a", [
          { name: MODEL, size_mb: 1000, loaded: true },
          { name: EMBED, size_mb: 300, loaded: true },
        ]),
      ],
      { responseCache: { enabled: true } },
    );
    return cluster;
  }

  async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(`${cluster?.url}${path}`, {
      method: "POST",
      headers,
      body: JSON.stringify(body),
    });
    return { response, text: await response.text() };
  }

  const generations = () => cluster?.sim("a").engine.counters.generations ?? 0;

  it("answers a seeded chat stream from the cache the second time, replayed as the same NDJSON stream", async () => {
    await start();
    const body = { model: MODEL, messages: [{ role: "user", content: "hi" }], options: { seed: 7 } };
    const first = await post("/api/chat", body);
    expect(first.response.headers.get("x-hydra-cache")).toBe("miss");
    expect(first.response.headers.get("x-hydra-node")).toBe("a");
    const before = generations();
    const second = await post("/api/chat", { ...body, keep_alive: "10m" });
    expect(second.response.headers.get("x-hydra-cache")).toBe("hit");
    expect(second.response.headers.get("content-type")).toMatch(/^application\/x-ndjson/);
    expect(second.text).toBe(first.text);
    expect(second.text.trim().split("\n").length).toBeGreaterThan(2);
    expect(generations()).toBe(before);
  });

  it("never shares an entry between requests that differ in anything that changes the answer", async () => {
    await start();
    const base = { model: MODEL, prompt: "hello", stream: false, options: { seed: 1 } };
    await post("/api/generate", base);
    const variants = [
      { ...base, prompt: "hello!" },
      { ...base, options: { seed: 2 } },
      { ...base, options: { seed: 1, top_k: 5 } },
      { ...base, system: "be brief" },
      { ...base, format: "json" },
      { ...base, images: ["aGVsbG8="] },
      { ...base, stream: true },
      { ...base, model: "nomic-embed-text" },
    ];
    for (const variant of variants) {
      const { response } = await post("/api/generate", variant);
      expect(response.headers.get("x-hydra-cache"), JSON.stringify(variant)).toBe("miss");
    }
    // The same request with its fields in another order, and the model under its short name, is the same.
    const reordered = { options: { seed: 1 }, stream: false, prompt: "hello", model: "llama3.2:1b" };
    expect((await post("/api/generate", reordered)).response.headers.get("x-hydra-cache")).toBe("hit");
  });

  it("does not reuse answers that are not reproducible, unless forced; no-store skips it", async () => {
    await start();
    const free = { model: MODEL, prompt: "a poem", stream: false };
    await post("/api/generate", free);
    expect((await post("/api/generate", free)).response.headers.get("x-hydra-cache")).toBe("miss");
    await post("/api/generate", free, { "x-hydra-cache": "force" });
    expect(
      (await post("/api/generate", free, { "x-hydra-cache": "force" })).response.headers.get("x-hydra-cache"),
    ).toBe("hit");
    const seeded = { ...free, options: { temperature: 0 } };
    await post("/api/generate", seeded);
    expect(
      (await post("/api/generate", seeded, { "x-hydra-cache": "no-store" })).response.headers.get(
        "x-hydra-cache",
      ),
    ).toBe("miss");
  });

  it("caches OpenAI completions at temperature 0 and embeddings always", async () => {
    await start();
    const openai = new OpenAI({ baseURL: `${cluster?.url}/v1`, apiKey: "unused" });
    const ask = () =>
      openai.chat.completions
        .create({ model: MODEL, temperature: 0, messages: [{ role: "user", content: "hi" }] })
        .withResponse();
    const first = await ask();
    const second = await ask();
    expect(first.response.headers.get("x-hydra-cache")).toBe("miss");
    expect(second.response.headers.get("x-hydra-cache")).toBe("hit");
    expect(second.data.choices[0]?.message.content).toBe(first.data.choices[0]?.message.content);

    // An SSE stream is replayed as the same events, ending with [DONE].
    const sse = { model: MODEL, seed: 5, stream: true, messages: [{ role: "user", content: "hey" }] };
    const firstStream = await post("/v1/chat/completions", sse);
    const secondStream = await post("/v1/chat/completions", sse);
    expect(secondStream.response.headers.get("x-hydra-cache")).toBe("hit");
    expect(secondStream.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    expect(secondStream.text).toBe(firstStream.text);
    expect(secondStream.text.trimEnd().endsWith("data: [DONE]")).toBe(true);

    const embed = () => post("/api/embed", { model: EMBED, input: ["one", "two"] });
    const [one, two] = [await embed(), await embed()];
    expect(two.response.headers.get("x-hydra-cache")).toBe("hit");
    expect(JSON.parse(two.text)).toEqual(JSON.parse(one.text));
  });

  it("stores no failed answer", async () => {
    await start();
    cluster?.sim("a").setFaults([{ type: "status", status: 500 }]);
    const body = { model: MODEL, prompt: "x", stream: false, options: { seed: 3 } };
    const failed = await post("/api/generate", body);
    expect(failed.response.status).not.toBe(200);
    cluster?.sim("a").clearFaults();
    const retried = await post("/api/generate", body);
    expect(retried.response.status).toBe(200);
    expect(retried.response.headers.get("x-hydra-cache")).toBe("miss");
  });
});
