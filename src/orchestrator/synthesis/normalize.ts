/**
 * Canonical forms, so that answers that say the same thing compare equal: code without its
 * comments, docstrings, layout, quote style, trailing commas and (optionally) with its local
 * names replaced by position (`def f(a, b): return a+b` equals `def f(x, y): return x+y`);
 * prose lower-cased without Markdown and punctuation noise; and a "final answer" pulled out of
 * reasoning text when it states one. Pure.
 */
import { lexJavaScript, lexPython, type Token } from "./lexer.js";
import { type CodeLanguage, familyOf } from "./types.js";

export interface CanonicalCodeOptions {
  /**
   * Rename locally bound names (parameters, local variables, nested functions) to their
   * order of first appearance. Top-level function and class names are the code's interface
   * and keep their names. Default true.
   */
  renameLocals?: boolean;
  /** Names never renamed (e.g. the function the task asks for). */
  keepNames?: readonly string[];
}

const PY_KEYWORDS = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except finally for from " +
    "global if import in is lambda nonlocal not or pass raise return try while with yield match case print self"
  ).split(" "),
);

const JS_KEYWORDS = new Set(
  (
    "break case catch class const continue debugger default delete do else export extends finally for function " +
    "if import in instanceof let new return super switch this throw try typeof var void while with yield async " +
    "await of static get set null undefined true false NaN Infinity arguments require module exports console " +
    "interface type enum implements private protected public readonly as satisfies declare abstract"
  ).split(" "),
);

function significant(tokens: readonly Token[]): Token[] {
  return tokens.filter((t) => t.kind !== "comment");
}

/** +1 for an opening bracket, -1 for a closing one, else 0. */
function bracketDelta(text: string | undefined): number {
  if (text === "(" || text === "[" || text === "{") return 1;
  if (text === ")" || text === "]" || text === "}") return -1;
  return 0;
}

/** Index of the bracket closing the one at `open`, or the last index. */
function matching(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const delta = bracketDelta(tokens[k]?.text);
    depth += delta;
    if (delta < 0 && depth === 0) return k;
  }
  return tokens.length - 1;
}

/** Names in a parameter list between `open` and its closing bracket: `(a, b=1, *c, d: int)`. */
function paramNames(tokens: readonly Token[], open: number, into: Set<number>): void {
  const close = matching(tokens, open);
  let depth = 0;
  for (let k = open; k < close; k++) {
    const t = tokens[k];
    if (t === undefined) continue;
    depth += bracketDelta(t.text);
    if (t.kind !== "name" || depth !== 1) continue;
    const before = tokens[k - 1]?.text ?? "";
    if (before === "(" || before === "," || before === "*" || before === "**" || before === "...")
      into.add(k);
  }
}

/** What a program binds; see `pythonBindings`. */
interface Bindings {
  bound: Set<string>;
  topLevel: Set<string>;
  /** Token indexes of parameter names. */
  params: Set<number>;
}

function noBindings(): Bindings {
  return { bound: new Set(), topLevel: new Set(), params: new Set() };
}

/**
 * Names a Python program binds. `topLevel` holds what it defines at module level (functions,
 * classes, module variables): that is its interface, which callers and tests use by name,
 * so those names are never renamed. `params` holds the token indexes of parameter names.
 */
function pythonBindings(tokens: readonly Token[]): Bindings {
  const { bound, topLevel, params } = noBindings();
  let indent = 0;
  let lineStart = true;
  let depth = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind === "indent") indent++;
    if (t.kind === "dedent") indent--;
    if (t.kind === "newline" || t.kind === "indent" || t.kind === "dedent" || t.text === ";") {
      lineStart = true;
      continue;
    }
    depth = Math.max(0, depth + bracketDelta(t.text));
    const next = tokens[k + 1];
    if (t.kind === "name" && (t.text === "def" || t.text === "class") && next?.kind === "name") {
      (indent === 0 ? topLevel : bound).add(next.text);
      if (t.text === "def" && tokens[k + 2]?.text === "(") paramNames(tokens, k + 2, params);
    } else if (t.text === "lambda") {
      for (let j = k + 1; j < tokens.length && tokens[j]?.text !== ":"; j++) {
        const p = tokens[j];
        const before = tokens[j - 1]?.text ?? "";
        if (
          p?.kind === "name" &&
          (before === "lambda" || before === "," || before === "*" || before === "**")
        ) {
          params.add(j);
        }
      }
    } else if (t.text === "for" || t.text === "as" || t.text === "global" || t.text === "nonlocal") {
      for (let j = k + 1; j < tokens.length; j++) {
        const p = tokens[j] as Token;
        if (p.kind === "name" && (p.text === "in" || PY_KEYWORDS.has(p.text))) break;
        if (p.kind === "newline" || p.text === ":" || p.text === ")") break;
        if (p.kind === "name") bound.add(p.text);
        if (t.text === "as") break;
      }
    } else if (lineStart && t.kind === "name" && !PY_KEYWORDS.has(t.text)) {
      // An assignment statement: names before the first `=` at bracket depth 0.
      let j = k;
      let d = 0;
      const targets: string[] = [];
      for (; j < tokens.length; j++) {
        const p = tokens[j] as Token;
        if (p.kind === "newline") break;
        d += bracketDelta(p.text);
        if (d === 0 && (p.text === "=" || /^[-+*/%&|^@]=$|^(\*\*|\/\/|>>|<<)=$/.test(p.text))) break;
        if (d === 0 && p.text === ":") break; // an annotation: `x: int = 1`
        const after = tokens[j + 1]?.text ?? "";
        const before = tokens[j - 1]?.text ?? "";
        if (p.kind === "name" && before !== "." && after !== "(" && after !== "." && after !== "[")
          targets.push(p.text);
      }
      if (tokens[j]?.text === "=" || /=$/.test(tokens[j]?.text ?? "") || tokens[j]?.text === ":") {
        for (const name of targets) if (!PY_KEYWORDS.has(name)) (indent === 0 ? topLevel : bound).add(name);
      }
    }
    if (t.text === ":=" && tokens[k - 1]?.kind === "name") bound.add(tokens[k - 1]?.text ?? "");
    lineStart = false;
  }
  for (const k of params) bound.add(tokens[k]?.text ?? "");
  return { bound, topLevel, params };
}

/** Names a JavaScript/TypeScript program binds; see `pythonBindings`. */
function jsBindings(tokens: readonly Token[]): Bindings {
  const { bound, topLevel, params } = noBindings();
  let braces = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.text === "{") braces++;
    if (t.text === "}") braces = Math.max(0, braces - 1);
    if (t.kind !== "name") {
      if (t.text === "=>") {
        const before = tokens[k - 1];
        if (before?.kind === "name") params.add(k - 1);
        else if (before?.text === ")") {
          let depth = 0;
          let open = k - 1;
          for (; open >= 0; open--) {
            const x = tokens[open]?.text;
            if (x === ")") depth++;
            if (x === "(") depth--;
            if (depth === 0) break;
          }
          if (open >= 0) paramNames(tokens, open, params);
        }
      }
      continue;
    }
    const next = tokens[k + 1];
    if ((t.text === "function" || t.text === "class") && next?.kind === "name") {
      (braces === 0 ? topLevel : bound).add(next.text);
      const paren = tokens[k + 2]?.text === "(" ? k + 2 : -1;
      if (t.text === "function" && paren !== -1) paramNames(tokens, paren, params);
    } else if (t.text === "function" && next?.text === "(") {
      paramNames(tokens, k + 1, params);
    } else if (t.text === "const" || t.text === "let" || t.text === "var") {
      // Declarators at this bracket depth: `let a = 1, b = [2, 3], [c, d] = e`.
      let depth = 0;
      for (let j = k + 1; j < tokens.length; j++) {
        const p = tokens[j] as Token;
        depth += bracketDelta(p.text);
        if (depth < 0 || p.text === ";" || (depth === 0 && (p.text === "of" || p.text === "in"))) break;
        if (p.kind === "newline" && depth === 0 && tokens[j - 1]?.text !== ",") break;
        const before = tokens[j - 1]?.text ?? "";
        const arrayPattern = depth === 1 && tokens[k + 1]?.text === "[";
        if (p.kind === "name" && ((depth === 0 && (before === t.text || before === ",")) || arrayPattern)) {
          if (arrayPattern && before !== "[" && before !== "," && before !== "...") continue;
          (braces === 0 ? topLevel : bound).add(p.text);
        }
      }
    } else if (t.text === "catch" && next?.text === "(" && tokens[k + 2]?.kind === "name") {
      bound.add(tokens[k + 2]?.text ?? "");
    }
  }
  for (const k of params) bound.add(tokens[k]?.text ?? "");
  return { bound, topLevel, params };
}

function canonicalString(text: string, python: boolean): string {
  const prefix = python ? (/^[A-Za-z]*/.exec(text)?.[0] ?? "") : "";
  const rest = text.slice(prefix.length);
  const quote = rest.startsWith('"""') || rest.startsWith("'''") ? rest.slice(0, 3) : rest.slice(0, 1);
  if (quote === "`" || quote === "/" || !rest.endsWith(quote) || rest.length < quote.length * 2) return text;
  const body = rest.slice(quote.length, rest.length - quote.length);
  if (body.includes("\\")) return text;
  return prefix.toLowerCase() + JSON.stringify(body);
}

/** Drops Python statements that are only a string (docstrings and no-op strings). */
function dropDocstrings(tokens: readonly Token[]): Token[] {
  const out: Token[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    const prev = out[out.length - 1];
    const atStart =
      prev === undefined || prev.kind === "newline" || prev.kind === "indent" || prev.kind === "dedent";
    if (t.kind === "string" && atStart) {
      let j = k;
      while (tokens[j]?.kind === "string") j++;
      if (tokens[j] === undefined || tokens[j]?.kind === "newline") {
        k = j; // skip the strings and their newline
        continue;
      }
    }
    out.push(t);
  }
  return out;
}

/**
 * A canonical text of code: equal for code that differs only in comments, docstrings,
 * whitespace and line breaks (outside Python's indentation), quote style, trailing commas,
 * statement semicolons and (by default) the names of its local variables.
 */
export function canonicalCode(
  code: string,
  language: CodeLanguage,
  options: CanonicalCodeOptions = {},
): string {
  const python = familyOf(language) === "python";
  let tokens = significant(python ? lexPython(code) : lexJavaScript(code));
  if (python) tokens = dropDocstrings(tokens);
  // Trailing commas before a closing bracket carry no meaning.
  tokens = tokens.filter((t, k) => {
    if (t.text !== ",") return true;
    let j = k + 1;
    while (tokens[j]?.kind === "newline") j++;
    const next = tokens[j]?.text;
    return next !== ")" && next !== "]" && next !== "}";
  });
  const rename = options.renameLocals ?? true;
  const keep = new Set(options.keepNames ?? []);
  const { bound, topLevel, params } = rename
    ? python
      ? pythonBindings(tokens)
      : jsBindings(tokens)
    : noBindings();
  const keywords = python ? PY_KEYWORDS : JS_KEYWORDS;
  const names = new Map<string, string>();
  const out: string[] = [];
  let depth = 0;
  for (let k = 0; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    depth = Math.max(0, depth + bracketDelta(t.text));
    switch (t.kind) {
      case "newline":
        if (python) out.push("\n");
        continue;
      case "indent":
        out.push("⇥");
        continue;
      case "dedent":
        out.push("⇤");
        continue;
      case "string":
        out.push(canonicalString(t.text, python));
        continue;
      case "op":
        // Statement semicolons are layout (Python's separate statements like a line break);
        // the ones inside `for (;;)` are not.
        if (t.text === ";" && python && depth === 0) out.push("\n");
        else if (!(t.text === ";" && !python && isBlockLevel(tokens, k))) out.push(t.text);
        continue;
      case "name": {
        const before = tokens[k - 1]?.text;
        const after = tokens[k + 1]?.text;
        const attribute = before === "." || before === "?.";
        const keyword =
          !params.has(k) &&
          ((python && after === "=" && depth > 0) || // keyword argument
            (!python && after === ":" && (before === "{" || before === ","))); // object key
        const renamed =
          bound.has(t.text) && !topLevel.has(t.text) && !keep.has(t.text) && !keywords.has(t.text);
        if (renamed && !attribute && !keyword) {
          let alias = names.get(t.text);
          if (alias === undefined) {
            alias = `_${names.size + 1}`;
            names.set(t.text, alias);
          }
          out.push(alias);
        } else out.push(t.text);
        continue;
      }
      default:
        out.push(t.text);
    }
  }
  return out
    .join(" ")
    .replace(/ ?\n ?/g, "\n")
    .replace(/\n+/g, "\n")
    .trim();
}

/** A `;` inside braces (a statement separator in a block) rather than inside `for (...)`. */
function isBlockLevel(tokens: readonly Token[], at: number): boolean {
  let depth = 0;
  for (let k = at - 1; k >= 0; k--) {
    const x = tokens[k]?.text;
    if (x === ")" || x === "]" || x === "}") depth++;
    else if (x === "(" || x === "[" || x === "{") {
      if (depth === 0) return x === "{";
      depth--;
    }
  }
  return true;
}

/** Prose in a canonical form: lower case, no Markdown emphasis or headings, one space, no final period. */
export function canonicalText(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .replace(/^#{1,6}\s+/gm, "")
    .replace(/[*_`~]+/g, "")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[.!。]+$/, "")
    .trim();
}

function canonicalAnswer(raw: string): string {
  const cleaned = canonicalText(raw.replace(/^\$+|\$+$/g, ""));
  const numeric = cleaned.replace(/,(?=\d{3}\b)/g, "");
  if (/^[-+]?\d+(\.\d+)?$/.test(numeric)) return String(Number(numeric));
  return cleaned;
}

/**
 * The final answer a reasoning text states (`\boxed{42}`, "Answer: 42", "the answer is 42"),
 * canonicalized; undefined when it states none. The last statement wins: models revise.
 */
export function finalAnswer(text: string): string | undefined {
  const src = text.replace(/\r\n?/g, "\n");
  const found: { at: number; value: string }[] = [];
  for (const m of src.matchAll(/\\boxed\{([^{}]*)\}/g)) found.push({ at: m.index, value: m[1] ?? "" });
  for (const m of src.matchAll(/^\s*(?:\*\*)?(?:final answer|answer)(?:\*\*)?\s*[:：]\s*(.+)$/gim)) {
    found.push({ at: m.index, value: m[1] ?? "" });
  }
  for (const m of src.matchAll(/\bthe (?:final )?answer is[:\s]+(.+?)(?:\.(?:\s|$)|$)/gim)) {
    found.push({ at: m.index, value: m[1] ?? "" });
  }
  if (found.length === 0) return undefined;
  found.sort((a, b) => a.at - b.at);
  const value = canonicalAnswer(found[found.length - 1]?.value ?? "");
  return value === "" ? undefined : value;
}

/** Bag-of-tokens similarity in [0, 1] (Σmin / Σmax of token counts): cheap, symmetric. */
export function tokenSimilarity(a: string, b: string): number {
  const count = (s: string): Map<string, number> => {
    const m = new Map<string, number>();
    for (const tok of s.split(/\s+|(?=[^\w])|(?<=[^\w])/))
      if (tok.trim() !== "") m.set(tok, (m.get(tok) ?? 0) + 1);
    return m;
  };
  const ca = count(a);
  const cb = count(b);
  let min = 0;
  let max = 0;
  for (const key of new Set([...ca.keys(), ...cb.keys()])) {
    const x = ca.get(key) ?? 0;
    const y = cb.get(key) ?? 0;
    min += Math.min(x, y);
    max += Math.max(x, y);
  }
  return max === 0 ? 1 : min / max;
}
