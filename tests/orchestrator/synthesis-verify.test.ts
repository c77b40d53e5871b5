/**
 * The verify strategy end to end (extraction, syntax, sandboxed tests, agreement), the
 * dispatcher, and the original's line-vote merge failing where verify succeeds.
 */
import { describe, expect, it } from "vitest";
import { lineVoteMerge } from "../../src/orchestrator/synthesis/line-vote.js";
import { Sandbox } from "../../src/orchestrator/synthesis/sandbox.js";
import { synthesize } from "../../src/orchestrator/synthesis/strategies.js";
import { runTests } from "../../src/orchestrator/synthesis/tests-runner.js";
import type { Candidate } from "../../src/orchestrator/synthesis/types.js";
import { collectTests, verify } from "../../src/orchestrator/synthesis/verify.js";
import { vote } from "../../src/orchestrator/synthesis/vote.js";

const sandbox = new Sandbox({ limits: { timeoutMs: 20_000 } });

const py = (code: string, prose = "Here is my solution:"): string =>
  `${prose}\n\n\`\`\`python\n${code}\n\`\`\`\n`;
const js = (code: string): string => `\`\`\`js\n${code}\n\`\`\``;
const cand = (id: string, text: string, weight?: number): Candidate => ({
  id,
  model: `model-${id}`,
  node: "node-a",
  text,
  ...(weight === undefined ? {} : { weight }),
});

// Is a year a leap year: the classic place for a shared mistake.
const LEAP_RIGHT = "def is_leap(year):\n    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)";
const LEAP_RIGHT_2 =
  "def is_leap(y):\n    if y % 400 == 0:\n        return True\n    if y % 100 == 0:\n        return False\n    return y % 4 == 0";
const LEAP_NAIVE = "def is_leap(year):\n    return year % 4 == 0";
const LEAP_NAIVE_2 = "def is_leap(n):\n    # every fourth year\n    return n % 4 == 0";
const LEAP_BROKEN = "def is_leap(year)\n    return year % 4 == 0";
const GIVEN =
  "assert is_leap(2024)\nassert not is_leap(1900)\nassert is_leap(2000)\nassert not is_leap(2023)\n";

describe("verify with tests given in the request", () => {
  it("picks the correct candidate although most candidates share the same bug", async () => {
    const candidates = [
      cand("c1", py(LEAP_NAIVE)),
      cand("c2", py(LEAP_NAIVE_2)),
      cand("c3", py(LEAP_RIGHT)),
      cand("c4", py(LEAP_BROKEN)),
    ];
    // A vote takes the shared bug...
    expect(vote(candidates, { language: "python", functionName: "is_leap" }).chosen?.candidateId).toBe("c1");
    // ... the given tests do not.
    const report = await verify(candidates, {
      language: "python",
      functionName: "is_leap",
      tests: GIVEN,
      sandbox,
    });
    expect(report.chosen).toMatchObject({
      candidateId: "c3",
      model: "model-c3",
      node: "node-a",
      code: LEAP_RIGHT,
    });
    expect(report.verified).toBe(true);
    expect(report.confidence).toBe(1);
    expect(report.tests.map((t) => [t.id, t.trusted, t.body])).toEqual([
      ["t1", true, "assert is_leap(2024)"],
      ["t2", true, "assert not is_leap(1900)"],
      ["t3", true, "assert is_leap(2000)"],
      ["t4", true, "assert not is_leap(2023)"],
    ]);
    expect(report.matrix).toEqual([
      ["passed", "failed", "passed", "passed"],
      ["passed", "failed", "passed", "passed"],
      ["passed", "passed", "passed", "passed"],
      ["skipped", "skipped", "skipped", "skipped"],
    ]);
    expect(report.candidates[3]).toMatchObject({ valid: false, passedGiven: 0 });
    expect(report.candidates[3]?.problem).toMatch(/^does not parse \(line 1: SyntaxError/);
    expect(report.reason).toMatch(
      /^chose c3 \(model-c3\): it passes 4\/4 given tests; no other of the 3 valid candidates behaves the same; next best: c1, c2 \(3\/4 given tests\); excluded: c4 does not parse/,
    );
    expect(report.isolation?.memoryLimit).toBe(true);
  });

  it("verifies JavaScript the same way, with assert-style given tests", async () => {
    const right = "function clamp(x, lo, hi) {\n  return Math.min(hi, Math.max(lo, x));\n}";
    const swapped = "function clamp(x, lo, hi) {\n  return Math.max(hi, Math.min(lo, x));\n}";
    const report = await verify([cand("a", js(swapped)), cand("b", js(right)), cand("c", js(swapped))], {
      language: "javascript",
      functionName: "clamp",
      tests: ["assert.strictEqual(clamp(5, 0, 10), 5);", "assert.strictEqual(clamp(-1, 0, 10), 0);"],
      sandbox,
    });
    expect(report.chosen?.candidateId).toBe("b");
    expect(report.candidates.map((c) => c.passedGiven)).toEqual([0, 2, 0]);
  });

  it("excludes a candidate that does not load, and says why", async () => {
    const report = await verify(
      [cand("bad", py(`import not_a_module_anywhere\n${LEAP_RIGHT}`)), cand("ok", py(LEAP_RIGHT_2))],
      { language: "python", tests: GIVEN, sandbox },
    );
    expect(report.chosen?.candidateId).toBe("ok");
    expect(report.candidates[0]).toMatchObject({ valid: false, loaded: false });
    expect(report.reason).toMatch(/excluded: bad does not load \(ModuleNotFoundError/);
  });
});

describe("verify with only model-written tests (CodeT-style agreement)", () => {
  it("finds the correct candidate when some model-written tests are wrong", async () => {
    // Each model wrote tests with its answer; m3's tests encode the naive rule (wrong on 1900).
    const withTests = (code: string, tests: string): string =>
      `${py(code)}\nTests:\n\`\`\`python\n${tests}\n\`\`\``;
    const candidates = [
      cand(
        "c1",
        withTests(LEAP_RIGHT, "assert is_leap(2000)\nassert not is_leap(1900)\nassert is_leap(2024)"),
      ),
      cand("c2", withTests(LEAP_NAIVE, "assert is_leap(2024)\nassert not is_leap(2023)")),
      cand("c3", withTests(LEAP_NAIVE_2, "assert is_leap(1900)\nassert is_leap(2024)")),
      cand("c4", withTests(LEAP_RIGHT_2, "assert not is_leap(2100)\nassert is_leap(2000)")),
    ];
    const report = await verify(candidates, { language: "python", functionName: "is_leap", sandbox });
    expect(["c1", "c4"]).toContain(report.chosen?.candidateId);
    expect(report.verified).toBe(true);
    expect(report.tests.every((t) => !t.trusted)).toBe(true);
    // "assert is_leap(2000)" was written twice and counts twice.
    const twice = report.tests.find((t) => t.body === "assert is_leap(2000)");
    expect(twice?.authors).toEqual(["c1", "c4"]);
    expect(twice?.weight).toBe(2);
    expect(report.groups[0]?.members).toEqual(["c1", "c4"]);
    expect(report.reason).toMatch(
      /it passes model-written tests of weight 8 of 9, the most; 1 of the other 3 valid candidates behave the same; next best: c2, c3 \(model tests 7\); the group holds 2 different programs: took the one with the authors whose own tests agree best with it \(0\.88 against 0\.83\)$/,
    );
  });

  it("takes model tests given separately (e.g. from a test-writing call), weighted by their authors", async () => {
    const report = await verify([cand("c1", py(LEAP_NAIVE)), cand("c2", py(LEAP_RIGHT))], {
      language: "python",
      generatedTests: [
        { author: "tester-a", text: "assert not is_leap(1900)", weight: 2 },
        { author: "tester-b", text: "assert is_leap(1900)" },
      ],
      sandbox,
    });
    expect(report.chosen?.candidateId).toBe("c2");
    expect(report.tests.map((t) => [t.body, t.weight])).toEqual([
      ["assert not is_leap(1900)", 2],
      ["assert is_leap(1900)", 1],
    ]);
  });

  it("lets a trusted test outweigh any agreement among the models", async () => {
    const naiveWithTests = (id: string): Candidate =>
      cand(id, `${py(LEAP_NAIVE)}\n\`\`\`python\nassert is_leap(1900)\nassert is_leap(2024)\n\`\`\``);
    const report = await verify(
      [naiveWithTests("n1"), naiveWithTests("n2"), naiveWithTests("n3"), cand("r", py(LEAP_RIGHT))],
      {
        language: "python",
        tests: "assert not is_leap(1900)",
        sandbox,
      },
    );
    expect(report.chosen?.candidateId).toBe("r");
  });
});

describe("verify without evidence", () => {
  it("falls back to a vote among the candidates that parse when there are no tests", async () => {
    const report = await verify(
      [
        cand("a", py(LEAP_NAIVE)),
        cand("b", py(LEAP_RIGHT)),
        cand("c", py(LEAP_NAIVE_2)),
        cand("d", py(LEAP_BROKEN)),
      ],
      { language: "python", harvestTests: false, sandbox },
    );
    expect(report.verified).toBe(false);
    expect(report.chosen?.candidateId).toBe("a");
    expect(report.reason).toMatch(
      /^no tests were given or found; voted among the 3 candidates whose code parses and loads: 2 of 3/,
    );
  });

  it("reports no choice when no candidate has code, and synthesize falls back to a vote on the text", async () => {
    const candidates = [
      cand("a", "I cannot write that."),
      cand("b", "I cannot write that."),
      cand("c", "Sorry."),
    ];
    const report = await verify(candidates, { language: "python", sandbox });
    expect(report.chosen).toBeUndefined();
    expect(report.reason).toMatch(/none of the 3 candidates has python code/);
    const result = await synthesize("verify", candidates, { language: "python", sandbox });
    expect(result.chosen?.candidateId).toBe("a");
    expect(result.confidence).toBe(0);
    expect(result.fallback?.strategy).toBe("vote");
    expect(result.reason).toMatch(/^verify could not use any candidate \(none of the 3 candidates/);
  });
});

describe("synthesize", () => {
  it("dispatches vote and verify with one result shape", async () => {
    const candidates = [cand("a", py(LEAP_NAIVE)), cand("b", py(LEAP_RIGHT)), cand("c", py(LEAP_NAIVE_2))];
    const voted = await synthesize("vote", candidates, { language: "python" });
    expect(voted).toMatchObject({ strategy: "vote", answer: candidates[0]?.text });
    const verified = await synthesize("verify", candidates, { language: "python", tests: GIVEN, sandbox });
    expect(verified).toMatchObject({ strategy: "verify", answer: candidates[1]?.text, confidence: 1 });
    expect(verified.chosen?.code).toBe(LEAP_RIGHT);
    expect(verified.report.strategy).toBe("verify");
  });

  it("answers nothing for no candidates", async () => {
    expect(await synthesize("verify", [], { sandbox })).toMatchObject({ chosen: undefined, answer: "" });
    expect(await synthesize("vote", [])).toMatchObject({ chosen: undefined, answer: "" });
  });
});

describe("the original's line-vote merge, run", () => {
  it("turns three correct solutions into one that fails, while verify keeps a correct one", async () => {
    const sums = [
      "def sum_list(xs):\n    total = 0\n    for x in xs:\n        total += x\n    return total",
      "def sum_list(xs):\n    result = 0\n    for value in xs:\n        result += value\n    return result",
      "def sum_list(xs):\n    total = 0\n    for value in xs:\n        total = total + value\n    return total",
    ];
    const tests = ["assert sum_list([1, 2, 3]) == 6", "assert sum_list([]) == 0"];
    for (const code of sums) {
      const run = await runTests({ code, language: "python", tests }, sandbox);
      expect(run.results.map((r) => r.outcome)).toEqual(["passed", "passed"]);
    }
    const candidates = sums.map((code, i) => cand(`c${i}`, py(code)));
    const merged = lineVoteMerge(candidates, { language: "python" });
    const mergedRun = await runTests({ code: merged.code, language: "python", tests }, sandbox);
    expect(mergedRun.results[0]?.outcome).toBe("error");
    expect(mergedRun.results[0]?.message).toMatch(/NameError: name 'x' is not defined/);
    const report = await verify(candidates, { language: "python", tests, sandbox });
    expect(report.candidates.every((c) => c.passedGiven === 2)).toBe(true);
    expect(report.chosen?.code).toBeDefined();
    expect(sums).toContain(report.chosen?.code);
  });
});

describe("collectTests", () => {
  it("splits given blocks into cases, dedupes, and drops model tests that repeat given ones", () => {
    const tests = collectTests({
      language: "python",
      given: ["assert f(1) == 1\nassert f(2) == 4", "assert f(1)==1"],
      generated: [
        { author: "a", text: "assert f(2) == 4\nassert f(3) == 9" },
        { author: "b", text: "assert f(3) == 9  # again\nassert f(4) == 16" },
        { author: "b", text: "assert f(3) == 9" },
      ],
      max: 10,
      authorWeight: (author) => (author === "a" ? 0.5 : 1),
    });
    expect(tests.map((t) => [t.id, t.trusted, t.body, t.authors, t.weight])).toEqual([
      ["t1", true, "assert f(1) == 1", [], 1],
      ["t2", true, "assert f(2) == 4", [], 1],
      ["m1", false, "assert f(3) == 9", ["a", "b"], 1.5],
      ["m2", false, "assert f(4) == 16", ["b"], 1],
    ]);
  });

  it("keeps the model tests with most weight when there are too many, in their order", () => {
    const tests = collectTests({
      language: "python",
      generated: [
        { author: "a", text: "assert f(1) == 1\nassert f(2) == 2\nassert f(3) == 3" },
        { author: "b", text: "assert f(3) == 3\nassert f(2) == 2" },
      ],
      max: 2,
    });
    expect(tests.map((t) => t.body)).toEqual(["assert f(2) == 2", "assert f(3) == 3"]);
  });

  it("keeps a given snippet without asserts as one case", () => {
    const tests = collectTests({ language: "javascript", given: "f(1);", generated: [], max: 5 });
    expect(tests.map((t) => t.body)).toEqual(["f(1);"]);
  });
});
