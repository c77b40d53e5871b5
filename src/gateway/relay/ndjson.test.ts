import { describe, expect, it } from "vitest";
import { MalformedChunkError, readNdjson } from "./ndjson.js";

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) yield new TextEncoder().encode(part);
}

async function collect(parts: string[]): Promise<string[][]> {
  const batches: string[][] = [];
  for await (const batch of readNdjson(chunks(...parts))) batches.push(batch.map((line) => line.text));
  return batches;
}

describe("readNdjson", () => {
  it("yields the complete lines of each chunk as one batch", async () => {
    expect(await collect(['{"a":1}\n{"a":2}\n'])).toEqual([['{"a":1}', '{"a":2}']]);
  });

  it("holds a line split across chunks until it is complete", async () => {
    expect(await collect(['{"a":', '1}\n{"b"', ":2}\n"])).toEqual([['{"a":1}'], ['{"b":2}']]);
  });

  it("accepts a last line without a newline", async () => {
    expect(await collect(['{"a":1}\n{"done":true}'])).toEqual([['{"a":1}'], ['{"done":true}']]);
  });

  it("skips blank lines and strips CR", async () => {
    expect(await collect(['\n{"a":1}\r\n\n'])).toEqual([['{"a":1}']]);
  });

  it("decodes multi-byte characters split across chunks", async () => {
    const bytes = new TextEncoder().encode('{"t":"é"}\n');
    async function* split(): AsyncGenerator<Uint8Array> {
      yield bytes.slice(0, 7);
      yield bytes.slice(7);
    }
    const batches = [];
    for await (const batch of readNdjson(split())) batches.push(batch[0]?.value);
    expect(batches).toEqual([{ t: "é" }]);
  });

  it("throws MalformedChunkError on a line that is not a JSON object", async () => {
    await expect(collect(['{"a":1}\n{"broken\n'])).rejects.toBeInstanceOf(MalformedChunkError);
    await expect(collect(["[1,2]\n"])).rejects.toBeInstanceOf(MalformedChunkError);
  });
});
