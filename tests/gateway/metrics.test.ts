import { Ollama } from "ollama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collect, fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";

const CHAT = "llama3.2:3b";

describe("/metrics and /v1/hydra/nodes", () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster([fastNode("node-a", [{ name: CHAT, size_mb: 1000 }])]);
    const ollama = new Ollama({ host: cluster.url });
    await collect(
      await ollama.chat({
        model: CHAT,
        messages: [{ role: "user", content: "x" }],
        stream: true,
        options: { num_predict: 5 },
      }),
    );
    await ollama.generate({ model: CHAT, prompt: "x", stream: false, options: { num_predict: 4 } });
  });
  afterAll(() => cluster.close());

  it("counts requests, latency, time to first token and tokens per node and model", async () => {
    const text = await (await fetch(`${cluster.url}/metrics`)).text();
    expect(text).toContain(
      'hydra_requests_total{route="/api/chat",model="llama3.2:3b",node="node-a",status="200"} 1',
    );
    expect(text).toContain(
      'hydra_requests_total{route="/api/generate",model="llama3.2:3b",node="node-a",status="200"} 1',
    );
    expect(text).toMatch(
      /hydra_request_duration_seconds_count\{route="\/api\/chat",model="llama3.2:3b",node="node-a"\} 1/,
    );
    expect(text).toMatch(/hydra_time_to_first_token_seconds_count\{model="llama3.2:3b",node="node-a"\} 1/);
    expect(text).toContain('hydra_tokens_total{model="llama3.2:3b",node="node-a",type="completion"} 9');
    expect(text).toContain('hydra_node_in_flight{node="node-a"} 0');
    expect(text).toContain('hydra_node_up{node="node-a"} 1');
    expect(text).toContain("hydra_process_resident_memory_bytes");
  });

  it("describes every node for `hydra nodes`", async () => {
    const body = (await (await fetch(`${cluster.url}/v1/hydra/nodes`)).json()) as { nodes: unknown[] };
    expect(body.nodes).toHaveLength(1);
    expect(body.nodes[0]).toMatchObject({
      name: "node-a",
      health: "up",
      inFlight: 0,
      models: [{ name: CHAT, loaded: true }],
    });
  });

  it("reports health for load balancers", async () => {
    const response = await fetch(`${cluster.url}/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", nodes: { up: 1, total: 1 } });
  });
});
