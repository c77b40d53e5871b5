import { createServer, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SimNodeHandle, startSimNode } from "../../sim/index.js";
import { parsePs, readOllama } from "./ollama.js";

describe("parsePs", () => {
  it("reads the loaded models' sizes in MiB", () => {
    const body = {
      models: [
        {
          name: "llama3.2:3b",
          model: "llama3.2:3b",
          size: 3_221_225_472,
          size_vram: 2_147_483_648,
          expires_at: "2025-06-15T10:00:00Z",
        },
        { model: "nomic-embed-text:latest", size: 300_000_000 },
        { size: 1 },
      ],
    };
    expect(parsePs(body)).toEqual([
      { name: "llama3.2:3b", sizeMb: 3072, sizeVramMb: 2048 },
      { name: "nomic-embed-text:latest", sizeMb: 286, sizeVramMb: 0 },
    ]);
  });

  it("reads nothing from an answer without a model list", () => {
    expect(parsePs(null)).toEqual([]);
    expect(parsePs({ models: "none" })).toEqual([]);
  });
});

describe("readOllama", () => {
  let node: SimNodeHandle;
  beforeAll(async () => {
    node = await startSimNode({
      name: "ollama-probe",
      models: [{ name: "llama3.2:3b", size_mb: 2000, loaded: true }],
    });
  });
  afterAll(() => node.close());

  it("reports an answering Ollama with its version and loaded models", async () => {
    const report = await readOllama(node.url, { timeoutMs: 2_000 });
    expect(report.ollama).toEqual({ up: true, version: "0.12.6" });
    expect(report.loaded).toEqual([
      expect.objectContaining({ name: "llama3.2:3b", sizeMb: expect.any(Number) }),
    ]);
  });

  it("reports an Ollama that is not running as down, saying so", async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    const report = await readOllama(`http://127.0.0.1:${port}`, { timeoutMs: 2_000 });
    expect(report).toEqual({
      ollama: { up: false, error: expect.stringContaining("is Ollama running?") },
      loaded: [],
    });
  });

  it("reports an Ollama that does not answer in time as down, naming the deadline", async () => {
    // Accepts the connection and never answers.
    const sockets = new Set<Socket>();
    const server = createServer((socket) => sockets.add(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    try {
      const report = await readOllama(`http://127.0.0.1:${port}`, { timeoutMs: 100 });
      expect(report.ollama).toEqual({ up: false, error: expect.stringContaining("within 100 ms") });
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
