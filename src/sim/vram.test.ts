import { describe, expect, it } from "vitest";
import { VramManager } from "./vram.js";

/** Loads a model fully (start + finish) and leaves it idle with the given keep-alive. */
function loadIdle(vram: VramManager, key: string, sizeMb: number, now: number, keepAliveMs = 60_000): void {
  const decision = vram.decide(key, sizeMb);
  if (decision.kind !== "load") throw new Error(`expected load, got ${decision.kind}`);
  vram.startLoad(key, key, sizeMb, now, keepAliveMs, decision.evict);
  vram.finishLoad(key, now);
  vram.release(key, now, keepAliveMs);
}

describe("VramManager", () => {
  it("loads into free room without evicting", () => {
    const vram = new VramManager(10_000);
    loadIdle(vram, "a", 4000, 0);
    expect(vram.decide("b", 5000)).toEqual({ kind: "load", evict: [] });
  });

  it("evicts idle models least recently used first, only as many as needed", () => {
    const vram = new VramManager(10_000);
    loadIdle(vram, "a", 4000, 0);
    loadIdle(vram, "b", 4000, 10);
    vram.use("a", 20, 60_000);
    vram.release("a", 20, 60_000); // a is now more recently used than b
    expect(vram.decide("c", 5000)).toEqual({ kind: "load", evict: ["b"] });
    expect(vram.decide("d", 9000)).toEqual({ kind: "load", evict: ["b", "a"] });
  });

  it("blocks when only busy models could make room", () => {
    const vram = new VramManager(10_000);
    loadIdle(vram, "a", 8000, 0);
    vram.use("a", 1, 60_000);
    expect(vram.decide("b", 4000)).toEqual({ kind: "blocked" });
    vram.release("a", 2, 60_000);
    expect(vram.decide("b", 4000)).toEqual({ kind: "load", evict: ["a"] });
  });

  it("says 'loading' while another request loads the same model", () => {
    const vram = new VramManager(10_000);
    vram.startLoad("a", "a", 1000, 0, 1000, []);
    expect(vram.decide("a", 1000)).toEqual({ kind: "loading" });
    vram.finishLoad("a", 5);
    expect(vram.decide("a", 1000)).toEqual({ kind: "ready" });
  });

  it("unloads idle models when keep_alive runs out, never busy ones", () => {
    const vram = new VramManager(10_000);
    loadIdle(vram, "a", 1000, 0, 5000);
    loadIdle(vram, "b", 1000, 0, 5000);
    vram.use("b", 1000, 5000);
    expect(vram.sweep(4999)).toEqual([]);
    expect(vram.sweep(6000)).toEqual(["a"]);
    expect(vram.list().map((m) => m.key)).toEqual(["b"]);
  });

  it("unloads at once when keep_alive is 0 and nobody else uses the model", () => {
    const vram = new VramManager(10_000);
    loadIdle(vram, "a", 1000, 0);
    vram.use("a", 1, 0);
    vram.use("a", 1, 0);
    vram.release("a", 2, 0);
    expect(vram.get("a")).toBeDefined();
    vram.release("a", 3, 0);
    expect(vram.get("a")).toBeUndefined();
  });

  it("unloads a busy model once its requests finish when an unload is asked for", () => {
    const vram = new VramManager(10_000);
    loadIdle(vram, "a", 1000, 0);
    vram.use("a", 1, 60_000);
    vram.expire("a", 2);
    expect(vram.get("a")).toBeDefined();
    vram.release("a", 3, 60_000);
    expect(vram.get("a")).toBeUndefined();
  });

  it("keeps a model forever with an infinite keep_alive", () => {
    const vram = new VramManager(10_000);
    loadIdle(vram, "a", 1000, 0, Number.POSITIVE_INFINITY);
    expect(vram.sweep(Number.MAX_SAFE_INTEGER)).toEqual([]);
  });

  it("partly offloads a model bigger than the card", () => {
    const vram = new VramManager(4000);
    loadIdle(vram, "big", 9000, 0);
    expect(vram.get("big")).toMatchObject({ sizeMb: 9000, vramMb: 4000 });
  });
});
