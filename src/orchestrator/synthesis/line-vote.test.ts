import { describe, expect, it } from "vitest";
import { lineVoteMerge, mergeByLineVote } from "./line-vote.js";
import { sequenceRatio } from "./sequence-ratio.js";
import type { Candidate } from "./types.js";

/** Three correct solutions, written differently: the original's merge splices them into broken code. */
const CORRECT_SUMS = [
  "def sum_list(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total",
  "def sum_list(xs):\n    result = 0\n    for value in xs:\n        result += value\n    return result",
  "def sum_list(xs):\n    total = 0\n    for value in xs:\n        total = total + value\n    return total",
];

const candidate = (id: string, code: string, weight?: number): Candidate => ({
  id,
  model: `m-${id}`,
  text: `\`\`\`python\n${code}\n\`\`\``,
  ...(weight === undefined ? {} : { weight }),
});

describe("mergeByLineVote", () => {
  it("takes the most common line at each index, the first seen on a tie", () => {
    expect(mergeByLineVote(["a\nb\nc", "a\nB\nc", "x\nB"])).toBe("a\nB\nc");
    expect(mergeByLineVote(["1\n2", "3\n4"])).toBe("1\n2");
    expect(mergeByLineVote([])).toBe("");
  });
});

describe("lineVoteMerge (the original's CodeSynthesizer)", () => {
  it("splices three correct solutions into code that uses an unbound variable", () => {
    // They are similar enough for the original's 0.7 threshold to group them.
    const [a, b, c] = CORRECT_SUMS as [string, string, string];
    expect(sequenceRatio(a, b)).toBeGreaterThan(0.7);
    expect(sequenceRatio(a, c)).toBeGreaterThan(0.7);
    const merged = lineVoteMerge(
      CORRECT_SUMS.map((code, i) => candidate(`c${i}`, code)),
      { language: "python" },
    );
    expect(merged.group).toEqual(["c0", "c1", "c2"]);
    // Line 3 comes from the first solution, whose loop variable the merge replaced: NameError.
    expect(merged.code).toBe(
      "def sum_list(xs):\n    total = 0\n    for value in xs:\n        total += x\n    return total",
    );
  });

  it("groups dissimilar code apart and picks the heaviest group", () => {
    const far =
      "import functools\n\nclass Summer:\n    @staticmethod\n    def run(values):\n        return functools.reduce(lambda p, q: p + q, values, 0)";
    const merged = lineVoteMerge(
      [candidate("a", far, 3), candidate("b", CORRECT_SUMS[0] ?? ""), candidate("c", CORRECT_SUMS[2] ?? "")],
      {
        language: "python",
      },
    );
    expect(merged.groups).toEqual([["a"], ["b", "c"]]);
    expect(merged.group).toEqual(["a"]);
    expect(merged.code).toBe(far);
  });

  it("returns empty code when no candidate has any", () => {
    expect(lineVoteMerge([{ id: "x", model: "m", text: "I don't know." }], { language: "python" })).toEqual({
      code: "",
      group: [],
      groups: [],
    });
  });
});
