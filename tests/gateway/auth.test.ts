import { Ollama } from "ollama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";

const KEY = "s3cret-key-for-tests";

describe("API keys", () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster([fastNode("node-a", [{ name: "llama3.2:3b", size_mb: 1000 }])], {
      auth: { keys: [KEY] },
    });
  });
  afterAll(() => cluster.close());

  it("leaves / and /health open for probes", async () => {
    expect((await fetch(`${cluster.url}/`)).status).toBe(200);
    expect((await fetch(`${cluster.url}/health`)).status).toBe(200);
  });

  it("refuses every other route without a key, with a message that says what to send", async () => {
    for (const path of ["/api/tags", "/v1/models", "/metrics", "/v1/hydra/nodes"]) {
      const response = await fetch(`${cluster.url}${path}`);
      expect(response.status, path).toBe(401);
    }
    const body = (await (await fetch(`${cluster.url}/api/tags`)).json()) as { error: string };
    expect(body.error).toContain("Authorization: Bearer");
  });

  it("refuses a wrong key", async () => {
    const response = await fetch(`${cluster.url}/api/tags`, {
      headers: { authorization: "Bearer wrong-key-of-same-len" },
    });
    expect(response.status).toBe(401);
  });

  it("accepts a valid key from a real client", async () => {
    const ollama = new Ollama({ host: cluster.url, headers: { authorization: `Bearer ${KEY}` } });
    const { models } = await ollama.list();
    expect(models.map((m) => m.name)).toEqual(["llama3.2:3b"]);
  });
});
