/**
 * A gateway configured with `discovery.scan` finds Ollama nodes on the network by itself and
 * routes to them. Loopback only, in a block of 127.0.0.0/8 no other test file uses
 * (127.0.0.32/29), so a scan never meets another file's port-0 server.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type SimNodeHandle, startSimNode } from "../../src/sim/index.js";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";

const MODEL = "llama3.2:1b";

describe("gateway with network discovery", () => {
  let cluster: TestCluster | undefined;
  const found: SimNodeHandle[] = [];

  afterEach(async () => {
    await cluster?.close();
    await Promise.all(found.splice(0).map((sim) => sim.close()));
    cluster = undefined;
  });

  it("adds the nodes a scan finds, once each, and routes to them", async () => {
    const [x, y] = await Promise.all([
      startSimNode(fastNode("x", [{ name: MODEL, size_mb: 1000, loaded: true }], { host: "127.0.0.33" })),
      startSimNode(fastNode("y", [{ name: "qwen2.5:0.5b", size_mb: 500 }], { host: "127.0.0.34" })),
    ]);
    found.push(x, y);
    const port = (sim: SimNodeHandle) => Number(new URL(sim.url).port);
    cluster = await startTestCluster([fastNode("static", [{ name: MODEL, size_mb: 1000 }])], {
      discovery: { scan: ["127.0.0.32/29"], ports: [port(x), port(y)], intervalMs: 60_000, timeoutMs: 500 },
    });
    const pool = cluster.gateway.pool;
    const joined: string[] = [];
    await new Promise<void>((resolve) => {
      const onAdded = ({ node, source }: { node: string; source: string }) => {
        expect(source).toBe("discovery");
        joined.push(node);
        if (joined.length === 2) {
          pool.off("node-added", onAdded);
          resolve();
        }
      };
      pool.on("node-added", onAdded);
    });
    expect(joined.sort()).toEqual([`127.0.0.33:${port(x)}`, `127.0.0.34:${port(y)}`]);

    // Only y has this model: answering proves the discovered node is in rotation.
    const response = await fetch(`${cluster.url}/api/generate`, {
      method: "POST",
      body: JSON.stringify({ model: "qwen2.5:0.5b", prompt: "hi", stream: false }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("x-hydra-node")).toBe(`127.0.0.34:${port(y)}`);
    const nodes = (await (await fetch(`${cluster.url}/v1/hydra/nodes`)).json()) as {
      nodes: { name: string; source: string }[];
    };
    expect(nodes.nodes.map((node) => node.source).sort()).toEqual(["config", "discovery", "discovery"]);
  });
});
