import { Ollama } from "ollama";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { SimState } from "./control-routes.js";
import { type SimNodeHandle, startSimNode } from "./node.js";
import { collect, fastNode, waitUntil } from "./test-support.js";

let node: SimNodeHandle;
let ollama: Ollama;
const messages = [{ role: "user", content: "Say something long" }];
const chat = (extra: Record<string, unknown> = {}) =>
  ollama.chat({ model: "llama3.2", messages, stream: true, options: { num_predict: 10 }, ...extra });

beforeAll(async () => {
  node = await startSimNode(
    fastNode({
      name: "faulty",
      models: [
        { name: "llama3.2", size_mb: 100 },
        { name: "other", size_mb: 100 },
      ],
    }),
  );
  ollama = new Ollama({ host: node.url });
});

afterEach(() => {
  node.clearFaults();
});

afterAll(async () => {
  await node.close();
});

describe("request faults", () => {
  it("answers a configured status with Retry-After, for the matching model only", async () => {
    node.setFaults([{ type: "status", status: 503, retry_after_s: 7, model: "llama3.2" }]);
    const res = await fetch(`${node.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ model: "llama3.2", messages }),
    });
    expect([res.status, res.headers.get("retry-after")]).toEqual([503, "7"]);
    expect(await res.json()).toEqual({
      error: "server busy, please try again.  maximum pending requests exceeded",
    });
    await expect(ollama.chat({ model: "other", messages })).resolves.toMatchObject({ done: true });
  });

  it("stops after `times` hits", async () => {
    node.setFaults([{ type: "status", status: 500, message: "boom", times: 1 }]);
    await expect(ollama.chat({ model: "llama3.2", messages })).rejects.toMatchObject({
      status_code: 500,
      error: "boom",
    });
    await expect(ollama.chat({ model: "llama3.2", messages })).resolves.toMatchObject({ done: true });
  });

  it("resets the connection before any header", async () => {
    node.setFaults([{ type: "reset" }]);
    const resets = node.engine.counters.resets;
    await expect(ollama.chat({ model: "llama3.2", messages })).rejects.toThrow(/fetch failed/);
    expect(node.engine.counters.resets).toBe(resets + 1);
  });

  it("hangs without answering until the client gives up", async () => {
    node.setFaults([{ type: "hang" }]);
    const controller = new AbortController();
    const pending = fetch(`${node.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ model: "llama3.2", messages }),
      signal: controller.signal,
    });
    await waitUntil(() => node.engine.counters.hanging === 1, "the request hangs");
    controller.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    await waitUntil(() => node.engine.counters.hanging === 0, "the hung socket closes");
  });

  it("delays the first token, and the delay shows in total_duration", async () => {
    node.setFaults([{ type: "slow_first_token", delay_ms: 150 }]);
    const chunks = await collect(await chat());
    expect(chunks.at(-1)?.total_duration).toBeGreaterThanOrEqual(150e6);
    expect(node.engine.faults.list()[0]?.hits).toBe(1);
  });

  it("takes the node down, except for the control endpoints", async () => {
    node.setFaults([{ type: "down" }]);
    await expect(ollama.list()).rejects.toThrow(/fetch failed/);
    const state = await fetch(`${node.url}/_sim/state`);
    expect(state.status).toBe(200);
    node.clearFaults();
    await expect(ollama.list()).resolves.toHaveProperty("models");
  });

  it("flaps: down during the first down_ms of each period", async () => {
    node.setFaults([{ type: "flap", period_ms: 600_000, down_ms: 300_000 }]);
    await expect(ollama.version()).rejects.toThrow(/fetch failed/);
    node.setFaults([{ type: "flap", period_ms: 600_000, down_ms: 0 }]);
    await expect(ollama.version()).resolves.toHaveProperty("version");
  });
});

describe("stream faults", () => {
  it("cuts the stream after N tokens", async () => {
    node.setFaults([{ type: "cut_stream", after_tokens: 3 }]);
    const received: unknown[] = [];
    await expect(
      (async () => {
        for await (const chunk of await chat()) received.push(chunk);
      })(),
    ).rejects.toThrow();
    expect(received).toHaveLength(3);
  });

  it("cuts a non-streamed answer before it is sent", async () => {
    node.setFaults([{ type: "cut_stream", after_tokens: 3 }]);
    await expect(ollama.chat({ model: "llama3.2", messages, stream: false })).rejects.toThrow(/fetch failed/);
  });

  it("stalls after N tokens, keeping the socket open", async () => {
    node.setFaults([{ type: "stall", after_tokens: 2 }]);
    const stream = await chat();
    const received: unknown[] = [];
    const reading = (async () => {
      for await (const chunk of stream) received.push(chunk);
    })();
    await waitUntil(() => node.engine.counters.stalled === 1 && received.length === 2, "the stream stalls");
    stream.abort();
    await expect(reading).rejects.toThrow(/abort/i);
    await waitUntil(() => node.engine.counters.stalled === 0, "the stall ends");
    expect(node.engine.scheduler.busy).toBe(0);
  });

  it("writes one broken JSON line after N tokens and goes on", async () => {
    node.setFaults([{ type: "malformed_chunk", after_tokens: 2 }]);
    const res = await fetch(`${node.url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ model: "llama3.2", messages, options: { num_predict: 6 } }),
    });
    const lines = (await res.text()).trimEnd().split("\n");
    const broken = lines.filter((line) => {
      try {
        JSON.parse(line);
        return false;
      } catch {
        return true;
      }
    });
    expect(lines).toHaveLength(7);
    expect(broken).toEqual([lines[2]]);
    expect(JSON.parse(lines[6] as string)).toMatchObject({ done: true });
  });

  it("ends the stream cleanly without the final done object", async () => {
    node.setFaults([{ type: "missing_done" }]);
    await expect(collect(await chat())).rejects.toThrow(
      "Did not receive done or success response in stream.",
    );
  });

  it("fires a stream fault at the end when the answer is shorter than after_tokens", async () => {
    node.setFaults([{ type: "cut_stream", after_tokens: 1000 }]);
    const received: unknown[] = [];
    await expect(
      (async () => {
        for await (const chunk of await chat()) received.push(chunk);
      })(),
    ).rejects.toThrow();
    expect(received).toHaveLength(10);
  });
});

describe("server busy", () => {
  it("answers 503 when the queue behind the slots is full", async () => {
    const small = await startSimNode(
      fastNode({
        name: "tiny",
        num_parallel: 1,
        max_queue: 0,
        decode_tps: 200,
        models: [{ name: "m", size_mb: 10 }],
      }),
    );
    try {
      const client = new Ollama({ host: small.url });
      const first = await client.chat({ model: "m", messages, stream: true, options: { num_predict: 20 } });
      const iterator = first[Symbol.asyncIterator]();
      await iterator.next(); // the first request holds the only slot
      await expect(client.chat({ model: "m", messages })).rejects.toMatchObject({
        status_code: 503,
        error: "server busy, please try again.  maximum pending requests exceeded",
      });
      first.abort();
    } finally {
      await small.close();
    }
  });
});

describe("control endpoints", () => {
  const url = (path: string) => `${node.url}${path}`;

  it("replaces, adds, lists and clears faults", async () => {
    const put = await fetch(url("/_sim/faults"), {
      method: "PUT",
      body: JSON.stringify({ faults: [{ id: "slow", type: "slow_first_token", delay_ms: 1 }] }),
    });
    expect(((await put.json()) as { faults: unknown[] }).faults).toMatchObject([
      { id: "slow", hits: 0, remaining: null },
    ]);
    await fetch(url("/_sim/faults"), { method: "POST", body: JSON.stringify({ type: "reset", times: 2 }) });
    const listed = (await (await fetch(url("/_sim/faults"))).json()) as { faults: { id: string }[] };
    expect(listed.faults.map((f) => f.id)).toEqual(["slow", expect.stringMatching(/^reset-\d+$/)]);
    await fetch(url("/_sim/faults/slow"), { method: "DELETE" });
    expect(node.engine.faults.list().map((f) => f.type)).toEqual(["reset"]);
    await fetch(url("/_sim/faults"), { method: "DELETE" });
    expect(node.engine.faults.list()).toEqual([]);
  });

  it("answers 400 with a clear message for an invalid fault", async () => {
    const res = await fetch(url("/_sim/faults"), {
      method: "PUT",
      body: JSON.stringify([{ type: "status", status: 200 }]),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /\[0\]\.status = 200: status must be an HTTP error status, 400\.\.599/,
    );
  });

  it("reports slots, queue, VRAM and loaded models", async () => {
    await ollama.generate({ model: "llama3.2", prompt: "" });
    const state = (await (await fetch(url("/_sim/state"))).json()) as SimState;
    expect(state).toMatchObject({
      name: "faulty",
      slots: { total: 4, busy: 0, queued: 0 },
      vram: { total_mb: 16_000 },
      models: expect.arrayContaining(["llama3.2:latest"]),
    });
    expect(state.loaded.map((m) => m.name)).toContain("llama3.2:latest");
  });
});
