import { describe, expect, it } from "vitest";
import { splitTests, testKey } from "./test-split.js";

describe("splitTests: Python", () => {
  it("makes one case per assert, each carrying the imports and helpers", () => {
    const cases = splitTests(
      "import math\ndef close(a, b):\n    return abs(a - b) < 1e-9\nassert close(f(2), 4)\nassert f(0) == 0\n",
      "python",
    );
    expect(cases.map((c) => c.body)).toEqual(["assert close(f(2), 4)", "assert f(0) == 0"]);
    expect(cases[1]?.code).toBe(
      "import math\ndef close(a, b):\n    return abs(a - b) < 1e-9\nassert f(0) == 0",
    );
  });

  it("gives each case the setup statements before it", () => {
    const cases = splitTests("r = f(3)\nassert r == 9\ns = f(4)\nassert s == 16\n", "python");
    expect(cases.map((c) => c.code)).toEqual([
      "r = f(3)\nassert r == 9",
      "r = f(3)\ns = f(4)\nassert s == 16",
    ]);
  });

  it("calls pytest-style test functions", () => {
    const [c] = splitTests("def test_f():\n    assert f(1) == 1\n", "python");
    expect(c?.code).toBe("def test_f():\n    assert f(1) == 1\ntest_f()");
  });

  it("splits the asserts inside a __main__ guard and keeps loops of asserts whole", () => {
    const cases = splitTests(
      'if __name__ == "__main__":\n    assert f(1) == 1\n    assert f(2) == 4\nfor v in range(3):\n    assert f(v) >= 0\n',
      "python",
    );
    expect(cases.map((c) => c.body)).toEqual([
      "assert f(1) == 1",
      "assert f(2) == 4",
      "for v in range(3):\n    assert f(v) >= 0",
    ]);
  });

  it("finds no cases in code without asserts, and drops trailing setup", () => {
    expect(splitTests("print(f(1))\n", "python")).toEqual([]);
    expect(splitTests("assert f(1) == 1\nprint('done')\n", "python")).toHaveLength(1);
  });
});

describe("splitTests: JavaScript", () => {
  it("makes one case per assert call with the imports first", () => {
    const cases = splitTests(
      'import assert from "node:assert";\nassert.strictEqual(add(1, 2), 3);\nconst r = add(2, 2);\nassert.equal(r, 4);\nexpect(add(0, 0)).toBe(0);\n',
      "javascript",
    );
    expect(cases.map((c) => c.body)).toEqual([
      "assert.strictEqual(add(1, 2), 3);",
      "assert.equal(r, 4);",
      "expect(add(0, 0)).toBe(0);",
    ]);
    expect(cases[1]?.code).toBe(
      'import assert from "node:assert";\nconst r = add(2, 2);\nassert.equal(r, 4);',
    );
  });

  it("treats test()/it() calls as cases", () => {
    const cases = splitTests('test("adds", () => {\n  assert.equal(add(1, 1), 2);\n});\n', "typescript");
    expect(cases).toHaveLength(1);
  });
});

describe("testKey", () => {
  it("is equal for the same test written with different layout or comments", () => {
    const [a] = splitTests("assert f(1)==1  # one\n", "python");
    const [b] = splitTests("assert f( 1 ) == 1\n", "python");
    const [c] = splitTests("assert f(2) == 1\n", "python");
    if (a === undefined || b === undefined || c === undefined) throw new Error("missing case");
    expect(testKey(a, "python")).toBe(testKey(b, "python"));
    expect(testKey(a, "python")).not.toBe(testKey(c, "python"));
  });
});
