/**
 * The relay must forward a node's stream byte for byte however the network splits
 * it, and still catch errors, malformed lines and a missing final object. A backend
 * adapter that replays chosen chunks stands in for the node's socket here.
 */
import { Readable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { hydraConfigSchema } from "../../src/config/schema.js";
import { createGateway, type Gateway } from "../../src/gateway/server.js";
import type { NodeBackend, UpstreamRequest } from "../../src/pool/backend/backend.js";

const MODEL = "m:latest";
const tags = { models: [{ name: MODEL, model: MODEL, modified_at: "", size: 1, digest: "d", details: {} }] };

function replayBackend(chunks: () => (string | Buffer)[]): NodeBackend {
  const json = (value: unknown) => {
    const body = Readable.from([Buffer.from(JSON.stringify(value))]);
    return Object.assign(body, {
      text: async () => JSON.stringify(value),
      json: async () => value,
      dump: async () => {},
    });
  };
  return {
    async request(request: UpstreamRequest) {
      if (request.method === "GET") {
        const value =
          request.path === "/api/tags"
            ? tags
            : request.path === "/api/ps"
              ? { models: [] }
              : { version: "0.12.0" };
        return { status: 200, headers: {}, body: json(value) };
      }
      const body = Readable.from(chunks().map((c) => (typeof c === "string" ? Buffer.from(c) : c)));
      return {
        status: 200,
        headers: {},
        body: Object.assign(body, { text: async () => "", json: async () => ({}), dump: async () => {} }),
      };
    },
    async close() {},
  };
}

const line = (content: string) =>
  `${JSON.stringify({ model: MODEL, message: { role: "assistant", content }, done: false })}\n`;
const final = `${JSON.stringify({ model: MODEL, message: { role: "assistant", content: "" }, done: true, done_reason: "stop", eval_count: 3 })}\n`;

describe("stream relay under arbitrary chunking", () => {
  let gateway: Gateway | undefined;
  afterEach(async () => {
    await gateway?.close();
    gateway = undefined;
  });

  async function relay(chunks: (string | Buffer)[]): Promise<string> {
    const config = hydraConfigSchema.parse({
      server: { port: 0 },
      log: { level: "silent" },
      nodes: [{ url: "http://replay:1", name: "replay" }],
    });
    gateway = createGateway(config, { backendFactory: () => replayBackend(() => chunks) });
    const url = await gateway.start();
    const response = await fetch(`${url}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ model: MODEL, messages: [] }),
    });
    return response.text();
  }

  const whole = line("héllo ") + line("wörld") + line("!") + final;

  it("forwards the bytes unchanged when each line is its own chunk", async () => {
    expect(await relay([line("héllo "), line("wörld"), line("!"), final])).toBe(whole);
  });

  it("forwards the bytes unchanged when chunks split lines and characters", async () => {
    const bytes = Buffer.from(whole);
    const pieces: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 7) pieces.push(bytes.subarray(i, i + 7));
    expect(await relay(pieces)).toBe(whole);
  });

  it("forwards everything in one chunk unchanged", async () => {
    expect(await relay([whole])).toBe(whole);
  });

  it("accepts CRLF line endings and completes", async () => {
    const text = await relay([whole.replaceAll("\n", "\r\n")]);
    const values = text
      .trim()
      .split(/\r?\n/)
      .map((l) => JSON.parse(l) as { done: boolean; error?: string });
    expect(values).toHaveLength(4);
    expect(values.at(-1)?.done).toBe(true);
    expect(values.some((v) => v.error)).toBe(false);
  });

  it("ends with an error line after a malformed line in the middle of a chunk", async () => {
    const text = await relay([`${line("a") + line("b")}{"model":"m","mess\n${line("c")}${final}`]);
    const lines = text.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2] ?? "").error).toMatch(/malformed chunk/);
  });

  it("ends with an error that carries the node's in-band error", async () => {
    const text = await relay([`${line("a") + line("b")}{"error":"CUDA out of memory"}\n`]);
    const lines = text.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2] ?? "").error).toMatch(
      /node replay reported: CUDA out of memory; .*incomplete/,
    );
  });

  it("adds an error line when the stream ends without the final object", async () => {
    const text = await relay([line("a"), line("b")]);
    expect(JSON.parse(text.trim().split("\n").at(-1) ?? "").error).toMatch(/before the final "done" object/);
  });

  it("accepts a final object without a trailing newline", async () => {
    expect(await relay([line("a"), final.trimEnd()])).toBe(`${line("a") + final.trimEnd()}\n`);
  });

  it("recognises a final object written with spaces", async () => {
    const spaced = '{"model": "m:latest", "done": true, "eval_count": 1}\n';
    const text = await relay([line("a"), spaced]);
    expect(text).toBe(line("a") + spaced);
  });
});
