/**
 * Request hedging: a high-priority request whose node has not answered within its
 * usual time to first token also goes to the next-best node; the first answer wins
 * and the other request is cancelled.
 */
import { Ollama } from "ollama";
import { afterEach, describe, expect, it } from "vitest";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";

const CHAT = "llama3.2:3b";

describe("hedging", () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  async function slowAndFast() {
    cluster = await startTestCluster(
      [
        // Preferred (model loaded) but its first token takes 5 s.
        fastNode("slow", [{ name: CHAT, size_mb: 1000, loaded: true }], {
          faults: [{ type: "slow_first_token", delay_ms: 5_000 }],
        }),
        fastNode("fast", [{ name: CHAT, size_mb: 1000 }]),
      ],
      { hedging: { minPriority: 8, defaultDelayMs: 150 } },
    );
    return cluster;
  }

  const chat = (url: string, priority: number) =>
    fetch(`${url}/api/chat`, {
      method: "POST",
      headers: { "x-hydra-priority": String(priority) },
      body: JSON.stringify({ model: CHAT, messages: [{ role: "user", content: "x" }], stream: true }),
    });

  it("sends a slow high-priority request to a second node, keeps the first answer, cancels the other", async () => {
    const c = await slowAndFast();
    const started = performance.now();
    const response = await chat(c.url, 9);
    const text = await response.text();
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(response.headers.get("x-hydra-node")).toBe("fast");
    expect(text.trim().split("\n").at(-1)).toContain('"done":true');
    await expect.poll(() => c.sim("slow").engine.scheduler.busy, { timeout: 5_000 }).toBe(0);
    const metrics = await (await fetch(`${c.url}/metrics`)).text();
    expect(metrics).toMatch(/hydra_hedges_total\{model="llama3.2:3b",node="slow",outcome="hedge_won"\} 1/);
  });

  it("does not hedge below the configured priority", async () => {
    const c = await slowAndFast();
    c.sim("slow").setFaults([{ type: "slow_first_token", delay_ms: 300 }]);
    const response = await chat(c.url, 5);
    await response.text();
    expect(response.headers.get("x-hydra-node")).toBe("slow");
  });

  it("waits the node's learned p95 time to first token before hedging", async () => {
    const c = await slowAndFast();
    c.sim("slow").clearFaults();
    const ollama = new Ollama({ host: c.url, headers: { "x-hydra-priority": "9" } });
    for (let i = 0; i < 6; i++) {
      for await (const _ of await ollama.chat({
        model: CHAT,
        messages: [{ role: "user", content: "x" }],
        stream: true,
      })) {
        // drain
      }
    }
    const p95 = c.gateway.pool.ttft.percentile("slow", CHAT, 95);
    expect(p95).toBeDefined();
    expect(p95).toBeLessThan(1_000);
  });
});
