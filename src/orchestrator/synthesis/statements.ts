/**
 * Top-level statements of a piece of code, classified by what they are to synthesis:
 * imports, definitions, assertions, test functions, a `__main__` guard, or anything else.
 * Extraction uses this to move a model's inline asserts out of its solution, and the test
 * splitter uses it to cut a block of asserts into separately scored tests.
 */
import type * as TS from "typescript";
import { lexPython, type Token } from "./lexer.js";
import { type CodeLanguage, familyOf } from "./types.js";
import { typescript } from "./typescript-api.js";

export type StatementKind = "import" | "function" | "class" | "assert" | "test" | "main-guard" | "other";

export interface Statement {
  kind: StatementKind;
  /** The statement's source, from its first token to its last (comments before it excluded). */
  text: string;
  /** The defined name, for functions and classes. */
  name?: string;
  /** Whether an assertion appears anywhere in it (a loop of asserts, a test function ...). */
  containsAssert: boolean;
  /** Offsets of `text` in the source with its line breaks normalized to "\n". */
  start: number;
  end: number;
}

/** Keywords that continue a compound statement at the same indentation. */
const PY_CONTINUATION = new Set(["else", "elif", "except", "finally"]);

function nextSignificant(tokens: readonly Token[], from: number): Token | undefined {
  for (let k = from; k < tokens.length; k++) {
    const t = tokens[k];
    if (t !== undefined && t.kind !== "comment" && t.kind !== "dedent") return t;
  }
  return undefined;
}

function pythonGroups(tokens: readonly Token[]): Token[][] {
  const groups: Token[][] = [];
  let current: Token[] = [];
  let level = 0;
  const close = (): void => {
    if (current.length > 0) groups.push(current);
    current = [];
  };
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k];
    if (t === undefined || t.kind === "comment") continue;
    if (t.kind === "indent") {
      level++;
      continue;
    }
    if (t.kind === "dedent") {
      level = Math.max(0, level - 1);
      if (level === 0) {
        const next = nextSignificant(tokens, k + 1);
        if (!(next?.kind === "name" && PY_CONTINUATION.has(next.text))) close();
      }
      continue;
    }
    if (t.kind === "newline") {
      if (level === 0 && tokens[k + 1]?.kind !== "indent") close();
      continue;
    }
    current.push(t);
  }
  close();
  // A decorator line belongs to the definition under it.
  const merged: Token[][] = [];
  let pending: Token[] = [];
  for (const g of groups) {
    if (g[0]?.kind === "op" && g[0].text === "@") {
      pending = pending.concat(g);
      continue;
    }
    merged.push(pending.concat(g));
    pending = [];
  }
  if (pending.length > 0) merged.push(pending);
  return merged;
}

function classifyPython(group: readonly Token[]): Pick<Statement, "kind" | "name"> {
  let k = 0;
  if (group[0]?.text === "@") {
    k = group.findIndex((t) => t.kind === "name" && (t.text === "def" || t.text === "class"));
    if (k === -1) return { kind: "other" };
  }
  const first = group[k];
  if (first === undefined) return { kind: "other" };
  if (first.kind === "name") {
    if (first.text === "import" || first.text === "from") return { kind: "import" };
    const defAt = first.text === "async" && group[k + 1]?.text === "def" ? k + 1 : k;
    if (group[defAt]?.text === "def") {
      const name = group[defAt + 1]?.text ?? "";
      return { kind: name.startsWith("test") ? "test" : "function", name };
    }
    if (first.text === "class") return { kind: "class", name: group[k + 1]?.text ?? "" };
    if (first.text === "assert") return { kind: "assert" };
    if (first.text === "if" && group.some((t) => t.text === "__name__")) {
      const colon = group.findIndex((t) => t.text === ":");
      if (group.slice(0, colon).some((t) => t.kind === "string" && t.text.includes("__main__"))) {
        return { kind: "main-guard" };
      }
    }
    // `name = lambda ...` defines a function as far as callers are concerned.
    if (group[k + 1]?.text === "=" && group[k + 2]?.text === "lambda")
      return { kind: "function", name: first.text };
  }
  return { kind: "other" };
}

export function pythonStatements(source: string): Statement[] {
  const src = source.replace(/\r\n?/g, "\n");
  return pythonGroups(lexPython(src)).map((group) => {
    const first = group[0];
    const last = group[group.length - 1];
    const start = first?.start ?? 0;
    const end = last?.end ?? 0;
    return {
      ...classifyPython(group),
      text: src.slice(start, end),
      containsAssert: group.some(
        (t) => t.kind === "name" && (t.text === "assert" || t.text === "AssertionError"),
      ),
      start,
      end,
    };
  });
}

const JS_ASSERT_TEXT = /\bassert\b|\bexpect\s*\(/;

function calleeText(ts: typeof TS, statement: TS.Statement, sf: TS.SourceFile): string | undefined {
  if (!ts.isExpressionStatement(statement)) return undefined;
  let expr = statement.expression;
  if (ts.isAwaitExpression(expr)) expr = expr.expression;
  if (!ts.isCallExpression(expr)) return undefined;
  return expr.expression.getText(sf);
}

function isRequireCall(ts: typeof TS, node: TS.Expression | undefined): boolean {
  if (node === undefined) return false;
  let e = node;
  if (ts.isAwaitExpression(e)) e = e.expression;
  if (!ts.isCallExpression(e)) return false;
  const callee = e.expression;
  return (
    (ts.isIdentifier(callee) && callee.text === "require") || callee.kind === ts.SyntaxKind.ImportKeyword
  );
}

function classifyJs(ts: typeof TS, s: TS.Statement, sf: TS.SourceFile): Pick<Statement, "kind" | "name"> {
  if (ts.isImportDeclaration(s) || ts.isImportEqualsDeclaration(s)) return { kind: "import" };
  if (ts.isFunctionDeclaration(s)) return { kind: "function", name: s.name?.text ?? "" };
  if (ts.isClassDeclaration(s)) return { kind: "class", name: s.name?.text ?? "" };
  if (ts.isVariableStatement(s)) {
    const decls = s.declarationList.declarations;
    if (decls.length > 0 && decls.every((d) => isRequireCall(ts, d.initializer))) return { kind: "import" };
    const first = decls[0];
    const init = first?.initializer;
    if (
      first !== undefined &&
      ts.isIdentifier(first.name) &&
      init !== undefined &&
      (ts.isArrowFunction(init) || ts.isFunctionExpression(init))
    ) {
      return { kind: "function", name: first.name.text };
    }
    return { kind: "other" };
  }
  const callee = calleeText(ts, s, sf);
  if (callee !== undefined) {
    if (callee === "assert" || callee.startsWith("assert.") || callee === "console.assert")
      return { kind: "assert" };
    if (/^expect\s*\(/.test(callee)) return { kind: "assert" };
    if (callee === "test" || callee === "it" || callee === "describe" || /^(test|it)\.\w+$/.test(callee)) {
      return { kind: "test" };
    }
  }
  if (ts.isIfStatement(s) && /require\.main\s*===?\s*module/.test(s.expression.getText(sf))) {
    return { kind: "main-guard" };
  }
  return { kind: "other" };
}

export function javascriptStatements(source: string, language: CodeLanguage = "javascript"): Statement[] {
  const ts = typescript();
  const src = source.replace(/\r\n?/g, "\n");
  const kind = language === "typescript" ? ts.ScriptKind.TS : ts.ScriptKind.JS;
  const sf = ts.createSourceFile("statements.ts", src, ts.ScriptTarget.ES2022, true, kind);
  return sf.statements.map((s) => {
    const text = s.getText(sf);
    const start = s.getStart(sf);
    return { ...classifyJs(ts, s, sf), text, containsAssert: JS_ASSERT_TEXT.test(text), start, end: s.end };
  });
}

export function statementsOf(source: string, language: CodeLanguage): Statement[] {
  return familyOf(language) === "python" ? pythonStatements(source) : javascriptStatements(source, language);
}

/** The body of a `__main__` guard (Python) or `require.main === module` block (JS), dedented. */
export function guardBody(statement: Statement, language: CodeLanguage): string {
  if (familyOf(language) === "python") {
    const lines = statement.text.split("\n").slice(1);
    return dedent(lines.join("\n"));
  }
  const open = statement.text.indexOf("{");
  const close = statement.text.lastIndexOf("}");
  if (open === -1 || close <= open) return "";
  return dedent(statement.text.slice(open + 1, close));
}

/** Removes the indentation common to all non-blank lines. */
export function dedent(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let common = Number.POSITIVE_INFINITY;
  for (const l of lines) {
    if (l.trim() === "") continue;
    const indent = /^[ \t]*/.exec(l)?.[0].length ?? 0;
    common = Math.min(common, indent);
  }
  if (!Number.isFinite(common) || common === 0) return lines.join("\n");
  return lines.map((l) => (l.trim() === "" ? "" : l.slice(common))).join("\n");
}
