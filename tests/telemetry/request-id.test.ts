/**
 * The request id in the gateway's log: every line about a request carries it as `reqId`, the
 * same id the client got back in `x-request-id` and the node received.
 */
import { Writable } from "node:stream";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";

const CHAT = "llama3.2:3b";

describe("request id in the log", () => {
  let cluster: TestCluster | undefined;
  afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
  });

  function capturingLogger() {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString("utf8").split("\n")) if (line !== "") lines.push(JSON.parse(line));
        done();
      },
    });
    return { logger: pino({ level: "debug" }, sink), lines };
  }

  it("is on the completed and the failed request's lines, and on a model fallback's", async () => {
    const { logger, lines } = capturingLogger();
    cluster = await startTestCluster(
      [
        fastNode("n1", [{ name: CHAT, size_mb: 1000, loaded: true }], {
          faults: [{ type: "status", status: 500, paths: ["/api/generate"] }],
        }),
      ],
      { fallbacks: { "absent:1b": [CHAT] }, retry: { maxAttempts: 1 } },
      { logger },
    );
    const chat = (model: string, id: string, path = "/api/chat") =>
      fetch(`${cluster?.url}${path}`, {
        method: "POST",
        headers: { "x-request-id": id },
        body: JSON.stringify({
          model,
          messages: [{ role: "user", content: "hi" }],
          prompt: "hi",
          stream: false,
        }),
      });
    expect((await chat(CHAT, "log-ok")).status).toBe(200);
    expect((await chat("absent:1b", "log-fallback")).status).toBe(200);
    expect((await chat(CHAT, "log-failed", "/api/generate")).status).toBeGreaterThanOrEqual(500);

    const about = (id: string) => lines.filter((line) => line.reqId === id).map((line) => line.msg);
    expect(about("log-ok")).toContain("request completed");
    expect(about("log-fallback")).toEqual(
      expect.arrayContaining(["falling back to another model", "request completed"]),
    );
    expect(about("log-failed")).toContain("request failed");
    // No line about a request is without its id.
    const requestLines = lines.filter(
      (line) => typeof line.msg === "string" && /^request |falling back/.test(line.msg),
    );
    for (const line of requestLines) expect(line.reqId).toEqual(expect.any(String));
  });
});
