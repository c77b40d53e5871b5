/**
 * Verify's decision remade over the same evidence with learned weights, and the evidence
 * synthesizer learning per-model reliability from verify's outcomes.
 */
import { describe, expect, it } from "vitest";
import { createEvidenceSynthesizer } from "../../src/orchestrator/evidence-synthesizer.js";
import type { ModelAnswer } from "../../src/orchestrator/model-client.js";
import { reliabilityOf } from "../../src/orchestrator/synthesis/reliability.js";
import { memoryReliabilityStore } from "../../src/orchestrator/synthesis/reliability-store.js";
import { Sandbox } from "../../src/orchestrator/synthesis/sandbox.js";
import type { Candidate } from "../../src/orchestrator/synthesis/types.js";
import {
  decideVerify,
  gatherVerifyEvidence,
  reliabilityOutcomes,
  verify,
} from "../../src/orchestrator/synthesis/verify.js";

const sandbox = new Sandbox({ limits: { timeoutMs: 20_000 } });
const py = (code: string): string => `\`\`\`python\n${code}\n\`\`\`\n`;
const LEAP_RIGHT = "def is_leap(year):\n    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)";
const LEAP_NAIVE = "def is_leap(year):\n    return year % 4 == 0";
// Tests that cannot tell the naive rule from the right one.
const WEAK_TESTS = [{ author: "tester", text: "assert is_leap(2024)\nassert not is_leap(2023)" }];

describe("decideVerify over gathered evidence", () => {
  const candidates: Candidate[] = [
    { id: "c1", model: "weak", text: py(LEAP_NAIVE) },
    { id: "c2", model: "strong", text: py(LEAP_RIGHT) },
  ];

  it("remakes the choice with other weights without running anything again", async () => {
    const evidence = await gatherVerifyEvidence(candidates, {
      language: "python",
      functionName: "is_leap",
      generatedTests: WEAK_TESTS,
      sandbox,
    });
    const plain = decideVerify(evidence);
    expect(plain.groups).toHaveLength(1);
    expect(plain.chosen?.candidateId).toBe("c1");
    expect(plain.reason).toMatch(/2 different programs: took the one with the earliest candidate/);
    const weighted = decideVerify(evidence, {
      weights: new Map([
        ["c1", 0.3],
        ["c2", 0.8],
      ]),
    });
    expect(weighted.chosen?.candidateId).toBe("c2");
    expect(weighted.reason).toMatch(/took the one with the most weight \(0\.80 against 0\.30\)/);
    // The same as verify with the weights on the candidates.
    const direct = await verify(
      candidates.map((c) => ({ ...c, weight: c.id === "c1" ? 0.3 : 0.8 })),
      { language: "python", functionName: "is_leap", generatedTests: WEAK_TESTS, sandbox },
    );
    expect(direct.chosen?.candidateId).toBe("c2");
  });

  it("weighs the tests a candidate wrote by that candidate's weight", async () => {
    const withTests = (code: string, tests: string) => `${py(code)}\nTests:\n${py(tests)}`;
    const evidence = await gatherVerifyEvidence(
      [
        { id: "a", model: "ma", text: withTests(LEAP_NAIVE, "assert is_leap(1900)") },
        { id: "b", model: "mb", text: withTests(LEAP_RIGHT, "assert not is_leap(1900)") },
      ],
      { language: "python", functionName: "is_leap", sandbox },
    );
    const trustB = decideVerify(evidence, {
      weights: new Map([
        ["a", 0.2],
        ["b", 0.9],
      ]),
    });
    expect(trustB.chosen?.candidateId).toBe("b");
    expect(trustB.tests.map((t) => [t.body, t.weight])).toEqual([
      ["assert is_leap(1900)", 0.2],
      ["assert not is_leap(1900)", 0.9],
    ]);
    const trustA = decideVerify(evidence, {
      weights: new Map([
        ["a", 0.9],
        ["b", 0.2],
      ]),
    });
    expect(trustA.chosen?.candidateId).toBe("a");
  });

  it("reports outcomes only when the choice rests on passed tests", async () => {
    const report = await verify(candidates, {
      language: "python",
      tests: "assert not is_leap(1900)",
      sandbox,
    });
    expect(reliabilityOutcomes(report)).toEqual([
      { model: "weak", verified: false },
      { model: "strong", verified: true },
    ]);
    const untested = await verify(candidates, { language: "python", sandbox });
    expect(untested.verified).toBe(false);
    expect(reliabilityOutcomes(untested)).toBeUndefined();
  });
});

describe("evidence synthesizer with a reliability store", () => {
  const answer = (model: string, text: string): ModelAnswer => ({
    model,
    node: "n1",
    text,
    durationMs: 1,
    promptTokens: 1,
    outputTokens: 1,
  });
  const subtask = { id: "1", description: "is_leap", type: "code" as const, dependencies: [] };
  const signal = new AbortController().signal;

  it("learns who gets verified, and then prefers that model where the tests cannot tell", async () => {
    const store = memoryReliabilityStore();
    const synthesize = createEvidenceSynthesizer({ reliability: store });
    const answers = [answer("weak", py(LEAP_NAIVE)), answer("strong", py(LEAP_RIGHT))];
    // Requests whose given tests catch the naive rule teach the book.
    for (let i = 0; i < 3; i++) {
      const taught = await synthesize("verify", answers, {
        tests: ["assert not is_leap(1900)"],
        subtask,
        signal,
      });
      expect(taught.chosenIndex).toBe(1);
    }
    const book = store.book();
    expect(reliabilityOf(book, "strong", "code")).toBeGreaterThan(reliabilityOf(book, "weak", "code"));
    // A request whose tests both programs pass: the track record decides, not the order.
    const later = await synthesize("verify", answers, { tests: ["assert is_leap(2024)"], subtask, signal });
    expect(later.chosenIndex).toBe(1);
    expect(later.reason).toMatch(/took the one with the most weight/);
    // A vote records nothing: its winner is only the most common answer.
    const before = JSON.stringify(store.book());
    await synthesize("vote", answers, { subtask, signal });
    expect(JSON.stringify(store.book())).toBe(before);
  });

  it("without a store, every model counts the same", async () => {
    const synthesize = createEvidenceSynthesizer();
    const answers = [answer("weak", py(LEAP_NAIVE)), answer("strong", py(LEAP_RIGHT))];
    const result = await synthesize("verify", answers, { tests: ["assert is_leap(2024)"], subtask, signal });
    expect(result.chosenIndex).toBe(0);
  });
});
