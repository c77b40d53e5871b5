/**
 * Small, lenient tokenizers for Python and JavaScript/TypeScript. They never throw: model
 * output is often cut off or slightly wrong, and the code that uses the tokens (normalization,
 * function lookup, splitting tests into statements) must still work on it. They are not
 * parsers: they know strings, comments, numbers, names, operators, brackets and (for Python)
 * indentation, which is all that equivalence and statement boundaries need.
 */

export type TokenKind = "name" | "number" | "string" | "op" | "comment" | "newline" | "indent" | "dedent";

export interface Token {
  kind: TokenKind;
  text: string;
  /** Offsets into the source: `source.slice(start, end) === text` except for indent/dedent. */
  start: number;
  end: number;
  /** 1-based line of the token's first character. */
  line: number;
}

const PY_OPS = [
  "**=",
  "//=",
  ">>=",
  "<<=",
  "...",
  "->",
  ":=",
  "==",
  "!=",
  "<=",
  ">=",
  "**",
  "//",
  "<<",
  ">>",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "@=",
];

const JS_OPS = [
  ">>>=",
  "...",
  "===",
  "!==",
  "**=",
  "<<=",
  ">>=",
  ">>>",
  "&&=",
  "||=",
  "??=",
  "=>",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "??",
  "?.",
  "++",
  "--",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "**",
  "<<",
  ">>",
];

const OPEN = new Set(["(", "[", "{"]);
const CLOSE = new Set([")", "]", "}"]);

function matchOp(src: string, i: number, ops: readonly string[]): string {
  for (const op of ops) if (src.startsWith(op, i)) return op;
  return src[i] ?? "";
}

const PY_NUMBER = /0[xXoObB][\da-fA-F_]+|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?[jJ]?/y;
const PY_NAME = /[A-Za-z_\u00C0-\uFFFF][\w\u00C0-\uFFFF]*/y;
const PY_STRING_START = /(?:[rRbBuUfF]{1,2})?('''|"""|'|")/y;

function stickyMatch(re: RegExp, src: string, i: number): string | undefined {
  re.lastIndex = i;
  const m = re.exec(src);
  return m?.[0];
}

/** The number, name or operator at `i` (the tokens both languages scan alike) and its end offset. */
function scanAtom(
  src: string,
  i: number,
  number: RegExp,
  name: RegExp,
  ops: readonly string[],
): { kind: "number" | "name" | "op"; end: number } {
  const num = /[\d.]/.test(src[i] ?? "") ? stickyMatch(number, src, i) : undefined;
  if (num !== undefined && num !== "") return { kind: "number", end: i + num.length };
  const word = stickyMatch(name, src, i);
  if (word !== undefined) return { kind: "name", end: i + word.length };
  return { kind: "op", end: i + matchOp(src, i, ops).length };
}

/** End offset (exclusive) of a Python string whose opening quote sequence ends at `bodyStart`. */
function scanPythonString(src: string, bodyStart: number, quote: string): number {
  let i = bodyStart;
  const triple = quote.length === 3;
  while (i < src.length) {
    const c = src[i];
    if (c === "\\") {
      i += 2;
      continue;
    }
    if (!triple && c === "\n") return i; // unterminated: stop at the end of the line
    if (src.startsWith(quote, i)) return i + quote.length;
    i++;
  }
  return src.length;
}

function countNewlines(text: string): number {
  let n = 0;
  for (const c of text) if (c === "\n") n++;
  return n;
}

/**
 * Python tokens, with `newline` at the end of each logical line and `indent`/`dedent` like
 * Python's own tokenizer (blank and comment-only lines do not change indentation; newlines
 * inside brackets and after a backslash do not end the line).
 */
export function lexPython(source: string): Token[] {
  const src = source.replace(/\r\n?/g, "\n");
  const tokens: Token[] = [];
  const indents = [0];
  let i = 0;
  let line = 1;
  let depth = 0;
  let atLineStart = true;
  let lineHasTokens = false;
  const push = (kind: TokenKind, start: number, end: number, text = src.slice(start, end)): void => {
    tokens.push({ kind, text, start, end, line });
    if (kind !== "comment") lineHasTokens = true;
  };

  while (i < src.length) {
    if (atLineStart) {
      let j = i;
      let col = 0;
      while (j < src.length && (src[j] === " " || src[j] === "\t" || src[j] === "\f")) {
        col = src[j] === "\t" ? col + 8 - (col % 8) : col + 1;
        j++;
      }
      if (j >= src.length) {
        i = j;
        break;
      }
      if (src[j] === "\n") {
        i = j + 1;
        line++;
        continue;
      }
      if (src[j] === "#") {
        const end = src.indexOf("\n", j) === -1 ? src.length : src.indexOf("\n", j);
        tokens.push({ kind: "comment", text: src.slice(j, end), start: j, end, line });
        i = end;
        continue;
      }
      atLineStart = false;
      const top = indents[indents.length - 1] ?? 0;
      if (col > top) {
        indents.push(col);
        tokens.push({ kind: "indent", text: "", start: j, end: j, line });
      } else {
        while (col < (indents[indents.length - 1] ?? 0)) {
          indents.pop();
          tokens.push({ kind: "dedent", text: "", start: j, end: j, line });
        }
      }
      i = j;
    }

    const c = src[i] ?? "";
    if (c === " " || c === "\t" || c === "\f") {
      i++;
      continue;
    }
    if (c === "\\" && src[i + 1] === "\n") {
      i += 2;
      line++;
      continue;
    }
    if (c === "\n") {
      if (depth === 0) {
        if (lineHasTokens) tokens.push({ kind: "newline", text: "\n", start: i, end: i + 1, line });
        lineHasTokens = false;
        atLineStart = true;
      }
      i++;
      line++;
      continue;
    }
    if (c === "#") {
      const nl = src.indexOf("\n", i);
      const end = nl === -1 ? src.length : nl;
      push("comment", i, end);
      i = end;
      continue;
    }
    const quoteStart = stickyMatch(PY_STRING_START, src, i);
    if (quoteStart !== undefined) {
      const quote = quoteStart.replace(/^[rRbBuUfF]+/, "");
      const end = scanPythonString(src, i + quoteStart.length, quote);
      push("string", i, end);
      line += countNewlines(src.slice(i, end));
      i = end;
      continue;
    }
    const atom = scanAtom(src, i, PY_NUMBER, PY_NAME, PY_OPS);
    if (atom.kind === "op") {
      const op = src.slice(i, atom.end);
      if (OPEN.has(op)) depth++;
      else if (CLOSE.has(op)) depth = Math.max(0, depth - 1);
    }
    push(atom.kind, i, atom.end);
    i = atom.end;
  }
  if (lineHasTokens) tokens.push({ kind: "newline", text: "\n", start: src.length, end: src.length, line });
  while (indents.length > 1) {
    indents.pop();
    tokens.push({ kind: "dedent", text: "", start: src.length, end: src.length, line });
  }
  return tokens;
}

const JS_NUMBER = /0[xXoObB][\da-fA-F_]+n?|(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d[\d_]*)?n?/y;
const JS_NAME = /#?[A-Za-z_$\u00C0-\uFFFF][\w$\u00C0-\uFFFF]*/y;
/** After these words a `/` starts a regular expression, not a division. */
const REGEX_AFTER_WORDS = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
]);

function scanQuoted(src: string, i: number, quote: string): number {
  let j = i + 1;
  while (j < src.length) {
    const c = src[j];
    if (c === "\\") {
      j += 2;
      continue;
    }
    if (c === quote) return j + 1;
    if (c === "\n") return j;
    j++;
  }
  return src.length;
}

/** End of a template literal starting at `i` (a backtick), including nested `${ ... }` expressions. */
function scanTemplate(src: string, i: number): number {
  let j = i + 1;
  while (j < src.length) {
    const c = src[j];
    if (c === "\\") {
      j += 2;
      continue;
    }
    if (c === "`") return j + 1;
    if (c === "$" && src[j + 1] === "{") {
      j += 2;
      let depth = 1;
      while (j < src.length && depth > 0) {
        const d = src[j];
        if (d === "'" || d === '"') j = scanQuoted(src, j, d);
        else if (d === "`") j = scanTemplate(src, j);
        else {
          if (d === "{") depth++;
          else if (d === "}") depth--;
          j++;
        }
      }
      continue;
    }
    j++;
  }
  return src.length;
}

/** End of a regular expression literal at `i`, or -1 when it is not one (no closing slash on the line). */
function scanRegex(src: string, i: number): number {
  let j = i + 1;
  let inClass = false;
  while (j < src.length) {
    const c = src[j];
    if (c === "\n") return -1;
    if (c === "\\") {
      j += 2;
      continue;
    }
    if (c === "[") inClass = true;
    else if (c === "]") inClass = false;
    else if (c === "/" && !inClass) {
      j++;
      while (j < src.length && /[a-z]/i.test(src[j] ?? "")) j++;
      return j;
    }
    j++;
  }
  return -1;
}

function regexAllowedAfter(prev: Token | undefined): boolean {
  if (prev === undefined) return true;
  if (prev.kind === "op") return prev.text !== ")" && prev.text !== "]" && prev.text !== "}";
  if (prev.kind === "name") return REGEX_AFTER_WORDS.has(prev.text);
  return prev.kind === "newline";
}

/**
 * JavaScript/TypeScript tokens. Every line break is a `newline` token (callers decide what
 * a line break means); template literals and regular expressions are single `string` tokens.
 */
export function lexJavaScript(source: string): Token[] {
  const src = source.replace(/\r\n?/g, "\n");
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let prev: Token | undefined;
  const push = (kind: TokenKind, start: number, end: number): void => {
    const token: Token = { kind, text: src.slice(start, end), start, end, line };
    tokens.push(token);
    if (kind !== "comment") prev = token;
  };
  if (src.startsWith("#!")) {
    const end = src.indexOf("\n") === -1 ? src.length : src.indexOf("\n");
    push("comment", 0, end);
    i = end;
  }
  while (i < src.length) {
    const c = src[i] ?? "";
    if (c === " " || c === "\t" || c === "\f" || c === "\v" || c === "\u00A0" || c === "\uFEFF") {
      i++;
      continue;
    }
    if (c === "\n") {
      push("newline", i, i + 1);
      i++;
      line++;
      continue;
    }
    if (c === "/" && src[i + 1] === "/") {
      const nl = src.indexOf("\n", i);
      const end = nl === -1 ? src.length : nl;
      push("comment", i, end);
      i = end;
      continue;
    }
    if (c === "/" && src[i + 1] === "*") {
      const close = src.indexOf("*/", i + 2);
      const end = close === -1 ? src.length : close + 2;
      push("comment", i, end);
      line += countNewlines(src.slice(i, end));
      i = end;
      continue;
    }
    if (c === "'" || c === '"' || c === "`") {
      const end = c === "`" ? scanTemplate(src, i) : scanQuoted(src, i, c);
      push("string", i, end);
      line += countNewlines(src.slice(i, end));
      i = end;
      continue;
    }
    if (c === "/" && regexAllowedAfter(prev)) {
      const end = scanRegex(src, i);
      if (end !== -1) {
        push("string", i, end);
        i = end;
        continue;
      }
    }
    const atom = scanAtom(src, i, JS_NUMBER, JS_NAME, JS_OPS);
    push(atom.kind, i, atom.end);
    i = atom.end;
  }
  return tokens;
}
