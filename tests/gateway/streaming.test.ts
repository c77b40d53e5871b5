import { Ollama } from "ollama";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { collect, fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";

const CHAT = "llama3.2:3b";
const messages = [{ role: "user", content: "tell me a story" }];

describe("streams end complete or with an explicit error, never truncated silently", () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  const start = async () => {
    cluster = await startTestCluster([fastNode("node-a", [{ name: CHAT, size_mb: 1000 }])]);
    return cluster;
  };

  it.each([
    ["cut_stream", { type: "cut_stream", after_tokens: 3 }, /broke the stream/],
    ["malformed_chunk", { type: "malformed_chunk", after_tokens: 3 }, /malformed chunk/],
    ["missing_done", { type: "missing_done" }, /before the final "done" object/],
  ] as const)("%s: the Ollama client receives an in-band error", async (_name, fault, message) => {
    const c = await start();
    c.sim("node-a").setFaults([fault]);
    const ollama = new Ollama({ host: c.url });
    const stream = await ollama.chat({ model: CHAT, messages, stream: true, options: { num_predict: 20 } });
    await expect(collect(stream)).rejects.toThrow(message);
    expect(c.gateway.pool.node("node-a")?.inFlight).toBe(0);
  });

  it("cut_stream: the OpenAI client raises an error instead of a finished answer", async () => {
    const c = await start();
    c.sim("node-a").setFaults([{ type: "cut_stream", after_tokens: 2 }]);
    const openai = new OpenAI({ baseURL: `${c.url}/v1`, apiKey: "x", maxRetries: 0 });
    const stream = await openai.chat.completions.create({
      model: CHAT,
      messages: [{ role: "user", content: "x" }],
      stream: true,
      max_tokens: 20,
    });
    await expect(collect(stream)).rejects.toThrow(/broke the stream/);
  });

  it("with no retry left, answers the node's overload with 503, its reason and its Retry-After", async () => {
    cluster = await startTestCluster([fastNode("node-a", [{ name: CHAT, size_mb: 1000 }])], {
      retry: { maxAttempts: 1 },
    });
    const c = cluster;
    c.sim("node-a").setFaults([{ type: "status", status: 503, retry_after_s: 7, message: "server busy" }]);
    const response = await fetch(`${c.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ model: CHAT, messages }),
    });
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("7");
    expect(((await response.json()) as { error: string }).error).toContain("server busy");
  });

  it("cancels the upstream generation when the client disconnects", async () => {
    cluster = await startTestCluster([
      fastNode("node-a", [{ name: CHAT, size_mb: 1000 }], { decode_tps: 20 }),
    ]);
    const c = cluster;
    const abort = new AbortController();
    const response = await fetch(`${c.url}/api/generate`, {
      method: "POST",
      body: JSON.stringify({ model: CHAT, prompt: "long", options: { num_predict: 10_000 } }),
      signal: abort.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    expect(c.gateway.pool.node("node-a")?.inFlight).toBe(1);
    abort.abort();
    await expect.poll(() => c.gateway.pool.node("node-a")?.inFlight, { timeout: 5000 }).toBe(0);
    await expect.poll(() => c.sim("node-a").engine.scheduler.busy, { timeout: 5000 }).toBe(0);
  });
});

describe("failover before the first byte", () => {
  it("tries the next node when a node refuses the connection, and tells its breaker", async () => {
    const cluster = await startTestCluster([
      fastNode("node-a", [{ name: CHAT, size_mb: 1000 }]),
      fastNode("node-b", [{ name: CHAT, size_mb: 1000 }]),
    ]);
    try {
      await cluster.sim("node-a").close();
      const ollama = new Ollama({ host: cluster.url });
      for (let i = 0; i < 4; i++) {
        const answer = await ollama.generate({ model: CHAT, prompt: "x", stream: false });
        expect(answer.done).toBe(true);
      }
      expect(cluster.gateway.pool.health.state("node-a")?.lastError).toMatch(/ECONN(REFUSED|RESET)/);
    } finally {
      await cluster.close();
    }
  });

  it("answers 503 with Retry-After when every node with the model is down", async () => {
    const cluster = await startTestCluster([fastNode("node-a", [{ name: CHAT, size_mb: 1000 }])]);
    try {
      await cluster.sim("node-a").close();
      const response = await fetch(`${cluster.url}/api/generate`, {
        method: "POST",
        body: JSON.stringify({ model: CHAT, prompt: "x" }),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("1");
      expect(((await response.json()) as { error: string }).error).toMatch(
        /no node could answer for model "llama3.2:3b" after 3 attempt\(s\) \(node-a: connect ECONNREFUSED.*; node-a: connect ECONNREFUSED.*; node-a: connect ECONNREFUSED/,
      );
    } finally {
      await cluster.close();
    }
  });
});

describe("total timeout", () => {
  it("answers 504 for a single answer and ends a stream with an explicit error", async () => {
    const cluster = await startTestCluster(
      [fastNode("slow", [{ name: CHAT, size_mb: 1000, loaded: true }], { decode_tps: 20 })],
      {
        upstream: { totalTimeoutMs: 300 },
      },
    );
    try {
      const body = { model: CHAT, prompt: "x", options: { num_predict: 1000 } };
      const single = await fetch(`${cluster.url}/api/generate`, {
        method: "POST",
        body: JSON.stringify({ ...body, stream: false }),
      });
      expect(single.status).toBe(504);
      expect(((await single.json()) as { error: string }).error).toContain(
        "upstream.totalTimeoutMs (300 ms)",
      );
      const stream = await new Ollama({ host: cluster.url }).generate({ ...body, stream: true });
      await expect(collect(stream)).rejects.toThrow(/upstream.totalTimeoutMs \(300 ms\).*incomplete/);
    } finally {
      await cluster.close();
    }
  });
});
