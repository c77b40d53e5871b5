import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OllamaBackend } from "../../src/pool/backend/ollama-backend.js";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";

const CHAT = "llama3.2:3b";

describe("bad input gets a clear 4xx and never reaches a node", () => {
  let cluster: TestCluster;
  const forwarded: string[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster(
      [fastNode("node-a", [{ name: CHAT, size_mb: 1000 }])],
      { server: { bodyLimit: 4096 } },
      {
        // Count what the gateway forwards besides its own inventory reads.
        backendFactory: (url) => {
          const backend = new OllamaBackend(url, {
            connections: 4,
            connectTimeoutMs: 1000,
            headersTimeoutMs: 5000,
            bodyTimeoutMs: 5000,
          });
          return {
            request: (request) => {
              if (request.method !== "GET") forwarded.push(request.path);
              return backend.request(request);
            },
            close: () => backend.close(),
          };
        },
      },
    );
  });
  afterAll(() => cluster.close());

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${cluster.url}${path}`, {
      method: "POST",
      body,
      headers: { "content-type": "application/json", ...headers },
    });

  it.each([
    ["/api/chat", "{not json", 400, "not valid JSON"],
    ["/api/chat", "", 400, "body is empty"],
    ["/api/chat", "[1,2]", 400, "must be a JSON object"],
    ["/api/chat", JSON.stringify({ messages: [] }), 400, "model is required"],
    ["/api/generate", JSON.stringify({ model: 42, prompt: "x" }), 400, "model must be a string"],
    ["/api/chat", JSON.stringify({ model: CHAT, messages: "hello" }), 400, "messages"],
    [
      "/api/chat",
      JSON.stringify({ model: CHAT, messages: [{ role: 1, content: "x" }] }),
      400,
      "messages[0].role",
    ],
    [
      "/api/generate",
      JSON.stringify({ model: CHAT, prompt: "x", options: { num_predict: "ten" } }),
      400,
      "options.num_predict",
    ],
    ["/api/embed", JSON.stringify({ model: CHAT }), 400, "input"],
    ["/api/generate", JSON.stringify({ model: "ghost:1b", prompt: "x" }), 404, 'model "ghost:1b" not found'],
  ])("POST %s %s → %i", async (path, body, status, message) => {
    const response = await post(path, body);
    expect(response.status).toBe(status);
    const json = (await response.json()) as { error: string };
    expect(json.error).toContain(message);
  });

  it("answers 413 for a body over the limit, with the limit and the key to raise it", async () => {
    const response = await post("/api/generate", JSON.stringify({ model: CHAT, prompt: "x".repeat(10_000) }));
    expect(response.status).toBe(413);
    expect(((await response.json()) as { error: string }).error).toContain("server.bodyLimit");
  });

  it("accepts a JSON body sent with curl's default form content type, as Ollama does", async () => {
    const response = await post(
      "/api/generate",
      JSON.stringify({ model: CHAT, prompt: "x", stream: false }),
      {
        "content-type": "application/x-www-form-urlencoded",
      },
    );
    expect(response.status).toBe(200);
  });

  it("answers OpenAI routes in OpenAI's error shape", async () => {
    const response = await post("/v1/chat/completions", "{oops");
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; type: string } };
    expect(body.error.message).toContain("not valid JSON");
    expect(body.error.type).toBe("invalid_request_error");
  });

  it("answers an unknown route with 404 and a hint", async () => {
    const response = await fetch(`${cluster.url}/api/nothing`);
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toContain("no route GET /api/nothing");
  });

  it("forwarded only the one valid request of this file", () => {
    expect(forwarded).toEqual(["/api/generate"]);
  });
});
