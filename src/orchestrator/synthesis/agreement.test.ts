import { describe, expect, it } from "vitest";
import {
  type AgreementCandidate,
  type AgreementTest,
  agreementConfidence,
  scoreAgreement,
} from "./agreement.js";

const cands = (n: number, invalid: number[] = [], weights: number[] = []): AgreementCandidate[] =>
  Array.from({ length: n }, (_, i) => ({
    id: `c${i}`,
    weight: weights[i] ?? 1,
    valid: !invalid.includes(i),
  }));
const gen = (n: number): AgreementTest[] =>
  Array.from({ length: n }, (_, i) => ({ id: `g${i}`, trusted: false, weight: 1 }));
const given = (n: number): AgreementTest[] =>
  Array.from({ length: n }, (_, i) => ({ id: `t${i}`, trusted: true, weight: 1 }));
const rows = (...r: string[]): boolean[][] => r.map((s) => [...s].map((ch) => ch === "1"));

describe("scoreAgreement", () => {
  it("picks the candidates that agree on model-written tests, despite some wrong tests", () => {
    // Tests g0-g3 are right, g4 is wrong (the right solutions fail it).
    // c0, c2, c3 are right; c1 and c4 are wrong in different ways (one passes the wrong test).
    const result = scoreAgreement({
      candidates: cands(5),
      tests: gen(5),
      passed: rows("11110", "10001", "11110", "11110", "01101"),
    });
    expect(result.groups[0]).toMatchObject({
      members: ["c0", "c2", "c3"],
      mass: 3,
      generatedPassed: 4,
      consensus: 12,
    });
    expect(result.groups.map((g) => g.consensus)).toEqual([12, 3, 2]);
  });

  it("ranks by test weight passed by default, by CodeT's product on request", () => {
    const input = { candidates: cands(3), tests: gen(3), passed: rows("110", "110", "111") };
    expect(scoreAgreement(input).groups[0]?.members).toEqual(["c2"]); // 3 tests > 2 tests
    const codet = scoreAgreement({ ...input, ranking: "codet" });
    expect(codet.groups[0]?.members).toEqual(["c0", "c1"]); // 2 × 2 = 4 > 1 × 3 = 3
  });

  it("breaks a tie in test weight by the candidates' mass", () => {
    const result = scoreAgreement({ candidates: cands(3), tests: gen(2), passed: rows("10", "01", "01") });
    expect(result.groups[0]?.members).toEqual(["c1", "c2"]);
  });

  it.each(["tests", "codet"] as const)(
    "gives a scalar score that orders groups like the ranking (%s)",
    (ranking) => {
      const result = scoreAgreement({
        candidates: cands(6, [], [1, 2, 1, 1, 3, 1]),
        tests: [...given(2), ...gen(3)],
        passed: rows("11000", "10111", "10111", "01110", "11001", "00000"),
        ranking,
      });
      const scores = result.groups.map((g) => g.score);
      expect([...scores].sort((a, b) => b - a)).toEqual(scores);
      expect(new Set(scores).size).toBe(scores.length);
    },
  );

  it("puts trusted tests first: one more given test passed beats any consensus", () => {
    const result = scoreAgreement({
      candidates: cands(4),
      tests: [...given(2), ...gen(4)],
      passed: rows("101111", "101111", "101111", "110000"),
    });
    expect(result.groups[0]?.members).toEqual(["c3"]);
    expect(result.groups[0]?.trustedPassed).toBe(2);
    expect(result.groups[0]?.score).toBeGreaterThan(result.groups[1]?.score ?? 0);
  });

  it("never groups invalid candidates, and lists them", () => {
    const result = scoreAgreement({
      candidates: cands(3, [0, 2]),
      tests: gen(1),
      passed: rows("1", "0", "1"),
    });
    expect(result.groups.map((g) => g.members)).toEqual([["c1"]]);
    expect(result.invalid).toEqual(["c0", "c2"]);
  });

  it("counts model weights and test weights (tests several models wrote count more)", () => {
    const tests: AgreementTest[] = [
      { id: "popular", trusted: false, weight: 3 },
      { id: "lonely", trusted: false, weight: 1 },
    ];
    const result = scoreAgreement({ candidates: cands(2, [], [1, 1.5]), tests, passed: rows("10", "01") });
    expect(result.groups[0]).toMatchObject({ members: ["c0"], consensus: 3 });
    expect(result.groups[1]).toMatchObject({ members: ["c1"], consensus: 1.5 });
  });

  it("falls back to the heaviest group, then the earliest, when nothing passes", () => {
    const none = scoreAgreement({
      candidates: cands(3, [], [1, 2, 1]),
      tests: gen(2),
      passed: rows("00", "00", "00"),
    });
    expect(none.groups).toHaveLength(1); // all behave the same
    const split = scoreAgreement({ candidates: cands(2), tests: [], passed: rows("", "") });
    expect(split.groups[0]?.members).toEqual(["c0", "c1"]);
  });

  it("orders equal groups by their first member, deterministically", () => {
    const result = scoreAgreement({ candidates: cands(2), tests: gen(2), passed: rows("10", "01") });
    expect(result.groups.map((g) => g.members)).toEqual([["c0"], ["c1"]]);
  });
});

describe("agreementConfidence", () => {
  const base = { members: [], passes: [], mass: 2, consensus: 0, score: 0 };
  it("is the trusted pass rate when there are given tests", () => {
    const g = { ...base, trustedPassed: 3, trustedTotal: 4, generatedPassed: 0, generatedTotal: 5 };
    expect(agreementConfidence(g, 5)).toBe(0.75);
  });
  it("is weight share × model-test pass rate without given tests, and weight share with no tests", () => {
    const g = { ...base, trustedPassed: 0, trustedTotal: 0, generatedPassed: 3, generatedTotal: 4 };
    expect(agreementConfidence(g, 4)).toBeCloseTo(0.375);
    expect(agreementConfidence({ ...g, generatedTotal: 0, generatedPassed: 0 }, 4)).toBe(0.5);
    expect(agreementConfidence(g, 0)).toBe(0);
  });
});
