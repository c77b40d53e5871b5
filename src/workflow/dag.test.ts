import { describe, expect, it } from "vitest";
import {
  blockedSteps,
  buildDag,
  criticalPath,
  type DagNode,
  dagIssues,
  dependentsClosure,
  newlyReady,
  readySteps,
  topologicalLevels,
  topologicalOrder,
} from "./dag.js";
import { WorkflowDefinitionError } from "./errors.js";
import type { StepState } from "./types.js";

function nodes(spec: Record<string, string[]>): DagNode[] {
  return Object.entries(spec).map(([id, dependsOn]) => ({ id, dependsOn }));
}

/** a → b, c → d (diamond), plus an independent e. */
const diamond = nodes({ a: [], b: ["a"], c: ["a"], d: ["b", "c"], e: [] });

function states(entries: Record<string, StepState>): Map<string, StepState> {
  return new Map(Object.entries(entries));
}

describe("dagIssues", () => {
  it("accepts a valid DAG", () => {
    expect(dagIssues(diamond)).toEqual([]);
  });

  it("refuses a workflow without steps", () => {
    expect(dagIssues([])).toEqual(["a workflow needs at least one step"]);
  });

  it("reports empty ids with their position", () => {
    expect(dagIssues([{ id: "", dependsOn: [] }])).toEqual(["step 0 has an empty id"]);
  });

  it("reports each repeated id once", () => {
    const issues = dagIssues(nodes({ a: [] }).concat(nodes({ a: [] }), nodes({ a: [] })));
    expect(issues).toEqual(['step id "a" is used more than once; give each step its own id']);
  });

  it("reports unknown dependencies naming both steps", () => {
    expect(dagIssues(nodes({ a: ["ghost"] }))).toEqual([
      'step "a" depends on "ghost", which is not a step of this workflow',
    ]);
  });

  it("reports a step that depends on itself (and not also as a cycle)", () => {
    expect(dagIssues(nodes({ a: ["a"] }))).toEqual(['step "a" depends on itself']);
  });

  it("reports a cycle with its path", () => {
    const issues = dagIssues(nodes({ a: ["c"], b: ["a"], c: ["b"], d: [] }));
    expect(issues).toEqual(["dependency cycle a → c → b → a"]);
  });

  it("reports a two-step cycle", () => {
    expect(dagIssues(nodes({ a: ["b"], b: ["a"] }))).toEqual(["dependency cycle a → b → a"]);
  });

  it("reports a cycle reached from outside it, with the cycle only", () => {
    expect(dagIssues(nodes({ root: ["x"], x: ["y"], y: ["x"] }))).toEqual(["dependency cycle x → y → x"]);
  });

  it("reports separate cycles separately", () => {
    const issues = dagIssues(nodes({ a: ["b"], b: ["a"], c: ["d"], d: ["c"] }));
    expect(issues).toEqual(["dependency cycle a → b → a", "dependency cycle c → d → c"]);
  });

  it("reports every kind of problem together", () => {
    const issues = dagIssues([
      { id: "a", dependsOn: ["b", "nope"] },
      { id: "b", dependsOn: ["a"] },
      { id: "a", dependsOn: [] },
      { id: "s", dependsOn: ["s"] },
    ]);
    expect(issues).toEqual([
      'step id "a" is used more than once; give each step its own id',
      'step "a" depends on "nope", which is not a step of this workflow',
      'step "s" depends on itself',
      "dependency cycle a → b → a",
    ]);
  });

  it("tolerates a dependency listed twice", () => {
    expect(dagIssues(nodes({ a: [], b: ["a", "a"] }))).toEqual([]);
  });

  it("checks a 20,000-step chain without overflowing the stack", () => {
    const chain = Array.from({ length: 20_000 }, (_, i) => ({
      id: `s${i}`,
      dependsOn: i === 0 ? [] : [`s${i - 1}`],
    }));
    expect(dagIssues(chain)).toEqual([]);
    chain[0] = { id: "s0", dependsOn: ["s19999"] };
    expect(dagIssues(chain)).toHaveLength(1);
    expect(dagIssues(chain)[0]).toMatch(/^dependency cycle s0 → s19999 → s19998 → .* → s0$/);
  });
});

describe("buildDag", () => {
  it("throws one WorkflowDefinitionError listing every issue", () => {
    let caught: unknown;
    try {
      buildDag(nodes({ a: ["b"], b: ["a"], c: ["zz"] }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WorkflowDefinitionError);
    const error = caught as WorkflowDefinitionError;
    expect(error.code).toBe("HYDRA_ERR_WORKFLOW_DEFINITION");
    expect(error.status).toBe(400);
    expect(error.issues).toHaveLength(2);
    expect(error.message).toContain("a → b → a");
    expect(error.message).toContain('"zz"');
  });

  it("removes repeated dependencies and lists dependents in definition order", () => {
    const dag = buildDag(nodes({ a: [], b: ["a", "a"], c: ["a"] }));
    expect(dag.dependsOn.get("b")).toEqual(["a"]);
    expect(dag.dependents.get("a")).toEqual(["b", "c"]);
    expect(dag.dependents.get("c")).toEqual([]);
  });
});

describe("topological order and levels", () => {
  it("puts every step after its dependencies", () => {
    const dag = buildDag(nodes({ d: ["b", "c"], c: ["a"], b: ["a"], a: [] }));
    const order = topologicalOrder(dag);
    expect(order).toEqual(["a", "c", "b", "d"]);
  });

  it("groups steps by longest distance from a root", () => {
    expect(topologicalLevels(buildDag(diamond))).toEqual([["a", "e"], ["b", "c"], ["d"]]);
  });

  it("places a step by its deepest dependency, not its shallowest", () => {
    const dag = buildDag(nodes({ a: [], b: ["a"], c: ["b"], x: ["a", "c"] }));
    expect(topologicalLevels(dag)).toEqual([["a"], ["b"], ["c"], ["x"]]);
  });

  it("has one level for independent steps", () => {
    expect(topologicalLevels(buildDag(nodes({ a: [], b: [], c: [] })))).toEqual([["a", "b", "c"]]);
  });
});

describe("criticalPath", () => {
  it("is the heaviest chain of dependent steps", () => {
    const durations: Record<string, number> = { a: 10, b: 50, c: 20, d: 5, e: 40 };
    const result = criticalPath(buildDag(diamond), (id) => durations[id] ?? 0);
    expect(result).toEqual({ durationMs: 65, path: ["a", "b", "d"] });
  });

  it("may end at an independent step when it is the longest", () => {
    const durations: Record<string, number> = { a: 10, b: 50, c: 20, d: 5, e: 400 };
    expect(criticalPath(buildDag(diamond), (id) => durations[id] ?? 0)).toEqual({
      durationMs: 400,
      path: ["e"],
    });
  });

  it("sums a chain", () => {
    const dag = buildDag(nodes({ a: [], b: ["a"], c: ["b"] }));
    expect(criticalPath(dag, () => 7)).toEqual({ durationMs: 21, path: ["a", "b", "c"] });
  });

  it("breaks ties by definition order", () => {
    expect(criticalPath(buildDag(diamond), () => 1)).toEqual({ durationMs: 3, path: ["a", "b", "d"] });
  });
});

describe("readySteps and newlyReady", () => {
  const dag = buildDag(diamond);

  it("starts with the roots", () => {
    const all = states({ a: "pending", b: "pending", c: "pending", d: "pending", e: "pending" });
    expect(readySteps(dag, all)).toEqual(["a", "e"]);
  });

  it("releases dependents when their dependency succeeded", () => {
    const now = states({ a: "succeeded", b: "pending", c: "pending", d: "pending", e: "running" });
    expect(readySteps(dag, now)).toEqual(["b", "c"]);
    expect(newlyReady(dag, now, "a")).toEqual(["b", "c"]);
  });

  it("waits for every dependency", () => {
    const now = states({ a: "succeeded", b: "succeeded", c: "running", d: "pending", e: "succeeded" });
    expect(readySteps(dag, now)).toEqual([]);
    expect(newlyReady(dag, now, "b")).toEqual([]);
    now.set("c", "succeeded");
    expect(newlyReady(dag, now, "c")).toEqual(["d"]);
  });

  it("never releases dependents of a failed, skipped or cancelled step", () => {
    for (const state of ["failed", "skipped", "cancelled"] as const) {
      const now = states({ a: state, b: "pending", c: "pending", d: "pending", e: "pending" });
      expect(readySteps(dag, now)).toEqual(["e"]);
      expect(newlyReady(dag, now, "a")).toEqual([]);
    }
  });

  it("does not offer steps that are running or final", () => {
    const now = states({ a: "succeeded", b: "running", c: "succeeded", d: "pending", e: "failed" });
    expect(readySteps(dag, now)).toEqual([]);
  });
});

describe("dependentsClosure and blockedSteps", () => {
  const dag = buildDag(nodes({ a: [], b: ["a"], c: ["b"], d: ["a"], e: [], f: ["c", "e"] }));

  it("lists every transitive dependent in topological order", () => {
    expect(dependentsClosure(dag, "a")).toEqual(["b", "d", "c", "f"]);
    expect(dependentsClosure(dag, "e")).toEqual(["f"]);
    expect(dependentsClosure(dag, "f")).toEqual([]);
  });

  it("blocks every pending step downstream of a failure, and nothing else", () => {
    const now = states({
      a: "succeeded",
      b: "failed",
      c: "pending",
      d: "pending",
      e: "pending",
      f: "pending",
    });
    expect(blockedSteps(dag, now)).toEqual(["c", "f"]);
  });

  it("blocks downstream of skipped and cancelled steps too", () => {
    const now = states({
      a: "cancelled",
      b: "pending",
      c: "pending",
      d: "pending",
      e: "skipped",
      f: "pending",
    });
    expect(blockedSteps(dag, now)).toEqual(["b", "d", "c", "f"]);
  });

  it("blocks nothing while everything is healthy", () => {
    const now = states({
      a: "succeeded",
      b: "running",
      c: "pending",
      d: "pending",
      e: "pending",
      f: "pending",
    });
    expect(blockedSteps(dag, now)).toEqual([]);
  });
});
