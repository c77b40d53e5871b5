import { fileURLToPath } from "node:url";
import { Ollama } from "ollama";
import { describe, expect, it } from "vitest";
import { startSimCluster } from "./cluster.js";
import { loadSimClusterFile } from "./config.js";
import { startSimNode } from "./node.js";
import { fastNode, waitUntil } from "./test-support.js";

const example = (name: string) => fileURLToPath(new URL(`../../examples/${name}`, import.meta.url));

describe("startSimCluster", () => {
  it("starts every node of the demo cluster and answers on each", async () => {
    const config = await loadSimClusterFile(example("cluster-demo.yaml"));
    // Port 0 so the test never collides with a running `hydra demo` (11500 up).
    const cluster = await startSimCluster({
      nodes: config.nodes.map((node) => ({ ...node, port: 0, zero_latency: true })),
    });
    try {
      expect(cluster.nodes.map((n) => n.name)).toEqual(["demo-gpu", "demo-coder", "demo-cpu"]);
      const coder = new Ollama({ host: cluster.node("demo-coder").url });
      const ps = await coder.ps();
      expect(ps.models.map((m) => m.name)).toEqual(["qwen2.5-coder:7b"]);
      const answer = await coder.chat({
        model: "qwen2.5-coder:7b",
        messages: [{ role: "user", content: "sort a list" }],
      });
      expect(answer.done_reason).toBe("stop");
      expect(() => cluster.node("nope")).toThrow(/no sim node named "nope"/);
    } finally {
      await cluster.close();
    }
  });

  it("starts nothing when one node cannot start", async () => {
    const blocker = await startSimNode(fastNode({ name: "blocker" }));
    try {
      await expect(
        startSimCluster({ nodes: [{ name: "ok" }, { name: "clash", port: blocker.port }] }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await blocker.close();
    }
  });
});

describe("SimNodeHandle.close", () => {
  it("ends open streams, hung requests and queued requests, and frees the port", async () => {
    const node = await startSimNode(fastNode({ name: "closing", num_parallel: 1, decode_tps: 50 }));
    const ollama = new Ollama({ host: node.url });
    const stream = await ollama.chat({
      model: "llama3.2",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    const reading = (async () => {
      for await (const _ of stream) {
        // keep reading until the node goes away
      }
    })();
    const queued = ollama.chat({ model: "llama3.2", messages: [{ role: "user", content: "me too" }] });
    node.setFaults([{ type: "hang", paths: ["/api/tags"] }]);
    const hung = ollama.list();
    await waitUntil(
      () => node.engine.counters.hanging === 1 && node.engine.scheduler.queued === 1,
      "requests are parked",
    );
    await node.close();
    const outcomes = await Promise.allSettled([reading, queued, hung]);
    expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected", "rejected"]);
    await expect(fetch(node.url)).rejects.toThrow(/fetch failed/);
  });
});

describe("zero latency", () => {
  it("streams a long answer with no timers, respecting backpressure", async () => {
    const node = await startSimNode(
      fastNode({ name: "zero", zero_latency: true, response_tokens: { min: 8000, max: 8000 } }),
    );
    try {
      const res = await fetch(`${node.url}/api/generate`, {
        method: "POST",
        body: JSON.stringify({ model: "llama3.2", prompt: "go" }),
      });
      const lines = (await res.text()).trimEnd().split("\n");
      expect(lines.length).toBeGreaterThan(7900);
      expect(JSON.parse(lines.at(-1) as string)).toMatchObject({ done: true, done_reason: "stop" });
    } finally {
      await node.close();
    }
  });
});
