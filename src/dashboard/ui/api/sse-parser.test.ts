import { describe, expect, it } from "vitest";
import { SseParser } from "./sse-parser.js";

function parseInChunks(text: string, size: number): ReturnType<SseParser["push"]> {
  const parser = new SseParser();
  const out = [];
  for (let i = 0; i < text.length; i += size) out.push(...parser.push(text.slice(i, i + size)));
  return out;
}

const STREAM =
  'retry: 1000\n: hydra events\n\nid: 1\nevent: queue\ndata: {"depth":2}\n\n' +
  'id: 2\r\nevent: node.health\r\ndata: {"a":1,\r\ndata: "b":2}\r\n\r\n';

describe("SseParser", () => {
  it("parses events with ids, types and data", () => {
    const parser = new SseParser();
    const messages = parser.push(STREAM);
    expect(messages).toEqual([
      { id: "1", event: "queue", data: '{"depth":2}' },
      { id: "2", event: "node.health", data: '{"a":1,\n"b":2}' },
    ]);
    expect(parser.lastEventId).toBe("2");
    expect(parser.retryMs).toBe(1000);
  });

  it("gives the same messages whatever the chunk boundaries", () => {
    const whole = new SseParser().push(STREAM);
    for (const size of [1, 2, 3, 5, 7, 13]) expect(parseInChunks(STREAM, size)).toEqual(whole);
  });

  it("joins multi-line data with newlines and strips one leading space only", () => {
    const messages = new SseParser().push("data:a\ndata:  b\ndata\n\n");
    expect(messages).toEqual([{ id: undefined, event: "message", data: "a\n b\n" }]);
  });

  it("ignores comments and events without data, and resets the event type after each message", () => {
    const messages = new SseParser().push(": keep-alive\n\nevent: x\n\ndata: y\n\n");
    expect(messages).toEqual([{ id: undefined, event: "message", data: "y" }]);
  });

  it("keeps the last id for later messages and handles a lone \\r as a line end", () => {
    const messages = new SseParser().push("id: 7\rdata: a\r\rdata: b\r\r");
    expect(messages.map((m) => [m.id, m.data])).toEqual([
      ["7", "a"],
      ["7", "b"],
    ]);
  });

  it("does not dispatch an unterminated message", () => {
    const parser = new SseParser();
    expect(parser.push("data: partial\n")).toEqual([]);
    expect(parser.push("\n")).toEqual([{ id: undefined, event: "message", data: "partial" }]);
  });

  it("strips a leading byte-order mark", () => {
    expect(new SseParser().push("\ufeffdata: x\n\n")).toEqual([
      { id: undefined, event: "message", data: "x" },
    ]);
  });
});
