/**
 * How a sim model writes code down: the same program under different local names, with or
 * without a comment, in a ```python / ```py / bare fence or no fence at all, with prose around
 * it. All choices are drawn from the caller's Rng, so a seed gives one exact text.
 */
import type { Rng } from "../rng.js";
import type { BankTask, TaskLanguage } from "./types.js";

/** Other names a model might give a local; a name missing here keeps its own. */
const ALTERNATIVES: Record<string, readonly string[]> = {
  a: ["x", "m"],
  address: ["ip", "addr"],
  averages: ["means", "out"],
  b: ["y", "k"],
  base: ["offset", "start_code"],
  best: ["winner", "top"],
  bestCount: ["topCount", "maxCount"],
  c: ["char", "letter"],
  ch: ["char", "c", "letter"],
  chars: ["cleaned", "letters"],
  count: ["total", "n_found", "tally"],
  counts: ["freq", "tally", "counter"],
  current: ["cur", "run_char", "acc"],
  d: ["digit", "k"],
  date_str: ["date_text", "iso_date"],
  days_in_month: ["month_lengths", "month_days"],
  decode: ["dec", "unescape"],
  depth: ["level", "open_count"],
  distinct: ["uniq", "values_desc"],
  end: ["stop", "finish"],
  eq: ["sep", "splitAt"],
  field: ["cell", "buf"],
  fields: ["cells", "columns"],
  first: ["left", "a_str"],
  hi: ["high", "right"],
  hours: ["h", "hrs"],
  i: ["idx", "k", "pos"],
  index: ["idx", "position"],
  item: ["elem", "value", "x"],
  items: ["arr", "values", "elements"],
  j: ["k2", "jdx"],
  k: ["steps", "amount"],
  left: ["a", "xs"],
  line: ["row", "input"],
  lo: ["low", "left"],
  lower: ["lc", "small"],
  maxLength: ["limit", "max"],
  merged: ["result", "out"],
  mid: ["middle", "m"],
  minutes: ["m", "mins"],
  month: ["mon", "mm"],
  n: ["num", "value", "number"],
  name: ["identifier", "input"],
  nested: ["data", "items"],
  normalize: ["key", "canon"],
  num: ["value", "number"],
  nums: ["numbers", "values", "arr"],
  ordered: ["sorted_values", "ordered_values"],
  out: ["result", "res", "buf"],
  p: ["part", "piece", "chunk"],
  pad: ["two", "pad2"],
  pairs: ["closing", "matching"],
  part: ["piece", "chunk", "segment"],
  parts: ["pieces", "chunks", "segments"],
  pos: ["idx", "at"],
  query: ["qs", "search"],
  quoted: ["inQuotes", "inside"],
  rawKey: ["keyPart", "k"],
  rawValue: ["valuePart", "v"],
  rest: ["remaining", "left"],
  result: ["res", "out", "output"],
  right: ["b", "ys"],
  s: ["text", "string", "value"],
  second: ["right", "b_str"],
  secs: ["sec", "ss"],
  seconds: ["total", "duration"],
  seen: ["visited", "index_of", "known"],
  sentence: ["text", "line"],
  shift: ["offset", "rot"],
  size: ["n", "chunk_size"],
  stack: ["opened", "pending"],
  start: ["begin", "lo"],
  step: ["stride", "inc"],
  sub: ["needle", "pattern"],
  symbol: ["numeral", "letters"],
  table: ["numerals", "pairs"],
  target: ["goal", "wanted"],
  text: ["s", "input", "str"],
  titled: ["out", "result"],
  toUtc: ["toDays", "parse"],
  total: ["acc", "sum_", "result"],
  value: ["val", "v", "x"],
  values: ["nums", "numbers", "data"],
  window: ["width", "k"],
  word: ["w", "token"],
  words: ["tokens", "parts"],
  x: ["v", "cur"],
  year: ["y", "yr"],
};

const RESERVED = new Set([
  // Python
  "and",
  "as",
  "def",
  "del",
  "for",
  "from",
  "in",
  "is",
  "not",
  "or",
  "str",
  "sum",
  "len",
  "max",
  "min",
  "list",
  "set",
  "dict",
  "input",
  // JavaScript
  "function",
  "const",
  "let",
  "var",
  "new",
  "of",
  "Math",
  "String",
  "Number",
  "Array",
  "Map",
  "Set",
]);

/**
 * Identifiers of a program outside strings and comments, with their positions; an identifier
 * after a "." (a member) is skipped. Good enough for the bank's code (no template literals with
 * `${}`, no f-strings); the bank's own test runs each renamed variant to prove it.
 */
function identifiers(code: string, language: TaskLanguage): { name: string; at: number }[] {
  const out: { name: string; at: number }[] = [];
  let i = 0;
  let previousSignificant = "";
  while (i < code.length) {
    const ch = code[i] as string;
    if (language === "python" && ch === "#") {
      while (i < code.length && code[i] !== "\n") i++;
      continue;
    }
    if (language === "javascript" && ch === "/" && code[i + 1] === "/") {
      while (i < code.length && code[i] !== "\n") i++;
      continue;
    }
    if (language === "javascript" && ch === "/" && code[i + 1] === "*") {
      const end = code.indexOf("*/", i + 2);
      i = end < 0 ? code.length : end + 2;
      continue;
    }
    if (
      language === "javascript" &&
      ch === "/" &&
      /^(?:|return|typeof|[(,=:[!&|?{};])$/.test(previousSignificant)
    ) {
      // A regular expression literal.
      i++;
      let inClass = false;
      while (i < code.length && code[i] !== "\n") {
        const c = code[i];
        if (c === "\\") i++;
        else if (c === "[") inClass = true;
        else if (c === "]") inClass = false;
        else if (c === "/" && !inClass) break;
        i++;
      }
      i++;
      while (i < code.length && /[a-z]/.test(code[i] as string)) i++;
      previousSignificant = "/";
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") {
      const triple = language === "python" && code.startsWith(ch.repeat(3), i);
      const close = triple ? ch.repeat(3) : ch;
      i += close.length;
      while (i < code.length && !code.startsWith(close, i)) {
        if (code[i] === "\\") i++;
        i++;
      }
      i += close.length;
      previousSignificant = ch;
      continue;
    }
    if (/[A-Za-z_$]/.test(ch)) {
      let end = i + 1;
      while (end < code.length && /[A-Za-z0-9_$]/.test(code[end] as string)) end++;
      const name = code.slice(i, end);
      if (previousSignificant !== ".") out.push({ name, at: i });
      previousSignificant = name;
      i = end;
      continue;
    }
    if (!/\s/.test(ch)) previousSignificant = ch;
    i++;
  }
  return out;
}

/** Renames some of the task's locals (each with probability 1/2) to other plausible names. */
export function renameLocals(code: string, task: BankTask, rng: Rng): string {
  const found = identifiers(code, task.language);
  const taken = new Set(found.map((f) => f.name));
  const mapping = new Map<string, string>();
  for (const local of task.locals) {
    const choices = (ALTERNATIVES[local] ?? []).filter(
      (alt) => !taken.has(alt) && !RESERVED.has(alt) && alt !== task.functionName,
    );
    // Draw for every local, present or not, so the other names do not depend on the variant.
    const rename = rng.chance(0.5);
    const pick = choices.length > 0 ? choices[rng.int(0, choices.length - 1)] : undefined;
    if (!rename || pick === undefined || !taken.has(local)) continue;
    mapping.set(local, pick);
    taken.add(pick);
  }
  if (mapping.size === 0) return code;
  let out = "";
  let last = 0;
  for (const { name, at } of found) {
    const to = mapping.get(name);
    if (to === undefined) continue;
    out += code.slice(last, at) + to;
    last = at + name.length;
  }
  return out + code.slice(last);
}

const FENCE_LABELS: Record<TaskLanguage, readonly string[]> = {
  python: ["python", "py", ""],
  javascript: ["javascript", "js", ""],
};
const LANGUAGE_NAMES: Record<TaskLanguage, string> = { python: "Python", javascript: "JavaScript" };

const CODE_INTROS = [
  "Here is a {Language} implementation of `{fn}`:",
  "Sure! Here's `{fn}` in {Language}:",
  "You can write `{fn}` like this:",
  "The following function does it:",
  "Here's one way to implement it:",
];
const CODE_OUTROS = [
  "It handles the edge cases, such as empty input.",
  "The function has no side effects and runs in a single pass where possible.",
  "Let me know if you would like tests for it as well.",
  "Call `{fn}` with your own values to try it out.",
];
const TEST_INTROS = [
  "Here are some tests for `{fn}`:",
  "These asserts check `{fn}`:",
  "Tests for `{fn}` ({Language}):",
];

function fill(template: string, task: BankTask): string {
  return template
    .replaceAll("{fn}", task.functionName)
    .replaceAll("{Language}", LANGUAGE_NAMES[task.language]);
}

/** A comment line a model might put above its function. */
function commentLine(task: BankTask): string {
  return `${task.language === "python" ? "#" : "//"} ${task.title}`;
}

function fenced(body: string, task: BankTask, rng: Rng): string {
  const label = rng.pick(FENCE_LABELS[task.language]);
  return `\`\`\`${label}\n${body}\n\`\`\``;
}

/**
 * The answer text around a program: usually prose, a fenced block and maybe a closing line;
 * sometimes (1 in 10) just the bare code. Tests, when given, follow in a second fenced block.
 * `code` is the program as it appears in the text (maybe with a comment line above it).
 */
export function presentCode(
  program: string,
  task: BankTask,
  rng: Rng,
  tests?: readonly string[],
): { text: string; code: string } {
  const body = rng.chance(0.3) ? `${commentLine(task)}\n${program}` : program;
  if (!tests && rng.chance(0.1)) return { text: body, code: body };
  const parts: string[] = [];
  if (rng.chance(0.75)) parts.push(fill(rng.pick(CODE_INTROS), task));
  parts.push(fenced(body, task, rng));
  if (tests && tests.length > 0) {
    parts.push(fill(rng.pick(TEST_INTROS), task));
    parts.push(fenced(tests.join("\n"), task, rng));
  }
  const outros = tests ? CODE_OUTROS.filter((o) => !o.includes("tests")) : CODE_OUTROS;
  if (rng.chance(0.5)) parts.push(fill(rng.pick(outros), task));
  return { text: parts.join("\n\n"), code: body };
}

/** Tests as an answer: a sentence and one fenced block, one test per line. */
export function presentTests(tests: readonly string[], task: BankTask, rng: Rng): string {
  return `${fill(rng.pick(TEST_INTROS), task)}\n\n${fenced(tests.join("\n"), task, rng)}`;
}

const FENCE = /```[^\n`]*\n([\s\S]*?)\n?```/g;

/**
 * The code blocks of an answer in order: the bodies of its fenced blocks, or, when it has
 * none, the whole answer trimmed (a bare-code answer). This undoes `presentCode`.
 */
export function codeBlocks(answer: string): string[] {
  const blocks = [...answer.matchAll(FENCE)].map((m) => m[1] ?? "");
  if (blocks.length > 0) return blocks;
  const bare = answer.trim();
  return bare === "" ? [] : [bare];
}
