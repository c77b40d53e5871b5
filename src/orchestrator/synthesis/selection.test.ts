import { describe, expect, it } from "vitest";
import {
  authorConsistency,
  type SelectionCandidate,
  type SelectionTest,
  selectCandidate,
} from "./selection.js";

const cand = (id: string, cluster: string, weight = 1, valid = true): SelectionCandidate => ({
  id,
  weight,
  valid,
  cluster,
});
const modelTest = (id: string, authors: string[], weight = authors.length): SelectionTest => ({
  id,
  trusted: false,
  weight,
  authors,
});
const givenTest = (id: string): SelectionTest => ({ id, trusted: true, weight: 1, authors: [] });
/** Rows of "1"/"0" into the pass matrix. */
const rows = (...r: string[]): boolean[][] => r.map((s) => [...s].map((ch) => ch === "1"));

describe("selectCandidate: between groups", () => {
  it("prefers the candidate that agreeing evidence supports over one with more raw passes from a lone wrong suite", () => {
    // m1-m3: written by three models each and right. w1-w5: one model's own suite, all wrong
    // (they encode its bug). Its candidate "lone" passes 5 tests, the others 3.
    const tests = [
      modelTest("m1", ["a", "b", "c"]),
      modelTest("m2", ["a", "b", "c"]),
      modelTest("m3", ["a", "c", "lone"]),
      ...["w1", "w2", "w3", "w4", "w5"].map((id) => modelTest(id, ["lone"])),
    ];
    const passed = rows("11100000", "11100000", "11100000", "00011111");
    const selection = selectCandidate({
      candidates: [cand("a", "right"), cand("b", "right"), cand("c", "right-2"), cand("lone", "bug")],
      tests,
      passed,
    });
    const rawPasses = passed.map((r) => r.filter(Boolean).length);
    expect(rawPasses).toEqual([3, 3, 3, 5]);
    expect(selection.chosen).not.toBe("lone");
    expect(selection.groups[0]?.members).toEqual(["a", "b", "c"]);
    expect(selection.groups[0]?.generatedPassed).toBe(9);
    expect(selection.groups[1]).toMatchObject({ members: ["lone"], generatedPassed: 5 });
  });

  it("lets one more trusted test outweigh any weight of model-written tests", () => {
    const selection = selectCandidate({
      candidates: [cand("many", "x", 5), cand("given", "y", 0.1)],
      tests: [givenTest("t1"), modelTest("m1", ["many"], 100)],
      passed: rows("01", "10"),
    });
    expect(selection.chosen).toBe("given");
  });

  it("never chooses a candidate that does not run, and chooses nothing when none does", () => {
    const some = selectCandidate({
      candidates: [cand("broken", "x", 9, false), cand("ok", "y")],
      tests: [modelTest("m1", ["broken"])],
      passed: rows("1", "0"),
    });
    expect(some.chosen).toBe("ok");
    expect(some.invalid).toEqual(["broken"]);
    const none = selectCandidate({
      candidates: [cand("broken", "x", 1, false)],
      tests: [],
      passed: [[]],
    });
    expect(none).toMatchObject({ chosen: undefined, clusters: [], decidedBy: undefined });
  });
});

describe("selectCandidate: inside the winning group", () => {
  // Four candidates that pass the same tests, two programs: the tests cannot tell them apart.
  const tests = [
    modelTest("m1", ["p", "q", "r", "s"]),
    modelTest("m2", ["p", "r"]),
    modelTest("m3", ["q", "s"]),
  ];
  const same = rows("110", "110", "110", "110");

  it("takes the cluster with the most weight (a learned reliability)", () => {
    const selection = selectCandidate({
      candidates: [
        cand("p", "bug", 0.4),
        cand("q", "ref", 0.7),
        cand("r", "bug", 0.45),
        cand("s", "ref", 0.6),
      ],
      tests,
      passed: same,
    });
    expect(selection.chosen).toBe("q");
    expect(selection.decidedBy).toBe("cluster weight");
    expect(selection.clusters.map((c) => c.members)).toEqual([
      ["q", "s"],
      ["p", "r"],
    ]);
  });

  it("with equal weights, takes the cluster whose authors' own tests agree with the group's behaviour", () => {
    // q and s wrote m3, which the group fails: they misread the task.
    const selection = selectCandidate({
      candidates: [cand("p", "a"), cand("q", "b"), cand("r", "a"), cand("s", "b")],
      tests,
      passed: same,
    });
    expect(selection.decidedBy).toBe("author consistency");
    expect(selection.chosen).toBe("p");
    expect(selection.clusters[0]).toMatchObject({ members: ["p", "r"], consistency: 2.5 / 3 });
    expect(selection.clusters[1]).toMatchObject({ members: ["q", "s"], consistency: 1.5 / 3 });
  });

  it("then takes the larger cluster, then the earlier one", () => {
    const bySize = selectCandidate({
      candidates: [cand("x", "one", 1), cand("y", "two", 0.5), cand("z", "two", 0.5)],
      tests: [modelTest("m1", [])],
      passed: rows("1", "1", "1"),
    });
    expect(bySize).toMatchObject({ chosen: "y", decidedBy: "cluster size" });
    const byOrder = selectCandidate({
      candidates: [cand("x", "one"), cand("y", "two")],
      tests: [modelTest("m1", [])],
      passed: rows("1", "1"),
    });
    expect(byOrder).toMatchObject({ chosen: "x", decidedBy: "candidate order" });
  });

  it("says there was nothing to decide when the group is one program", () => {
    const selection = selectCandidate({
      candidates: [cand("x", "same", 0.2), cand("y", "same", 0.9)],
      tests: [modelTest("m1", ["x"])],
      passed: rows("1", "1"),
    });
    // Inside the cluster, the heaviest member answers.
    expect(selection).toMatchObject({ chosen: "y", decidedBy: "one cluster" });
  });

  it("inside the chosen cluster prefers the heavier, then the more consistent, then the earlier member", () => {
    const t = [modelTest("m1", ["b"]), modelTest("m2", ["a"])];
    const consistent = selectCandidate({
      candidates: [cand("a", "k"), cand("b", "k")],
      tests: t,
      passed: rows("10", "10"),
    });
    expect(consistent.chosen).toBe("b");
    const earlier = selectCandidate({
      candidates: [cand("a", "k"), cand("b", "k")],
      tests: [modelTest("m1", [])],
      passed: rows("1", "1"),
    });
    expect(earlier.chosen).toBe("a");
  });
});

describe("authorConsistency", () => {
  const tests = [
    modelTest("m1", ["a"]),
    modelTest("m2", ["a", "b"]),
    givenTest("t1"),
    modelTest("m3", ["a"]),
  ];

  it("is (own tests the behaviour passes + ½) / (own tests + 1)", () => {
    expect(authorConsistency("a", tests, [true, true, false, false])).toBeCloseTo(2.5 / 4);
    expect(authorConsistency("b", tests, [false, true, true, true])).toBeCloseTo(1.5 / 2);
  });

  it("is ½ for a candidate that wrote no test, and ignores given tests", () => {
    expect(authorConsistency("c", tests, [true, true, true, true])).toBe(0.5);
    expect(authorConsistency("b", tests, [true, false, true, true])).toBeCloseTo(0.5 / 2);
  });
});
