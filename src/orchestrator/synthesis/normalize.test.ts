import { describe, expect, it } from "vitest";
import { canonicalCode, canonicalText, finalAnswer, tokenSimilarity } from "./normalize.js";
import type { CodeLanguage } from "./types.js";

const same = (a: string, b: string, lang: CodeLanguage, keepNames?: string[]): boolean =>
  canonicalCode(a, lang, keepNames === undefined ? {} : { keepNames }) ===
  canonicalCode(b, lang, keepNames === undefined ? {} : { keepNames });

describe("canonicalCode: Python", () => {
  it.each([
    [
      "comments and blank lines",
      "def f(a):\n    # add one\n\n    return a + 1",
      "def f(a):\n    return a+1  # done",
    ],
    [
      "indentation width",
      "def f(a):\n  if a:\n    return 1\n  return 2",
      "def f(a):\n    if a:\n        return 1\n    return 2",
    ],
    ["docstrings", 'def f(a):\n    """Adds one."""\n    return a + 1', "def f(a):\n    return a + 1"],
    ["quote style", "def f():\n    return 'x'", 'def f():\n    return "x"'],
    ["trailing commas", "def f():\n    return [1, 2,]", "def f():\n    return [1, 2]"],
    [
      "parameter and local names",
      "def f(a, b):\n    s = a + b\n    return s",
      "def f(x, y):\n    total = x + y\n    return total",
    ],
    [
      "loop variables",
      "def f(xs):\n    for v in xs:\n        print(v)",
      "def f(items):\n    for it in items:\n        print(it)",
    ],
    [
      "line continuation inside brackets",
      "def f():\n    return max(1,\n               2)",
      "def f():\n    return max(1, 2)",
    ],
    ["semicolons", "def f():\n    a = 1; return a", "def f():\n    a = 1\n    return a"],
  ])("ignores %s", (_what, a, b) => {
    expect(same(a, b, "python")).toBe(true);
  });

  it.each([
    ["a different operator", "def f(a):\n    return a + 1", "def f(a):\n    return a - 1"],
    [
      "a different block structure",
      "def f(a):\n    if a:\n        x = 1\n    y = 2",
      "def f(a):\n    if a:\n        x = 1\n        y = 2",
    ],
    ["a different top-level name", "def f(a):\n    return a", "def g(a):\n    return a"],
    ["a different string", "def f():\n    return 'x'", "def f():\n    return 'y'"],
    ["a different builtin", "def f(a):\n    return sorted(a)", "def f(a):\n    return reversed(a)"],
    ["a different attribute", "def f(a):\n    return a.upper()", "def f(a):\n    return a.lower()"],
    [
      "a different keyword argument",
      "def f(a):\n    return sorted(a, reverse=True)",
      "def f(a):\n    return sorted(a, key=True)",
    ],
  ])("tells apart %s", (_what, a, b) => {
    expect(same(a, b, "python")).toBe(false);
  });

  it("never renames the names it is told to keep", () => {
    const code = "def outer():\n    def helper(v):\n        return v\n    return helper(1)";
    expect(canonicalCode(code, "python")).not.toContain("helper");
    expect(canonicalCode(code, "python", { keepNames: ["helper"] })).toContain("helper");
  });

  it("leaves names alone when renaming is off", () => {
    expect(same("def f(a):\n    return a", "def f(b):\n    return b", "python")).toBe(true);
    expect(
      canonicalCode("def f(a):\n    return a", "python", { renameLocals: false }) ===
        canonicalCode("def f(b):\n    return b", "python", { renameLocals: false }),
    ).toBe(false);
  });
});

describe("canonicalCode: JavaScript and TypeScript", () => {
  it.each([
    ["comments", "function f(a) { // one\n  return a + 1; /* x */ }", "function f(a) { return a + 1; }"],
    [
      "line breaks and semicolons",
      "function f(a) {\n  const b = a\n  return b\n}",
      "function f(a) { const b = a; return b; }",
    ],
    ["quote style", "const f = () => 'x';", 'const f = () => "x";'],
    ["trailing commas", "const f = () => [1, 2,];", "const f = () => [1, 2];"],
    ["parameter names", "function f(a, b) { return a * b; }", "function f(x, y) { return x * y; }"],
    ["arrow parameters", "const f = (xs) => xs.map(v => v * 2);", "const f = (arr) => arr.map(n => n * 2);"],
    [
      "local declarations",
      "function f() { let t = 0, u = 1; return t + u; }",
      "function f() { let a = 0, b = 1; return a + b; }",
    ],
    [
      "typed parameters",
      "function f(a: number, b: number) { return a + b; }",
      "function f(x: number, y: number) { return x + y; }",
    ],
  ])("ignores %s", (_what, a, b) => {
    expect(same(a, b, "javascript")).toBe(true);
  });

  it.each([
    ["the interface name", "function f(a) { return a; }", "function g(a) { return a; }"],
    ["a top-level const name", "const f = (a) => a;", "const g = (a) => a;"],
    [
      "for(;;) headers",
      "function f() { for (i = 0; i < 3; i++) {} }",
      "function f() { for (i = 0 i < 3 i++) {} }",
    ],
    ["object keys", "function f(a) { return { a: 1 }; }", "function f(a) { return { b: 1 }; }"],
    ["a different comparison", "const f = (a) => a === 1;", "const f = (a) => a == 1;"],
  ])("tells apart %s", (_what, a, b) => {
    expect(same(a, b, "javascript")).toBe(false);
  });
});

describe("canonicalText", () => {
  it("ignores case, Markdown emphasis, headings, spacing and final punctuation", () => {
    expect(canonicalText("## The **Answer**  is  Paris.")).toBe("the answer is paris");
    expect(canonicalText("the answer is paris")).toBe("the answer is paris");
  });
});

describe("finalAnswer", () => {
  it.each([
    ["So x = 6. \\boxed{42}", "42"],
    ["Work...\nAnswer: 1,000", "1000"],
    ["**Final answer:** Paris.", "paris"],
    ["Thus the answer is 7.5. Done", "7.5"],
    ["First the answer is 3. Wait, recheck: the answer is 4.", "4"],
    ["Answer: 42.0", "42"],
    ["No conclusion here.", undefined],
  ])("%s → %s", (text, answer) => {
    expect(finalAnswer(text)).toBe(answer);
  });
});

describe("tokenSimilarity", () => {
  it("is 1 for equal texts, 0 for disjoint ones and symmetric", () => {
    expect(tokenSimilarity("a + b", "a + b")).toBe(1);
    expect(tokenSimilarity("a", "b")).toBe(0);
    expect(tokenSimilarity("a + b", "a - b")).toBeCloseTo(tokenSimilarity("a - b", "a + b"));
    expect(tokenSimilarity("", "")).toBe(1);
  });
});
