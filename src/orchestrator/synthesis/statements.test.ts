import { describe, expect, it } from "vitest";
import { dedent, guardBody, javascriptStatements, pythonStatements } from "./statements.js";

describe("pythonStatements", () => {
  it("classifies imports, definitions, asserts, test functions and other statements", () => {
    const src = [
      "import math",
      "from x import y",
      "@cache",
      "def f(n):",
      "    return n",
      "",
      "class A:",
      "    pass",
      "def test_f():",
      "    assert f(1) == 1",
      "assert f(2) == 2",
      "r = f(3)",
      "g = lambda v: v",
    ].join("\n");
    const got = pythonStatements(src).map((s) => [s.kind, s.name ?? ""]);
    expect(got).toEqual([
      ["import", ""],
      ["import", ""],
      ["function", "f"],
      ["class", "A"],
      ["test", "test_f"],
      ["assert", ""],
      ["other", ""],
      ["function", "g"],
    ]);
  });

  it("keeps a compound statement's else/except branches in the same statement", () => {
    const src = "try:\n    x = 1\nexcept E:\n    x = 2\nelse:\n    x = 3\nfinally:\n    y = 4\nz = 5\n";
    const statements = pythonStatements(src);
    expect(statements).toHaveLength(2);
    expect(statements[0]?.text).toContain("finally:");
  });

  it("recognizes a __main__ guard and whether it asserts", () => {
    const [guard] = pythonStatements('if __name__ == "__main__":\n    assert f(1) == 2\n    print("ok")\n');
    expect(guard?.kind).toBe("main-guard");
    expect(guard?.containsAssert).toBe(true);
    expect(guard === undefined ? "" : guardBody(guard, "python")).toBe('assert f(1) == 2\nprint("ok")');
  });

  it("gives offsets that slice the statement out of the (LF-normalized) source", () => {
    const src = "x = 1\r\nassert x == 1\r\n";
    const normalized = src.replace(/\r\n/g, "\n");
    for (const s of pythonStatements(src)) expect(normalized.slice(s.start, s.end)).toBe(s.text);
  });
});

describe("javascriptStatements", () => {
  it("classifies imports, requires, definitions, asserts and test calls", () => {
    const src = [
      'import assert from "node:assert";',
      'const { add } = require("./add");',
      "function f(a) { return a; }",
      "const g = (a) => a;",
      "class A {}",
      "assert.strictEqual(f(1), 1);",
      "console.assert(f(2) === 2);",
      "expect(f(3)).toBe(3);",
      'test("f", () => { assert.ok(f(4)); });',
      "const r = f(5);",
      "if (require.main === module) { assert(f(6) === 6); }",
    ].join("\n");
    expect(javascriptStatements(src).map((s) => [s.kind, s.name ?? ""])).toEqual([
      ["import", ""],
      ["import", ""],
      ["function", "f"],
      ["function", "g"],
      ["class", "A"],
      ["assert", ""],
      ["assert", ""],
      ["assert", ""],
      ["test", ""],
      ["other", ""],
      ["main-guard", ""],
    ]);
  });

  it("parses TypeScript and extracts the body of a require.main guard", () => {
    const statements = javascriptStatements(
      "export function f(a: number): number { return a; }\nif (require.main === module) {\n  assert(f(1) === 1);\n}\n",
      "typescript",
    );
    expect(statements[0]).toMatchObject({ kind: "function", name: "f" });
    const guard = statements[1];
    expect(guard === undefined ? "" : guardBody(guard, "typescript").trim()).toBe("assert(f(1) === 1);");
  });
});

describe("dedent", () => {
  it("removes only the common indentation and blanks whitespace-only lines", () => {
    expect(dedent("    a\n      b\n  \n    c")).toBe("a\n  b\n\nc");
    expect(dedent("a\n  b")).toBe("a\n  b");
  });
});
