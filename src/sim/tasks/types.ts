/**
 * The shape of a task in the programming task bank: a small function a user asks for, its
 * reference solution, plausible wrong solutions, and tests (see README.md in this folder).
 */

export const TASK_LANGUAGES = ["python", "javascript"] as const;
export type TaskLanguage = (typeof TASK_LANGUAGES)[number];

export interface BankTask {
  /** Stable id, `py-...` or `js-...`; a prompt may name it. */
  id: string;
  language: TaskLanguage;
  /** The orchestrator's task type for writing the function. */
  type: "code";
  /** Short distinctive name of the problem ("Roman numerals to integer"). */
  title: string;
  /** What a user would ask: names the function, its signature and the language. */
  prompt: string;
  /** The function the tests call; unique across the bank, never a plain English word. */
  functionName: string;
  /** Correct code: passes every hidden test and model test. */
  reference: string;
  /** Plausible wrong solutions; each fails at least one hidden test. */
  buggy: string[];
  /** Assert-style tests run after the candidate's code; the reference passes all of them. */
  hiddenTests: string[];
  /** One-line tests a model might write; all correct (they pass the reference). */
  modelTests: string[];
  /** One-line tests with wrong expectations (they fail the reference). */
  wrongTests: string[];
  /** Local names (and parameters) a model may name differently; renamed outside strings. */
  locals: string[];
}

/**
 * Removes a template's first line break and the common indentation, so code can be written
 * indented inside the bank's modules. Used with String.raw so backslashes stay as written.
 */
export function code(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = String.raw({ raw: strings.raw }, ...values);
  const lines = raw
    .replace(/^\n/, "")
    .replace(/\n\s*$/, "")
    .split("\n");
  const indents = lines.filter((l) => l.trim() !== "").map((l) => l.match(/^ */)?.[0].length ?? 0);
  const cut = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join("\n");
}
