import { describe, expect, it } from "vitest";
import { mergeAsync } from "./merge.js";

function deferredSource<T>(values: T[], gate: Promise<void>[]): AsyncIterable<T> {
  return (async function* () {
    for (const [index, value] of values.entries()) {
      await gate[index];
      yield value;
    }
  })();
}

describe("mergeAsync", () => {
  it("yields every item of every source", async () => {
    const out: number[] = [];
    for await (const value of mergeAsync([deferredSource([1, 2], []), deferredSource([3], [])]))
      out.push(value);
    expect(out.sort()).toEqual([1, 2, 3]);
  });

  it("yields items in arrival order across sources", async () => {
    let releaseA!: () => void;
    const gateA = new Promise<void>((resolve) => {
      releaseA = resolve;
    });
    const merged = mergeAsync([deferredSource(["a"], [gateA]), deferredSource(["b"], [])]);
    const first = await merged.next();
    releaseA();
    const second = await merged.next();
    expect([first.value, second.value]).toEqual(["b", "a"]);
    expect((await merged.next()).done).toBe(true);
  });

  it("propagates a source's error", async () => {
    const failing = (async function* () {
      yield 1;
      throw new Error("boom");
    })();
    const consume = async () => {
      for await (const _ of mergeAsync([failing])) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow("boom");
  });

  it("handles no sources", async () => {
    expect((await mergeAsync([]).next()).done).toBe(true);
  });
});
