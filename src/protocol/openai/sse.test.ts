import { describe, expect, it } from "vitest";
import { SSE_CONTENT_TYPE, SSE_DONE, sseEvent } from "./sse.js";

describe("sse", () => {
  it("frames one JSON object per data line", () => {
    expect(sseEvent({ a: 1 })).toBe('data: {"a":1}\n\n');
    expect(SSE_DONE).toBe("data: [DONE]\n\n");
    expect(SSE_CONTENT_TYPE).toBe("text/event-stream");
  });

  it("keeps multi-line text on a single data line", () => {
    const event = sseEvent({ text: "line one\nline two\r\n" });
    expect(event.split("\n").filter((line) => line !== "")).toHaveLength(1);
    expect(JSON.parse(event.slice("data: ".length))).toStrictEqual({ text: "line one\nline two\r\n" });
  });
});
