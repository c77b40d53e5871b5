import { describe, expect, it } from "vitest";
import { checkJavaScriptSyntax } from "./syntax.js";

describe("checkJavaScriptSyntax", () => {
  it.each([
    ["javascript", "function add(a, b) { return a + b; }"],
    ["javascript", "export const add = (a, b) => a + b;\nexport default add;"],
    ["javascript", "const r = /a\\/b/g; const t = `x$" + "{1}`;"],
    ["typescript", "export function add(a: number, b: number): number { return a + b; }"],
    ["typescript", "interface P { x: number }\nconst p: P = { x: 1 };\nexport type Q = P[];"],
  ] as const)("accepts valid %s", (lang, code) => {
    expect(checkJavaScriptSyntax(code, lang)).toEqual({ ok: true, errors: [], checked: true });
  });

  it.each([
    ["javascript", "function add(a, b) { return a + }", /line 1:33: Expression expected/],
    ["javascript", "const x: number = 1;", /Type annotations can only be used in TypeScript files/],
    ["javascript", "let let = 1;", /let/],
    ["javascript", "return 5;", /Illegal return/],
    ["typescript", "function f(a: number { return a", /',' expected/],
  ] as const)("rejects invalid %s: %s", (lang, code, message) => {
    const verdict = checkJavaScriptSyntax(code, lang);
    expect(verdict.ok).toBe(false);
    expect(verdict.errors.join("\n")).toMatch(message);
  });

  it("never runs the code it checks", () => {
    const marker = "__hydra_syntax_side_effect__";
    checkJavaScriptSyntax(`globalThis.${marker} = true;`, "javascript");
    expect(marker in globalThis).toBe(false);
  });
});
