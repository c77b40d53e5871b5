import { describe, expect, it } from "vitest";
import { cacheKey, canonicalJson, isCacheable, isCompleteAnswer, parseDirective } from "./key.js";

describe("response cache rules", () => {
  it("reads the client's directive", () => {
    expect(parseDirective(undefined)).toBe("default");
    expect(parseDirective("force")).toBe("force");
    expect(parseDirective(" No-Store ")).toBe("no-store");
    expect(parseDirective(["no-cache"])).toBe("no-store");
    expect(parseDirective("whatever")).toBe("default");
  });

  it("caches embeddings always, generations only when reproducible or forced, nothing with no-store", () => {
    expect(isCacheable("/api/embed", { model: "m" }, "default")).toBe(true);
    expect(isCacheable("/v1/embeddings", { model: "m" }, "default")).toBe(true);
    expect(isCacheable("/api/chat", { model: "m" }, "default")).toBe(false);
    expect(isCacheable("/api/chat", { options: { temperature: 0.7 } }, "default")).toBe(false);
    expect(isCacheable("/api/chat", { options: { temperature: 0 } }, "default")).toBe(true);
    expect(isCacheable("/api/chat", { options: { seed: 42 } }, "default")).toBe(true);
    expect(isCacheable("/api/chat", { options: { seed: "42" } }, "default")).toBe(false);
    expect(isCacheable("/v1/chat/completions", { temperature: 0 }, "default")).toBe(true);
    expect(isCacheable("/v1/chat/completions", { seed: 1 }, "default")).toBe(true);
    expect(isCacheable("/api/chat", {}, "force")).toBe(true);
    expect(isCacheable("/api/embed", { options: { seed: 1 } }, "no-store")).toBe(false);
  });

  it("keys on everything but keep_alive, in any field order, with canonical model names", () => {
    const base = { model: "llama3.2", prompt: "hi", options: { seed: 1, top_k: 3 } };
    const key = cacheKey("/api/generate", false, base);
    expect(key).toMatch(/^response:\/api\/generate:[0-9a-f]{64}$/);
    expect(
      cacheKey("/api/generate", false, {
        options: { top_k: 3, seed: 1 },
        prompt: "hi",
        model: "llama3.2:latest",
      }),
    ).toBe(key);
    expect(cacheKey("/api/generate", false, { ...base, keep_alive: "1h" })).toBe(key);
    expect(cacheKey("/api/generate", true, base)).not.toBe(key);
    expect(cacheKey("/api/chat", false, base)).not.toBe(key);
    for (const change of [
      { prompt: "hi!" },
      { system: "x" },
      { format: "json" },
      { images: ["aa"] },
      { tools: [] },
      { raw: true },
      { options: { seed: 1 } },
    ])
      expect(cacheKey("/api/generate", false, { ...base, ...change }), JSON.stringify(change)).not.toBe(key);
  });

  it("writes canonical JSON with sorted keys at every level, dropping undefined", () => {
    expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }, null] })).toBe('{"a":[{"d":2},null],"b":1}');
  });

  it("stores only complete, successful answers", () => {
    const ndjson = "application/x-ndjson";
    expect(isCompleteAnswer(ndjson, '{"response":"a","done":false}\n{"response":"","done":true}\n')).toBe(
      true,
    );
    expect(isCompleteAnswer(ndjson, '{"response":"a","done":false}\n')).toBe(false);
    expect(isCompleteAnswer(ndjson, '{"response":"a","done":false}\n{"error":"broken","done":true}\n')).toBe(
      false,
    );
    expect(isCompleteAnswer(ndjson, "")).toBe(false);
    const sse = "text/event-stream";
    expect(isCompleteAnswer(sse, 'data: {"id":"1"}\n\ndata: [DONE]\n\n')).toBe(true);
    expect(isCompleteAnswer(sse, 'data: {"id":"1"}\n\n')).toBe(false);
    expect(isCompleteAnswer(sse, 'data: {"error":{"message":"x"}}\n\ndata: [DONE]\n\n')).toBe(false);
    const json = "application/json; charset=utf-8";
    expect(isCompleteAnswer(json, '{"response":"ok","done":true}')).toBe(true);
    expect(isCompleteAnswer(json, '{"error":"no"}')).toBe(false);
    expect(isCompleteAnswer(json, "not json")).toBe(false);
  });
});
