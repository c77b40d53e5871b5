import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";

const CHAT = "llama3.2:3b";

const generate = (url: string, options: Record<string, unknown> = {}) =>
  fetch(`${url}/api/generate`, {
    method: "POST",
    body: JSON.stringify({ model: CHAT, prompt: "x", stream: false, options }),
  });

describe("placement", () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster([
      fastNode("cold", [{ name: CHAT, size_mb: 1000 }]),
      fastNode("warm", [{ name: CHAT, size_mb: 1000, loaded: true }]),
    ]);
  });
  afterAll(() => cluster.close());

  it("prefers the node where the model is already loaded", async () => {
    for (let i = 0; i < 4; i++) {
      const response = await generate(cluster.url);
      expect(response.headers.get("x-hydra-node")).toBe("warm");
      await response.arrayBuffer();
    }
  });
});

describe("spreading load", () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster(
      ["n1", "n2", "n3"].map((name) =>
        fastNode(name, [{ name: CHAT, size_mb: 1000, loaded: true }], { decode_tps: 200 }),
      ),
    );
  });
  afterAll(() => cluster.close());

  it("spreads concurrent requests over equal nodes by in-flight count", async () => {
    const responses = await Promise.all(
      Array.from({ length: 9 }, () => generate(cluster.url, { num_predict: 20 })),
    );
    const counts = new Map<string, number>();
    for (const response of responses) {
      const node = response.headers.get("x-hydra-node") ?? "?";
      counts.set(node, (counts.get(node) ?? 0) + 1);
      await response.arrayBuffer();
    }
    expect([...counts.values()]).toEqual([3, 3, 3]);
  });

  it("spreads sequential requests over equal idle nodes instead of always the first", async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 3; i++) {
      const response = await generate(cluster.url, { num_predict: 1 });
      seen.add(response.headers.get("x-hydra-node") ?? "?");
      await response.arrayBuffer();
    }
    expect(seen.size).toBe(3);
  });
});
