import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { probeOllama } from "./probe.js";

interface TestServer {
  url: string;
  server: Server;
  /** Resolves once every connection the server accepted has closed. */
  allClosed(): Promise<void>;
}

const servers: Server[] = [];

async function serve(handler: RequestListener): Promise<TestServer> {
  const server = createServer(handler);
  const sockets = new Set<Socket>();
  const closed: Promise<void>[] = [];
  server.on("connection", (socket) => {
    sockets.add(socket);
    closed.push(new Promise((resolve) => socket.once("close", () => resolve())));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    allClosed: async () => {
      await Promise.all(closed);
    },
  };
}

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

function json(body: unknown, status = 200): RequestListener {
  return (_request, response) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(JSON.stringify(body));
  };
}

/** An Ollama look-alike whose answers per path the test chooses. */
function routes(table: Record<string, RequestListener>): RequestListener {
  return (request, response) => {
    const handler = table[request.url ?? ""];
    if (handler) return handler(request, response);
    response.writeHead(404).end("404 page not found");
  };
}

const ollama = routes({
  "/api/version": json({ version: "0.12.6" }),
  "/api/tags": json({ models: [{ name: "llama3.2:3b", model: "llama3.2:3b" }, { name: "qwen2.5:7b" }] }),
});

describe("probeOllama", () => {
  it("identifies an Ollama by /api/version and /api/tags, and leaves no connection open", async () => {
    const node = await serve(ollama);
    expect(await probeOllama(node.url, { timeoutMs: 2_000 })).toEqual({
      url: node.url,
      version: "0.12.6",
      models: ["llama3.2:3b", "qwen2.5:7b"],
    });
    await node.allClosed();
  });

  it("keeps a path prefix (a node behind a reverse proxy)", async () => {
    const node = await serve(
      routes({
        "/ollama/api/version": json({ version: "0.5.0" }),
        "/ollama/api/tags": json({ models: [] }),
      }),
    );
    expect(await probeOllama(`${node.url}/ollama/`, { timeoutMs: 2_000 })).toEqual({
      url: `${node.url}/ollama`,
      version: "0.5.0",
      models: [],
    });
  });

  it("says no to a web server that answers everything with 200 text", async () => {
    const node = await serve((_request, response) => response.end("hello"));
    expect(await probeOllama(node.url, { timeoutMs: 2_000 })).toBeUndefined();
    await node.allClosed();
  });

  it("says no to a 404 on /api/version", async () => {
    const node = await serve(routes({ "/api/tags": json({ models: [] }) }));
    expect(await probeOllama(node.url, { timeoutMs: 2_000 })).toBeUndefined();
  });

  it("says no when /api/version has the wrong shape", async () => {
    for (const body of [{ version: 12 }, { name: "x" }, ["0.1"], null]) {
      const node = await serve(routes({ "/api/version": json(body), "/api/tags": json({ models: [] }) }));
      expect(await probeOllama(node.url, { timeoutMs: 2_000 }), JSON.stringify(body)).toBeUndefined();
    }
  });

  it("says no when /api/tags is garbage, an error or the wrong shape", async () => {
    const tagsAnswers: RequestListener[] = [
      (_request, response) => response.end("{not json"),
      json({ error: "boom" }, 500),
      json({ models: "llama" }),
      json({ models: [{ size: 1 }] }),
      json({ models: [42] }),
    ];
    for (const tags of tagsAnswers) {
      const node = await serve(routes({ "/api/version": json({ version: "0.1.0" }), "/api/tags": tags }));
      expect(await probeOllama(node.url, { timeoutMs: 2_000 })).toBeUndefined();
      await node.allClosed();
    }
  });

  it("says no to a refused connection", async () => {
    const node = await serve(ollama);
    await new Promise<void>((resolve) => node.server.close(() => resolve()));
    expect(await probeOllama(node.url, { timeoutMs: 2_000 })).toBeUndefined();
  });

  it("gives up on a server that never answers, at the deadline, closing the connection", async () => {
    const node = await serve(() => {});
    const started = performance.now();
    expect(await probeOllama(node.url, { timeoutMs: 150 })).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1_500);
    await node.allClosed();
  });

  it("stops when the caller aborts, well before its own deadline", async () => {
    const node = await serve(() => {});
    const controller = new AbortController();
    const probe = probeOllama(node.url, { timeoutMs: 60_000, signal: controller.signal });
    await new Promise<void>((resolve) => node.server.once("request", () => resolve()));
    controller.abort();
    expect(await probe).toBeUndefined();
    await node.allClosed();
  });

  it("does nothing when the signal is already aborted", async () => {
    let requests = 0;
    const node = await serve((request, response) => {
      requests++;
      ollama(request, response);
    });
    expect(await probeOllama(node.url, { timeoutMs: 2_000, signal: AbortSignal.abort() })).toBeUndefined();
    expect(requests).toBe(0);
  });

  it("says no to an answer too large to be a model list", async () => {
    const huge = JSON.stringify({ models: [{ name: "x".repeat(5 * 1024 * 1024) }] });
    const node = await serve(
      routes({
        "/api/version": json({ version: "0.1.0" }),
        "/api/tags": (_request, response) => response.end(huge),
      }),
    );
    expect(await probeOllama(node.url, { timeoutMs: 5_000 })).toBeUndefined();
  });
});
