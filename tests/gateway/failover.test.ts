/**
 * Failures before the first byte move the request to another node; failures after
 * it continue the answer on another node from where it stopped, so the client
 * gets one complete answer — the same text a healthy node gives for the seed.
 */
import { Ollama } from "ollama";
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import type { FaultInput } from "../../src/sim/index.js";
import { collect, fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";

const CHAT = "llama3.2:3b";
const OTHER = "qwen2.5-coder:7b";
const request = {
  model: CHAT,
  messages: [{ role: "user", content: "tell me about failover" }],
  options: { seed: 42 },
};

describe("failover", () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  /** Two nodes with the same model; `faulty` gets the faults; answers are ~40 tokens. */
  async function twoNodes(faults: FaultInput[], config: Parameters<typeof startTestCluster>[1] = {}) {
    const extra = { response_tokens: { min: 40, max: 40 } };
    cluster = await startTestCluster(
      [
        fastNode("faulty", [{ name: CHAT, size_mb: 1000, loaded: true }], { ...extra, faults }),
        fastNode("healthy", [{ name: CHAT, size_mb: 1000 }], extra),
      ],
      config,
    );
    return cluster;
  }

  /** The complete answer, from the healthy node directly. */
  async function reference(c: TestCluster) {
    return new Ollama({ host: c.sim("healthy").url }).chat({ ...request, stream: false });
  }

  it.each<[string, FaultInput]>([
    ["cut_stream", { type: "cut_stream", after_tokens: 5, times: 1 }],
    ["malformed_chunk", { type: "malformed_chunk", after_tokens: 5, times: 1 }],
    ["missing_done", { type: "missing_done", times: 1 }],
  ])(
    "%s mid-stream: the Ollama client gets the whole answer, continued on the other node",
    async (_name, fault) => {
      const c = await twoNodes([fault]);
      const parts = await collect(await new Ollama({ host: c.url }).chat({ ...request, stream: true }));
      const expected = await reference(c);
      const final = parts.at(-1)!;
      expect(parts.map((p) => p.message.content).join("")).toBe(expected.message.content);
      expect(final.done).toBe(true);
      expect(final.eval_count).toBe(expected.eval_count);
      expect(final.total_duration).toBeGreaterThan(0);
      const metrics = await (await fetch(`${c.url}/metrics`)).text();
      expect(metrics).toMatch(
        /hydra_failovers_total\{model="llama3.2:3b",node="faulty",kind="mid_stream"\} 1/,
      );
      expect(c.gateway.pool.nodes.every((node) => node.inFlight === 0)).toBe(true);
    },
  );

  it("stall mid-stream: the idle timeout fires and the answer continues elsewhere", async () => {
    const c = await twoNodes([{ type: "stall", after_tokens: 5, times: 1 }], {
      upstream: { bodyTimeoutMs: 300 },
    });
    const parts = await collect(await new Ollama({ host: c.url }).chat({ ...request, stream: true }));
    expect(parts.map((p) => p.message.content).join("")).toBe((await reference(c)).message.content);
  });

  it("cut_stream: the OpenAI client gets the whole answer, with usage", async () => {
    const c = await twoNodes([{ type: "cut_stream", after_tokens: 3, times: 1 }]);
    const openai = new OpenAI({ baseURL: `${c.url}/v1`, apiKey: "x", maxRetries: 0 });
    const chunks = await collect(
      await openai.chat.completions.create({
        model: CHAT,
        messages: request.messages as { role: "user"; content: string }[],
        seed: 42,
        stream: true,
        stream_options: { include_usage: true },
      }),
    );
    const expected = await reference(c);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("")).toBe(
      expected.message.content,
    );
    expect(chunks.at(-1)?.usage?.completion_tokens).toBe(expected.eval_count);
  });

  it("a raw generate continues with the text appended to the prompt", async () => {
    const c = await twoNodes([{ type: "cut_stream", after_tokens: 4, times: 1 }]);
    const body = { model: CHAT, prompt: "<|user|>\nhello\n<|assistant|>\n", raw: true, options: { seed: 9 } };
    const parts = await collect(await new Ollama({ host: c.url }).generate({ ...body, stream: true }));
    const expected = await new Ollama({ host: c.sim("healthy").url }).generate({ ...body, stream: false });
    expect(parts.map((p) => p.response).join("")).toBe(expected.response);
    expect(parts.at(-1)?.done).toBe(true);
  });

  it("a templated generate that breaks mid-stream ends with an explicit error (it cannot be continued)", async () => {
    const c = await twoNodes([{ type: "cut_stream", after_tokens: 4, times: 1 }]);
    const stream = await new Ollama({ host: c.url }).generate({ model: CHAT, prompt: "hi", stream: true });
    await expect(collect(stream)).rejects.toThrow(/broke the stream.*incomplete/);
  });

  it("503 before the first byte: the request moves to the other node; the sick node saw one attempt", async () => {
    const c = await twoNodes([{ type: "status", status: 503, message: "server busy" }]);
    const ollama = new Ollama({ host: c.url });
    const answer = await ollama.chat({ ...request, stream: false });
    expect(answer.message.content).toBe((await reference(c)).message.content);
    expect(c.sim("faulty").engine.faults.list()[0]?.hits).toBe(1);
  });

  it("404 for a model the node's inventory still lists: its inventory is re-read, another node answers", async () => {
    const c = await twoNodes([
      { type: "status", status: 404, message: 'model "llama3.2:3b" not found, try pulling it first' },
    ]);
    const answer = await new Ollama({ host: c.url }).chat({ ...request, stream: false });
    expect(answer.done).toBe(true);
    expect(c.sim("faulty").engine.faults.list()[0]?.hits).toBe(1);
  });

  it("no first token in time (upstream.headersTimeoutMs): the request moves to the other node", async () => {
    const c = await twoNodes([{ type: "slow_first_token", delay_ms: 3_000 }], {
      upstream: { headersTimeoutMs: 300 },
    });
    const parts = await collect(await new Ollama({ host: c.url }).chat({ ...request, stream: true }));
    expect(parts.map((p) => p.message.content).join("")).toBe((await reference(c)).message.content);
    expect(c.gateway.pool.health.state("faulty")?.lastError).toMatch(/no answer in time/);
  });

  it("a node that never answers (hang) is left for the other node, for the OpenAI client too", async () => {
    const c = await twoNodes([{ type: "hang" }], { upstream: { headersTimeoutMs: 300 } });
    const openai = new OpenAI({ baseURL: `${c.url}/v1`, apiKey: "x", maxRetries: 0 });
    const completion = await openai.chat.completions.create({
      model: CHAT,
      messages: request.messages as { role: "user"; content: string }[],
      seed: 42,
    });
    expect(completion.choices[0]?.message.content).toBe((await reference(c)).message.content);
  });

  it("429 with Retry-After: another node answers, and the busy node carries an overload penalty", async () => {
    const c = await twoNodes([
      { type: "status", status: 429, retry_after_s: 5, message: "too many requests" },
    ]);
    const answer = await new Ollama({ host: c.url }).chat({ ...request, stream: false });
    expect(answer.done).toBe(true);
    expect(c.gateway.pool.health.penalty("faulty")).toBeGreaterThan(0);
  });

  it("connection reset before headers: retried on the other node", async () => {
    const c = await twoNodes([{ type: "reset" }]);
    const answer = await new Ollama({ host: c.url }).chat({ ...request, stream: false });
    expect(answer.done).toBe(true);
    expect(c.sim("faulty").engine.faults.list()[0]?.hits).toBe(1);
  });

  it("400 is not retried: the client gets the node's reason, and no other node is asked", async () => {
    const c = await twoNodes([
      { type: "status", status: 400, message: "invalid options: top_k must be positive" },
    ]);
    const generationsBefore = c.sim("healthy").engine.counters.generations;
    const response = await fetch(`${c.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ ...request, stream: false }),
    });
    expect(response.status).toBe(400);
    expect(response.headers.get("x-hydra-node")).toBe("faulty");
    expect(((await response.json()) as { error: string }).error).toBe(
      "invalid options: top_k must be positive",
    );
    expect(c.sim("faulty").engine.faults.list()[0]?.hits).toBe(1);
    expect(c.sim("healthy").engine.counters.generations).toBe(generationsBefore);
  });

  it("a lone node that answers 503 is retried after a back-off, within the attempt limit", async () => {
    cluster = await startTestCluster([
      fastNode("only", [{ name: CHAT, size_mb: 1000 }], {
        faults: [{ type: "status", status: 503, times: 1 }],
      }),
    ]);
    const answer = await new Ollama({ host: cluster.url }).chat({ ...request, stream: false });
    expect(answer.done).toBe(true);
    expect(cluster.sim("only").engine.faults.list()[0]?.hits).toBe(1);
  });

  it("gives up after maxAttempts on a node that keeps failing, with the reasons", async () => {
    cluster = await startTestCluster(
      [
        fastNode("only", [{ name: CHAT, size_mb: 1000 }], {
          faults: [{ type: "status", status: 500, message: "boom" }],
        }),
      ],
      {
        retry: { maxAttempts: 2, baseDelayMs: 1 },
      },
    );
    const response = await fetch(`${cluster.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ ...request, stream: false }),
    });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: string }).error).toContain(
      "after 2 attempt(s) (only: boom; only: boom)",
    );
    expect(cluster.sim("only").engine.faults.list()[0]?.hits).toBe(2);
  });
});

describe("model fallbacks", () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  it("uses the fallback chain when no node has the model, and says which model answered", async () => {
    cluster = await startTestCluster([fastNode("n1", [{ name: OTHER, size_mb: 1000 }])], {
      fallbacks: { "gone:1b": [CHAT, OTHER] },
    });
    const response = await fetch(`${cluster.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ model: "gone:1b", messages: request.messages, stream: false }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-hydra-model")).toBe(OTHER);
    const body = (await response.json()) as { model: string; eval_count: number };
    expect(body.model).toBe(OTHER);
    expect(body.eval_count).toBeGreaterThan(0);
  });

  it("uses contextWindowFallbacks when the prompt does not fit", async () => {
    cluster = await startTestCluster(
      [
        fastNode(
          "n1",
          [
            { name: CHAT, size_mb: 1000 },
            { name: OTHER, size_mb: 1000 },
          ],
          {
            faults: [
              {
                type: "status",
                status: 400,
                model: CHAT,
                message: "input length exceeds maximum context length",
              },
            ],
          },
        ),
      ],
      { contextWindowFallbacks: { [CHAT]: [OTHER] } },
    );
    const answer = await new Ollama({ host: cluster.url }).chat({ ...request, stream: false });
    expect(answer.model).toBe(OTHER);
  });

  it("without a fallback, a prompt that does not fit gets the node's 400", async () => {
    cluster = await startTestCluster([
      fastNode("n1", [{ name: CHAT, size_mb: 1000 }], {
        faults: [{ type: "status", status: 400, message: "input length exceeds maximum context length" }],
      }),
    ]);
    await expect(new Ollama({ host: cluster.url }).chat({ ...request, stream: false })).rejects.toMatchObject(
      {
        status_code: 400,
        error: "input length exceeds maximum context length",
      },
    );
  });
});
