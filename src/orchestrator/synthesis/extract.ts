/**
 * Pulls the code out of a model's answer. Models wrap code in Markdown fences (labelled or
 * not), put prose before and after, write several blocks (the solution, a usage example,
 * tests), indent everything inside a list item, or answer with bare code. This module finds
 * the blocks, decides which one is the solution (the one defining the requested function,
 * else the longest in the requested language), and separates the tests a model wrote
 * inline from its solution, so that a wrong inline assert cannot sink a correct solution
 * and the asserts can be scored as model-written tests.
 */
import { dedent, guardBody, statementsOf } from "./statements.js";
import { type CodeLanguage, familyOf } from "./types.js";

export interface CodeBlock {
  code: string;
  /** The fence's info string (`python`, `ts title="x"` ...); "" when unlabelled or unfenced. */
  info: string;
  /** From the fence label when it names a language, else detected from the code. */
  language: CodeLanguage | undefined;
  fenced: boolean;
}

export interface ExtractOptions {
  /** The language the task asks for; blocks in other languages are passed over. */
  language?: CodeLanguage;
  /** The function the task asks for; a block defining it is preferred. */
  functionName?: string;
}

export interface ExtractedCode {
  /** The solution, with top-level asserts moved out into `tests`. */
  code: string;
  language: CodeLanguage;
  /** Test snippets the model wrote: whole test blocks, and asserts taken out of the solution. */
  tests: string[];
  blockCount: number;
  fenced: boolean;
  /** Why this block was chosen, for the synthesis report. */
  reason: string;
}

const FENCE_OPEN = /^([ \t]*)(`{3,}|~{3,})[ \t]*([^\n]*)$/;

/** Lower-cased fence labels (first word) and the languages they name. */
const LANGUAGE_TAGS: ReadonlyMap<string, CodeLanguage> = new Map([
  ["python", "python"],
  ["python3", "python"],
  ["py", "python"],
  ["py3", "python"],
  ["javascript", "javascript"],
  ["js", "javascript"],
  ["node", "javascript"],
  ["nodejs", "javascript"],
  ["jsx", "javascript"],
  ["mjs", "javascript"],
  ["cjs", "javascript"],
  ["typescript", "typescript"],
  ["ts", "typescript"],
  ["tsx", "typescript"],
  ["mts", "typescript"],
  ["cts", "typescript"],
]);

/** Fence labels that are not code to run (shell sessions, output, data). */
const NON_CODE_TAGS = new Set([
  "bash",
  "sh",
  "shell",
  "console",
  "text",
  "txt",
  "output",
  "json",
  "yaml",
  "plaintext",
  "markdown",
  "md",
]);

/** The language a fence label names; undefined for unlabelled or unknown labels. */
export function languageFromTag(info: string): CodeLanguage | undefined {
  const word = (info.trim().split(/[\s{,]/)[0] ?? "").toLowerCase().replace(/^\./, "");
  return LANGUAGE_TAGS.get(word);
}

function stripIndent(line: string, indent: number): string {
  let k = 0;
  while (k < indent && k < line.length && (line[k] === " " || line[k] === "\t")) k++;
  return line.slice(k);
}

/** Fenced code blocks in order; an unclosed fence runs to the end (answers get cut off). */
export function findFencedBlocks(text: string): CodeBlock[] {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const blocks: CodeBlock[] = [];
  let k = 0;
  while (k < lines.length) {
    const open = FENCE_OPEN.exec(lines[k] ?? "");
    const fence = open?.[2];
    if (open === null || fence === undefined || (fence[0] === "`" && (open[3] ?? "").includes("`"))) {
      k++;
      continue;
    }
    const indent = open[1]?.length ?? 0;
    const info = (open[3] ?? "").trim();
    const body: string[] = [];
    k++;
    while (k < lines.length) {
      const line = lines[k] ?? "";
      const close = /^[ \t]*(`{3,}|~{3,})[ \t]*$/.exec(line);
      if (close?.[1] !== undefined && close[1][0] === fence[0] && close[1].length >= fence.length) break;
      body.push(stripIndent(line, indent));
      k++;
    }
    k++; // past the closing fence
    const code = dedent(body.join("\n")).replace(/^\n+|\s+$/g, "");
    const tagged = languageFromTag(info);
    const firstWord = (info.split(/\s/)[0] ?? "").toLowerCase();
    if (tagged === undefined && NON_CODE_TAGS.has(firstWord)) {
      blocks.push({ code, info, language: undefined, fenced: true });
      continue;
    }
    blocks.push({ code, info, language: tagged ?? detectLanguage(code), fenced: true });
  }
  return blocks;
}

const CODE_START =
  /^(?:def|class|import|from|return|if|elif|else|for|while|try|except|finally|with|async|await|function|const|let|var|export|raise|yield|lambda|switch|case|match|break|continue|pass|interface|type|enum|assert|print|console|module|exports|require|throw|new|do|global|nonlocal|del)\b/;

/**
 * Whether an unindented line of an unfenced answer reads as prose ("Here is the code:",
 * "This runs in O(n).") rather than code. Conservative: code-like punctuation or a leading
 * keyword makes it code.
 */
export function isProseLine(line: string): boolean {
  if (/^[ \t]/.test(line)) return false;
  const t = line.trim();
  if (t === "") return false;
  if (/^([-*+]|\d+[.)])\s+\S/.test(t)) return true; // list items
  if (/^>\s/.test(t)) return true; // quotes
  if (/^[A-Z][a-z]+( [a-z]+)?:$/.test(t)) return true; // "Example:", "Test cases:"
  if (CODE_START.test(t)) return false;
  if (/^[@#}\])]/.test(t) || /[{;,(\\[]$/.test(t)) return false;
  if (/^[\w.[\]]+\s*(=|\+=|-=|\*=|\/=|:=)(?!=)/.test(t)) return false; // assignment
  if (/^[\w.]+\(.*\)\s*;?$/.test(t)) return false; // a bare call
  const words = t.split(/\s+/).filter((w) => /[A-Za-z]/.test(w));
  if (words.length < 3 || !/^[A-Za-z"'*_`]/.test(t)) return false;
  if (/[.!?:]["')*_`]*$/.test(t)) return true;
  const letters = t.replace(/[^A-Za-z \t'",.!?-]/g, "").length;
  return letters / t.length >= 0.9 && !/[=;{}]/.test(t);
}

/** Code from an answer without fences: Markdown indented blocks, else the lines that are not prose. */
function findUnfencedCode(text: string): string {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  const proseAtZero = lines.some((l) => isProseLine(l));
  const codeAtZero = lines.some((l) => l.trim() !== "" && !/^[ \t]/.test(l) && !isProseLine(l));
  if (proseAtZero && !codeAtZero) {
    // Markdown indented code blocks: runs of lines indented 4+ spaces (or a tab).
    const kept = lines.filter((l) => l.trim() === "" || /^( {4}|\t)/.test(l));
    return dedent(kept.join("\n")).replace(/^\n+|\s+$/g, "");
  }
  const kept: string[] = [];
  for (const line of lines) {
    if (isProseLine(line)) {
      if (kept.length > 0 && kept[kept.length - 1] !== "") kept.push("");
      continue;
    }
    kept.push(line);
  }
  return dedent(kept.join("\n"))
    .replace(/\n{3,}/g, "\n\n")
    .replace(/^\n+|\s+$/g, "");
}

/** All code blocks of an answer: its fences, or its unfenced code as one block. */
export function findCodeBlocks(text: string): CodeBlock[] {
  const fenced = findFencedBlocks(text);
  if (fenced.length > 0) return fenced;
  const code = findUnfencedCode(text);
  if (code === "") return [];
  return [{ code, info: "", language: detectLanguage(code), fenced: false }];
}

const PY_SIGNALS: readonly RegExp[] = [
  /^\s*def\s+\w+\s*\(.*\)\s*(->\s*[^:]+)?:\s*$/m,
  /^\s*(el)?if\s.*:\s*$/m,
  /^\s*for\s+[\w, ]+\s+in\s.*:\s*$/m,
  /^\s*(from\s+[\w.]+\s+)?import\s+[\w., ]+\s*$/m,
  /\bself\b/,
  /\b(None|True|False|elif|lambda|nonlocal)\b/,
  /^\s*(return|print)\b[^;{]*$/m,
  /^\s*#/m,
  /\b(len|range|enumerate)\(/,
  /^\s*class\s+\w+(\(.*\))?:\s*$/m,
];

const JS_SIGNALS: readonly RegExp[] = [
  /\bfunction\b/,
  /\b(const|let|var)\s+[\w{[]/,
  /=>/,
  /[;{}]\s*$/m,
  /===|!==/,
  /\bconsole\.\w+\(/,
  /\/\//,
  /\b(module\.exports|require\(|export\s+(default|function|const|class))/,
  /\b(null|undefined|this)\b/,
  /\.(length|push|map|filter|reduce)\b/,
];

const TS_SIGNALS: readonly RegExp[] = [
  /\w\s*\??:\s*(number|string|boolean|void|any|unknown|never|bigint|object|Record<|Array<|readonly\s|\w+\[\])/,
  /\binterface\s+\w+/,
  /\btype\s+\w+\s*(<[^>]*>)?\s*=/,
  /\)\s*:\s*[\w<>[\]|, ]+\s*(\{|=>)/,
  /\bas\s+(const|number|string|unknown|\w+\[\])\b/,
  /\b(public|private|protected|readonly)\s+\w+/,
  /<[A-Z]\w*(,\s*[A-Z]\w*)*>\s*\(/,
];

function countSignals(code: string, signals: readonly RegExp[]): number {
  return signals.reduce((n, re) => n + (re.test(code) ? 1 : 0), 0);
}

/** The language code is most likely written in; undefined when nothing suggests one. */
export function detectLanguage(code: string): CodeLanguage | undefined {
  const py = countSignals(code, PY_SIGNALS);
  const js = countSignals(code, JS_SIGNALS);
  if (py === 0 && js === 0) return undefined;
  if (py > js) return "python";
  if (js === py && py > 0 && /:\s*$/m.test(code) && !/[{};]\s*$/m.test(code)) return "python";
  if (js === py) return undefined;
  return countSignals(code, TS_SIGNALS) > 0 ? "typescript" : "javascript";
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Whether the code defines `name` (a function, a lambda/arrow bound to it, or a method). */
export function definesFunction(code: string, name: string, language: CodeLanguage): boolean {
  const n = escapeRegExp(name);
  if (familyOf(language) === "python") {
    return new RegExp(
      `^[ \\t]*(async[ \\t]+)?def[ \\t]+${n}[ \\t]*\\(|^[ \\t]*${n}[ \\t]*=[ \\t]*lambda\\b`,
      "m",
    ).test(code);
  }
  return new RegExp(
    [
      `\\bfunction\\s*\\*?\\s*${n}\\s*[(<]`,
      `\\b(const|let|var)\\s+${n}\\s*(:[^=]+)?=`,
      `(^|[^.\\w$])${n}\\s*=\\s*(async\\s*)?(function\\b|\\(|[\\w$]+\\s*=>)`,
      `^\\s*(static\\s+|async\\s+)*${n}\\s*\\([^)]*\\)\\s*(:[^{]+)?\\{`,
      `\\bexports\\.${n}\\s*=`,
    ].join("|"),
    "m",
  ).test(code);
}

function sameFamily(a: CodeLanguage | undefined, b: CodeLanguage): boolean {
  return a !== undefined && familyOf(a) === familyOf(b);
}

/**
 * A block of tests rather than a solution: it does not define the requested function and
 * most of its statements are asserts or test functions.
 */
function isTestBlock(block: CodeBlock, language: CodeLanguage, functionName?: string): boolean {
  if (functionName !== undefined && definesFunction(block.code, functionName, language)) return false;
  const statements = statementsOf(block.code, language).filter((s) => s.kind !== "import");
  if (statements.length === 0) return false;
  const testLike = statements.filter(
    (s) => s.kind === "assert" || s.kind === "test" || (s.kind === "main-guard" && s.containsAssert),
  ).length;
  return testLike * 2 >= statements.length && testLike > 0;
}

/**
 * Splits a solution into the code to keep and the inline tests to take out: top-level
 * asserts, test functions and the asserts inside a `__main__` guard (the guard itself stays:
 * it does not run when the solution is loaded as a module).
 */
export function separateInlineTests(code: string, language: CodeLanguage): { code: string; tests: string[] } {
  const src = code.replace(/\r\n?/g, "\n");
  const statements = statementsOf(src, language);
  const removed = statements.filter((s) => s.kind === "assert" || s.kind === "test");
  const tests: string[] = [];
  if (removed.length > 0) {
    // The statements around the asserts that are not definitions are their setup
    // (`result = f(3)` before `assert result == 9`): the test carries them along, so that
    // it also runs against other candidates' solutions.
    tests.push(
      statements
        .filter((s) => s.kind === "assert" || s.kind === "test" || s.kind === "import" || s.kind === "other")
        .map((s) => s.text)
        .join("\n"),
    );
  }
  for (const s of statements) {
    if (s.kind === "main-guard" && s.containsAssert) tests.push(guardBody(s, language));
  }
  if (removed.length === 0) return { code, tests };
  let kept = "";
  let at = 0;
  for (const s of removed) {
    kept += src.slice(at, s.start);
    at = s.end;
  }
  kept += src.slice(at);
  return {
    code: kept
      .replace(/[ \t]+$/gm, "")
      .replace(/\n{3,}/g, "\n\n")
      .replace(/^\n+|\s+$/g, ""),
    tests,
  };
}

/**
 * The solution code in a model's answer, or undefined when it has none in the wanted
 * language. Choice: blocks in the requested language family (any, when none is requested:
 * the majority language decides), not test blocks; among them the one(s) defining the
 * requested function, then the longest.
 */
export function extractCode(text: string, options: ExtractOptions = {}): ExtractedCode | undefined {
  const blocks = findCodeBlocks(text);
  const language = options.language ?? majorityLanguage(blocks);
  if (language === undefined) return undefined;
  // An unlabelled block whose language could not be detected may still be the solution.
  const inLanguage = blocks.filter(
    (b) => sameFamily(b.language, language) || (b.language === undefined && b.info === ""),
  );
  if (inLanguage.length === 0) return undefined;
  const testBlocks = inLanguage.filter((b) => isTestBlock(b, language, options.functionName));
  const solutions = inLanguage.filter((b) => !testBlocks.includes(b));
  if (solutions.length === 0) return undefined;
  const defining =
    options.functionName === undefined
      ? []
      : solutions.filter((b) => definesFunction(b.code, options.functionName ?? "", language));
  const pool = defining.length > 0 ? defining : solutions;
  const exact = pool.filter((b) => b.language === language);
  const chosen = longest(exact.length > 0 ? exact : pool);
  const { code, tests } = separateInlineTests(chosen.code, language);
  const why =
    defining.length > 0
      ? `the ${ordinal(blocks.indexOf(chosen))} of ${blocks.length} code block(s) defines ${options.functionName}`
      : blocks.length === 1
        ? chosen.fenced
          ? "the answer's only code block"
          : "the answer's code without its prose (no fences)"
        : `the longest ${language} block (${ordinal(blocks.indexOf(chosen))} of ${blocks.length})`;
  return {
    code,
    language:
      chosen.language !== undefined && sameFamily(chosen.language, language) ? chosen.language : language,
    tests: [...testBlocks.map((b) => b.code), ...tests].filter((t) => t.trim() !== ""),
    blockCount: blocks.length,
    fenced: chosen.fenced,
    reason: why,
  };
}

function longest(blocks: readonly CodeBlock[]): CodeBlock {
  let best = blocks[0] as CodeBlock;
  for (const b of blocks) if (b.code.length > best.code.length) best = b;
  return best;
}

function ordinal(index: number): string {
  const n = index + 1;
  const teen = n % 100 >= 11 && n % 100 <= 13;
  const suffix = teen ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

function majorityLanguage(blocks: readonly CodeBlock[]): CodeLanguage | undefined {
  const counts = new Map<CodeLanguage, number>();
  for (const b of blocks)
    if (b.language !== undefined) counts.set(b.language, (counts.get(b.language) ?? 0) + b.code.length);
  let best: CodeLanguage | undefined;
  for (const [lang, n] of counts) if (best === undefined || n > (counts.get(best) ?? 0)) best = lang;
  return best;
}

/** The language most candidates' code is in (by count of answers), for when the task does not say. */
export function dominantLanguage(texts: readonly string[]): CodeLanguage | undefined {
  const votes = new Map<CodeLanguage, number>();
  for (const t of texts) {
    const lang = majorityLanguage(findCodeBlocks(t));
    if (lang !== undefined) votes.set(lang, (votes.get(lang) ?? 0) + 1);
  }
  let best: CodeLanguage | undefined;
  for (const [lang, n] of votes) if (best === undefined || n > (votes.get(best) ?? 0)) best = lang;
  return best;
}
