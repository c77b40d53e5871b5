/** Running a candidate against test cases in the sandbox: one process, every case isolated. */
import { describe, expect, it } from "vitest";
import { Sandbox } from "../../src/orchestrator/synthesis/sandbox.js";
import { checkSyntax } from "../../src/orchestrator/synthesis/syntax.js";
import { splitTests } from "../../src/orchestrator/synthesis/test-split.js";
import { parseHarnessOutput, runTests } from "../../src/orchestrator/synthesis/tests-runner.js";

const sandbox = new Sandbox({ limits: { timeoutMs: 20_000 } });
const cases = (text: string, lang: "python" | "javascript" | "typescript"): string[] =>
  splitTests(text, lang).map((c) => c.code);

describe("runTests: Python", () => {
  it("gives every case its own verdict: pass, failed assert, exception, hang", async () => {
    const run = await runTests(
      {
        code: "def add(a, b):\n    return a + b\n",
        language: "python",
        tests: [
          "assert add(1, 2) == 3",
          "assert add(1, 2) == 4",
          "assert add(None, 1) == 1",
          "while True:\n    pass",
          "assert add(-1, 1) == 0",
        ],
        perTestTimeoutMs: 300,
      },
      sandbox,
    );
    expect(run.loaded).toBe(true);
    expect(run.results.map((r) => r.outcome)).toEqual(["passed", "failed", "error", "timeout", "passed"]);
    expect(run.results[2]?.message).toMatch(/TypeError/);
  });

  it("lets tests import the candidate under any module name", async () => {
    const run = await runTests(
      {
        code: "def add(a, b):\n    return a + b\n",
        language: "python",
        tests: cases("from solution import add\nassert add(1, 1) == 2\n", "python").concat(
          cases("from main import add\nassert add(2, 2) == 4\n", "python"),
        ),
      },
      sandbox,
    );
    expect(run.results.map((r) => r.outcome)).toEqual(["passed", "passed"]);
  });

  it("keeps cases apart: one case's variables and sys.exit do not reach the next", async () => {
    const run = await runTests(
      {
        code: "def f():\n    return 1\n",
        language: "python",
        tests: [
          "x = 5\nassert f() == 1",
          "assert 'x' not in dir()",
          "import sys\nsys.exit(1)",
          "assert f() == 1",
        ],
      },
      sandbox,
    );
    expect(run.results.map((r) => r.outcome)).toEqual(["passed", "passed", "error", "passed"]);
  });

  it("fails every case when the candidate does not load, saying why", async () => {
    const run = await runTests(
      {
        code: "raise ValueError('broken at import')\n",
        language: "python",
        tests: ["assert True", "assert True"],
      },
      sandbox,
    );
    expect(run.loaded).toBe(false);
    expect(run.loadError).toMatch(/ValueError: broken at import/);
    expect(run.results.every((r) => r.outcome === "error")).toBe(true);
  });

  it("does not run the candidate's __main__ block (it may wait for input)", async () => {
    const run = await runTests(
      {
        code: 'def f():\n    return 2\n\nif __name__ == "__main__":\n    input()\n',
        language: "python",
        tests: ["assert f() == 2"],
      },
      sandbox,
    );
    expect(run.results[0]?.outcome).toBe("passed");
  });
});

describe("runTests: JavaScript and TypeScript", () => {
  it("runs assert, expect and test() cases against an ES module candidate", async () => {
    const tests = cases(
      [
        'import assert from "node:assert";',
        "assert.strictEqual(add(1, 2), 3);",
        "assert.strictEqual(add(1, 2), 4);",
        "expect(add(2, 2)).toBe(4);",
        "expect(add(2, 2)).not.toBe(4);",
        'test("async", async () => { assert.equal(await Promise.resolve(add(1, 1)), 2); });',
        'const { add: plus } = require("./solution");\nassert.equal(plus(3, 3), 6);',
      ].join("\n"),
      "javascript",
    );
    tests.push("while (true) {}"); // a hang (as a case of its own: in a block it would be setup)
    const run = await runTests(
      {
        code: "export function add(a, b) { return a + b; }",
        language: "javascript",
        tests,
        perTestTimeoutMs: 300,
      },
      sandbox,
    );
    expect(run.loaded).toBe(true);
    expect(run.results.map((r) => r.outcome)).toEqual([
      "passed",
      "failed",
      "passed",
      "failed",
      "passed",
      "passed",
      "timeout",
    ]);
  });

  it("runs a TypeScript candidate and typed tests", async () => {
    const run = await runTests(
      {
        code: "export const double = (n: number): number => n * 2;",
        language: "typescript",
        tests: cases("const n: number = 21;\nassert.equal(double(n), 42);\n", "typescript"),
      },
      sandbox,
    );
    expect(run.results.map((r) => r.outcome)).toEqual(["passed"]);
  });

  it("calls a candidate exported as module.exports = function by the requested name", async () => {
    const run = await runTests(
      {
        code: "module.exports = function (s) { return s.split('').reverse().join(''); };",
        language: "javascript",
        functionName: "reverse",
        tests: ["assert.equal(reverse('abc'), 'cba');"],
      },
      sandbox,
    );
    expect(run.results[0]?.outcome).toBe("passed");
  });
});

describe("parseHarnessOutput", () => {
  it("marks cases without a result line with the process's fate", () => {
    const out = parseHarnessOutput(
      '{"load": "ok"}\n{"i": 0, "outcome": "passed", "message": null}\nnot json\n',
      3,
      { status: "timeout", reason: "timeout after 100 ms", stderr: "" },
    );
    expect(out.loaded).toBe(true);
    expect(out.results).toEqual([
      { outcome: "passed" },
      { outcome: "timeout", message: "timeout after 100 ms" },
      { outcome: "timeout", message: "timeout after 100 ms" },
    ]);
  });

  it("says when the process died before a case", () => {
    const out = parseHarnessOutput('{"load": "ok"}\n', 1, {
      status: "killed",
      reason: "memory limit (256 MB)",
      stderr: "MemoryError",
    });
    expect(out.results[0]?.message).toBe(
      "the test process ended before this test (killed: memory limit (256 MB); MemoryError)",
    );
  });
});

describe("checkSyntax", () => {
  it("checks Python with py_compile in the sandbox and JS/TS in-process, in input order", async () => {
    const verdicts = await checkSyntax(
      [
        { code: "def f(:\n    pass", language: "python" },
        { code: "function f() { return 1 }", language: "javascript" },
        { code: "def f():\n    return 1", language: "python" },
        { code: "const x = ;", language: "typescript" },
      ],
      sandbox,
    );
    expect(verdicts.map((v) => v.ok)).toEqual([false, true, true, false]);
    expect(verdicts[0]?.errors[0]).toMatch(/^line 1: SyntaxError: /);
    expect(verdicts.every((v) => v.checked)).toBe(true);
  });
});
