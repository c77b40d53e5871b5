import { describe, expect, it } from "vitest";
import { lexJavaScript, lexPython, type Token } from "./lexer.js";

const shape = (tokens: Token[]): string[] =>
  tokens.map((t) => (t.kind === "op" || t.kind === "name" ? t.text : t.kind));

describe("lexPython", () => {
  it("emits indent, dedent and one newline per logical line", () => {
    const tokens = lexPython("def f(a):\n    return a\nx = 1\n");
    expect(shape(tokens)).toEqual([
      "def",
      "f",
      "(",
      "a",
      ")",
      ":",
      "newline",
      "indent",
      "return",
      "a",
      "newline",
      "dedent",
      "x",
      "=",
      "number",
      "newline",
    ]);
  });

  it("does not end a line inside brackets or after a backslash", () => {
    const tokens = lexPython("x = [1,\n     2]\ny = 1 + \\\n    2\n");
    expect(tokens.filter((t) => t.kind === "newline")).toHaveLength(2);
    expect(tokens.some((t) => t.kind === "indent")).toBe(false);
  });

  it("ignores blank and comment-only lines for indentation", () => {
    const tokens = lexPython("if a:\n    b = 1\n\n# note\n    c = 2\n");
    expect(tokens.filter((t) => t.kind === "dedent")).toHaveLength(1);
    expect(tokens.filter((t) => t.kind === "comment").map((t) => t.text)).toEqual(["# note"]);
  });

  it("reads prefixed, triple-quoted and unterminated strings as one token each", () => {
    const tokens = lexPython('a = f"x{y}"\nb = """one\ntwo"""\nc = r\'\\d\'\nd = "open\n');
    expect(tokens.filter((t) => t.kind === "string").map((t) => t.text)).toEqual([
      'f"x{y}"',
      '"""one\ntwo"""',
      "r'\\d'",
      '"open',
    ]);
  });

  it("tracks line numbers across multi-line strings and normalizes CRLF", () => {
    const tokens = lexPython('s = """a\r\nb"""\r\nx = 1\r\n');
    const x = tokens.find((t) => t.text === "x");
    expect(x?.line).toBe(3);
  });

  it("closes open indentation at the end and never throws on garbage", () => {
    const tokens = lexPython("def f():\n    if x:\n        return (");
    expect(tokens.filter((t) => t.kind === "dedent")).toHaveLength(2);
    expect(() => lexPython("\u0000\u0001 ` $ ? !")).not.toThrow();
  });

  it("reads numbers with exponents, separators, hex and imaginary parts", () => {
    const nums = lexPython("a = 1_000 + 0x1F + 3.5e-2 + .5 + 2j\n").filter((t) => t.kind === "number");
    expect(nums.map((t) => t.text)).toEqual(["1_000", "0x1F", "3.5e-2", ".5", "2j"]);
  });
});

describe("lexJavaScript", () => {
  it("keeps every line break and reads comments", () => {
    const tokens = lexJavaScript("// a\nconst x = 1; /* b\nc */ let y\n");
    expect(tokens.filter((t) => t.kind === "comment").map((t) => t.text)).toEqual(["// a", "/* b\nc */"]);
    expect(tokens.filter((t) => t.kind === "newline")).toHaveLength(2);
  });

  it("reads template literals with nested expressions as one string", () => {
    // The source text holds a template literal on purpose.
    const literal = ["`a $", "{ {b: `c$", "{d}`}.b } e`"].join("");
    const tokens = lexJavaScript(`const s = ${literal};`);
    expect(tokens.filter((t) => t.kind === "string").map((t) => t.text)).toEqual([literal]);
  });

  it("tells regular expressions from division", () => {
    const tokens = lexJavaScript("const r = /a[/]b/g; const q = a / b / c; return /x/.test(s)");
    expect(tokens.filter((t) => t.kind === "string").map((t) => t.text)).toEqual(["/a[/]b/g", "/x/"]);
    expect(tokens.filter((t) => t.text === "/")).toHaveLength(2);
  });

  it("reads multi-character operators longest first", () => {
    const ops = lexJavaScript("a ??= b?.c === d >>> 1 => ...e").filter((t) => t.kind === "op");
    expect(ops.map((t) => t.text)).toEqual(["??=", "?.", "===", ">>>", "=>", "..."]);
  });

  it("reads private names, bigints and a shebang", () => {
    const tokens = lexJavaScript("#!/usr/bin/env node\nclass A { #x = 10n }");
    expect(tokens[0]?.kind).toBe("comment");
    expect(tokens.find((t) => t.text === "#x")?.kind).toBe("name");
    expect(tokens.find((t) => t.text === "10n")?.kind).toBe("number");
  });

  it("never throws on unterminated input", () => {
    expect(() => lexJavaScript("const s = `abc ${ x")).not.toThrow();
    expect(() => lexJavaScript("/* never closed")).not.toThrow();
    expect(() => lexJavaScript("'open\nnext")).not.toThrow();
  });
});
