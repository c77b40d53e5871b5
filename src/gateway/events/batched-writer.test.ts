import type { ServerResponse } from "node:http";
import { describe, expect, it, vi } from "vitest";
import { BATCH_MS, BatchedWriter, CLIENTS_PER_TURN, FLUSH_BYTES } from "./batched-writer.js";

function fakeStream(writableLength = 0) {
  const writes: string[] = [];
  const stream = {
    destroyed: false,
    writableLength,
    write: (text: string) => {
      writes.push(text);
      return true;
    },
  };
  return { stream: stream as unknown as ServerResponse & typeof stream, writes };
}

describe("BatchedWriter", () => {
  it("writes each client's queued events together, once per batch", () => {
    vi.useFakeTimers();
    try {
      const writer = new BatchedWriter();
      const a = fakeStream();
      const b = fakeStream();
      const clientA = writer.client(a.stream, { maxBufferedBytes: 1000, onStalled: () => {} });
      const clientB = writer.client(b.stream, { maxBufferedBytes: 1000, onStalled: () => {} });
      clientA.push("one\n\n");
      clientA.push("two\n\n");
      clientB.push("one\n\n");
      expect(a.writes).toEqual([]);
      vi.advanceTimersByTime(BATCH_MS);
      expect(a.writes).toEqual(["one\n\ntwo\n\n"]);
      expect(b.writes).toEqual(["one\n\n"]);
      // Nothing queued: no timer, no writes.
      vi.advanceTimersByTime(BATCH_MS * 5);
      expect(a.writes).toHaveLength(1);
      clientA.push("three\n\n");
      writer.flushAll();
      expect(a.writes).toEqual(["one\n\ntwo\n\n", "three\n\n"]);
    } finally {
      vi.useRealTimers();
    }
  });

  it("spreads a flush to many clients over several turns of the event loop", async () => {
    const writer = new BatchedWriter();
    const streams = Array.from({ length: CLIENTS_PER_TURN * 2 + 1 }, () => fakeStream());
    for (const { stream } of streams)
      writer.client(stream, { maxBufferedBytes: 1000, onStalled: () => {} }).push("e\n\n");
    writer.flush();
    const written = () => streams.filter(({ writes }) => writes.length > 0).length;
    expect(written()).toBe(CLIENTS_PER_TURN);
    await new Promise((resolve) => setImmediate(resolve));
    expect(written()).toBe(CLIENTS_PER_TURN * 2);
    await new Promise((resolve) => setImmediate(resolve));
    expect(written()).toBe(streams.length);
  });

  it("writes at once, without waiting for the batch's end, once much is queued", async () => {
    const writer = new BatchedWriter();
    const busy = fakeStream();
    writer
      .client(busy.stream, { maxBufferedBytes: FLUSH_BYTES * 2, onStalled: () => {} })
      .push("x".repeat(FLUSH_BYTES));
    await new Promise((resolve) => setImmediate(resolve));
    expect(busy.writes).toHaveLength(1);
  });

  it("tells about a client that stopped reading instead of buffering more for it", () => {
    const writer = new BatchedWriter();
    const slow = fakeStream(5000);
    const stalled = vi.fn();
    writer.client(slow.stream, { maxBufferedBytes: 1000, onStalled: stalled }).push("x\n\n");
    writer.flush();
    expect(stalled).toHaveBeenCalledOnce();
    expect(slow.writes).toEqual([]);
  });

  it("drops what a departed client had queued", () => {
    const writer = new BatchedWriter();
    const gone = fakeStream();
    const client = writer.client(gone.stream, { maxBufferedBytes: 1000, onStalled: () => {} });
    client.push("x\n\n");
    client.drop();
    writer.flush();
    expect(gone.writes).toEqual([]);
  });
});
