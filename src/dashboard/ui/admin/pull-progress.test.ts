import { describe, expect, it } from "vitest";
import { applyPullLine, type PullLine, pullFraction, startPull } from "./pull-progress.js";

function fold(lines: PullLine[], nodes = ["a", "b"]) {
  return lines.reduce(applyPullLine, startPull(nodes));
}

describe("pull progress", () => {
  it("starts every chosen node waiting at zero", () => {
    const state = startPull(["a", "b"]);
    expect(Object.values(state.nodes).map((n) => [n.node, n.state, pullFraction(n)])).toEqual([
      ["a", "pulling", 0],
      ["b", "pulling", 0],
    ]);
  });

  it("sums the layers of one node into one bar", () => {
    const state = fold([
      { node: "a", status: "pulling manifest" },
      { node: "a", status: "pulling aaa", digest: "sha256:aaa", completed: 50, total: 100 },
      { node: "a", status: "pulling bbb", digest: "sha256:bbb", completed: 0, total: 100 },
      { node: "a", status: "pulling aaa", digest: "sha256:aaa", completed: 100, total: 100 },
    ]);
    expect(state.nodes.a).toMatchObject({
      completed: 100,
      total: 200,
      state: "pulling",
      status: "pulling aaa",
    });
    expect(pullFraction(state.nodes.a!)).toBe(0.5);
  });

  it("marks nodes done or failed, and reads the final line", () => {
    const state = fold([
      { node: "a", status: "success" },
      { node: "b", status: "failed: no space left" },
      { error: "pull of m failed on b: no space left" },
    ]);
    expect(state.nodes.a?.state).toBe("done");
    expect(pullFraction(state.nodes.a!)).toBe(1);
    expect(state.nodes.b?.state).toBe("failed");
    expect(state.outcome).toEqual({ state: "failed", error: "pull of m failed on b: no space left" });
    expect(fold([{ status: "success" }]).outcome).toEqual({ state: "done" });
  });
});
