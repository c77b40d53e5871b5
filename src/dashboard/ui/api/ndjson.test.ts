import { describe, expect, it } from "vitest";
import { NdjsonSplitter } from "./ndjson.js";

describe("NdjsonSplitter", () => {
  it("yields each complete line once, across chunk boundaries", () => {
    const splitter = new NdjsonSplitter();
    expect(splitter.push('{"a":1}\n{"b"')).toEqual([{ a: 1 }]);
    expect(splitter.push(":2}\n\n")).toEqual([{ b: 2 }]);
    expect(splitter.push('{"c":3}')).toEqual([]);
    expect(splitter.end()).toEqual([{ c: 3 }]);
  });
});
