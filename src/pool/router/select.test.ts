import { describe, expect, it } from "vitest";
import { type NodeSnapshot, rankNodes } from "./select.js";

const node = (name: string, overrides: Partial<NodeSnapshot> = {}): NodeSnapshot => ({
  name,
  healthy: true,
  hasModel: true,
  modelLoaded: false,
  inFlight: 0,
  weight: 1,
  ...overrides,
});

describe("rankNodes", () => {
  it("keeps only healthy nodes that have the model", () => {
    const ranked = rankNodes([node("a", { healthy: false }), node("b", { hasModel: false }), node("c")], 0);
    expect(ranked.map((r) => r.name)).toEqual(["c"]);
  });

  it("returns nothing when no node qualifies", () => {
    expect(rankNodes([node("a", { healthy: false })], 0)).toEqual([]);
    expect(rankNodes([], 3)).toEqual([]);
  });

  it("prefers a node where the model is loaded, even when it is busier", () => {
    const ranked = rankNodes([node("idle"), node("loaded", { modelLoaded: true, inFlight: 3 })], 0);
    expect(ranked.map((r) => r.name)).toEqual(["loaded", "idle"]);
  });

  it("orders equally loaded-state nodes by in-flight count", () => {
    const ranked = rankNodes(
      [node("a", { inFlight: 2 }), node("b", { inFlight: 0 }), node("c", { inFlight: 1 })],
      0,
    );
    expect(ranked.map((r) => r.name)).toEqual(["b", "c", "a"]);
  });

  it("divides in-flight by weight so a heavier node takes more", () => {
    const ranked = rankNodes([node("small", { inFlight: 1 }), node("big", { inFlight: 3, weight: 4 })], 0);
    expect(ranked.map((r) => r.name)).toEqual(["big", "small"]);
    expect(ranked[0]?.load).toBe(0.75);
  });

  it("spreads ties across nodes as the rotation advances", () => {
    const nodes = [node("a"), node("b"), node("c")];
    const firsts = [0, 1, 2, 3].map((rotation) => rankNodes(nodes, rotation)[0]?.name);
    expect(firsts).toEqual(["a", "b", "c", "a"]);
  });

  it("handles negative and large rotations", () => {
    const nodes = [node("a"), node("b")];
    expect(rankNodes(nodes, -1)[0]?.name).toBe("b");
    expect(rankNodes(nodes, 1_000_001)[0]?.name).toBe("b");
  });

  it("explains each rank", () => {
    const [first] = rankNodes([node("a", { modelLoaded: true, inFlight: 2 })], 0);
    expect(first?.reason).toBe("model loaded, 2 in flight (weight 1)");
  });

  it("ranks a node with an overload penalty behind an equal clean one, but before a much busier one", () => {
    const ranked = rankNodes(
      [node("penalized", { penalty: 0.5 }), node("clean"), node("busy", { inFlight: 3 })],
      0,
    );
    expect(ranked.map((r) => r.name)).toEqual(["clean", "penalized", "busy"]);
    expect(ranked[1]?.reason).toContain("overload penalty 0.50");
  });
});
