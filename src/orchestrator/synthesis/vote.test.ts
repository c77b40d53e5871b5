import { describe, expect, it } from "vitest";
import type { Candidate } from "./types.js";
import { mostCentral, vote, voteKind } from "./vote.js";

const c = (id: string, text: string, weight?: number): Candidate => ({
  id,
  model: `m-${id}`,
  text,
  ...(weight === undefined ? {} : { weight }),
});
const fence = (code: string): string => `Here you go:\n\`\`\`python\n${code}\n\`\`\`\nThis should work.`;

const RIGHT_A = "def add(a, b):\n    return a + b";
const RIGHT_B = "def add(x, y):\n    # sum\n    return x + y";
const RIGHT_C = "def add(p, q):\n    '''Add.'''\n    return p+q";
const WRONG = "def add(a, b):\n    return a - b";

describe("vote on code", () => {
  it("takes the majority even when the answers differ in names, comments and prose", () => {
    const report = vote(
      [c("w1", fence(WRONG)), c("r1", fence(RIGHT_A)), c("r2", RIGHT_B), c("r3", fence(RIGHT_C))],
      {
        language: "python",
        functionName: "add",
      },
    );
    expect(report.clusters.map((k) => k.members)).toEqual([["r1", "r2", "r3"], ["w1"]]);
    expect(["r1", "r2", "r3"]).toContain(report.chosen?.candidateId);
    expect(report.chosen?.code).toBeDefined();
    expect(report.confidence).toBeCloseTo(0.75);
    expect(report.reason).toMatch(
      /^3 of 4 candidates \(weight 3 of 4\) give equivalent code; chose r\d \(m-r\d\)/,
    );
  });

  it("lets weights outvote numbers", () => {
    const report = vote([c("a", fence(WRONG), 3), c("b", fence(RIGHT_A)), c("c", fence(RIGHT_B))], {
      language: "python",
    });
    expect(report.chosen?.candidateId).toBe("a");
    expect(report.confidence).toBeCloseTo(0.6);
  });

  it("breaks ties deterministically: more members, then the earliest cluster", () => {
    const tied = vote([c("a", fence(WRONG)), c("b", fence(RIGHT_A))], { language: "python" });
    expect(tied.chosen?.candidateId).toBe("a");
    expect(tied.reason).toMatch(/no two of the 2 candidates agree; took a/);
    const again = vote([c("a", fence(WRONG)), c("b", fence(RIGHT_A))], { language: "python" });
    expect(again).toEqual(tied);
  });

  it("clusters by caller-given keys (behaviour signatures) when they are given", () => {
    const keys = new Map([
      ["a", "pass-pass"],
      ["b", "pass-fail"],
      ["c", "pass-pass"],
    ]);
    const report = vote(
      [c("a", fence(RIGHT_A)), c("b", fence(WRONG)), c("c", fence("def add(a, b):\n    return b + a"))],
      {
        language: "python",
        keys,
      },
    );
    expect(report.clusters[0]?.members).toEqual(["a", "c"]);
  });

  it("compares code when most answers are fenced code, even without a language", () => {
    const report = vote([c("a", fence(RIGHT_A)), c("b", fence(RIGHT_B)), c("c", "I think it is a - b.")]);
    expect(report.clusters[0]?.members).toEqual(["a", "b"]);
    expect(report.chosen?.language).toBe("python");
    expect(voteKind([c("a", "Paris"), c("b", fence(RIGHT_A))], {})).toEqual({ kind: "text" });
  });

  it("reports nothing to choose from for no candidates", () => {
    expect(vote([])).toMatchObject({ chosen: undefined, confidence: 0, clusters: [] });
  });
});

describe("vote on prose", () => {
  it("clusters by the stated final answer, whatever the reasoning", () => {
    const report = vote([
      c("a", "12 * 3 = 36, so the answer is 36."),
      c("b", "Let me compute.\nAnswer: 35"),
      c("c", "Thirty-six... \\boxed{36}"),
    ]);
    expect(report.clusters[0]?.members).toEqual(["a", "c"]);
    expect(report.reason).toMatch(/the same final answer \(36\)/);
  });

  it("clusters plain answers by canonical text", () => {
    const report = vote([c("a", "**Paris**."), c("b", "London"), c("c", "paris")]);
    expect(report.clusters[0]?.members).toEqual(["a", "c"]);
    expect(report.chosen?.text).toBe("**Paris**.");
  });
});

describe("mostCentral", () => {
  it("picks the member closest to the others, then the heavier, then the first", () => {
    const members = [
      { id: "x", weight: 1, body: "a b c" },
      { id: "y", weight: 1, body: "a b c d" },
      { id: "z", weight: 1, body: "a b c d e" },
    ];
    expect(mostCentral(members)?.id).toBe("y");
    const equal = [
      { id: "p", weight: 1, body: "a" },
      { id: "q", weight: 2, body: "a" },
    ];
    expect(mostCentral(equal)?.id).toBe("q");
    expect(mostCentral([])).toBeUndefined();
  });
});
