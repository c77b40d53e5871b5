/**
 * Which bank task a prompt is about, and what it asks for (code or tests). Pure text rules, so
 * callers (the orchestrator, its tests) can predict what a sim model will do with a prompt:
 * - the *focus* of a prompt is the text from its last line starting with `Request:`, `Task:`,
 *   `Subtask:` or `Question:` (any case, optionally after `#`s), or the whole prompt;
 * - a task is mentioned by its id (`py-fizzbuzz`), its function name as a whole identifier
 *   (`fizzbuzz`, not `fizzbuzzer`), or its title (any case);
 * - the focus asks for tests when it starts with "write/generate/create/add ... tests" (up to two
 *   words between, e.g. "Write unit tests for", "Generate some tests").
 */
import { listTasks } from "./bank.js";
import type { BankTask } from "./types.js";

const FOCUS_MARKER = /^[ \t]*(?:#+[ \t]*)?(?:request|task|subtask|question)[ \t]*:/gim;
const TESTS_FIRST =
  /^\s*(?:please[\s,]+)?(?:write|generate|create|add)\s+(?:[\w-]+\s+){0,2}?(?:tests|test cases)\b/i;
const TESTS_TOO =
  /\b(?:with|and|plus|include|including|also|add|write)\s+(?:[\w-]+\s+){0,2}?(?:tests|test cases)\b/i;

interface Matcher {
  task: BankTask;
  patterns: RegExp[];
}

let matchers: Matcher[] | undefined;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function buildMatchers(): Matcher[] {
  return listTasks().map((task) => ({
    task,
    patterns: [
      new RegExp(`(?<![\\w-])${escapeRegExp(task.id)}(?![\\w-])`, "i"),
      new RegExp(`(?<![A-Za-z0-9_$])${escapeRegExp(task.functionName)}(?![A-Za-z0-9_$])`),
      new RegExp(`(?<![\\w])${escapeRegExp(task.title)}(?![\\w])`, "i"),
    ],
  }));
}

/** The part of a prompt that says what is asked now (see the module comment). */
export function focusText(prompt: string): string {
  let last = -1;
  let markerEnd = 0;
  for (const match of prompt.matchAll(FOCUS_MARKER)) {
    last = match.index;
    markerEnd = match.index + match[0].length;
  }
  return last < 0 ? prompt : prompt.slice(markerEnd).trim();
}

/** Every bank task the text mentions, in the order of their first mention. */
export function matchTasks(text: string): BankTask[] {
  matchers ??= buildMatchers();
  const found: { task: BankTask; at: number }[] = [];
  for (const { task, patterns } of matchers) {
    let at = -1;
    for (const pattern of patterns) {
      const hit = pattern.exec(text);
      if (hit && (at < 0 || hit.index < at)) at = hit.index;
    }
    if (at >= 0) found.push({ task, at });
  }
  return found.sort((a, b) => a.at - b.at).map((f) => f.task);
}

/** The bank task a prompt is about: the first one its focus mentions, else the first in the whole prompt. */
export function matchTask(prompt: string): BankTask | undefined {
  return matchTasks(focusText(prompt))[0] ?? matchTasks(prompt)[0];
}

/** The prompt's focus asks for tests rather than code ("Write tests for ..."). */
export function asksForTests(prompt: string): boolean {
  return TESTS_FIRST.test(focusText(prompt));
}

/** The prompt's focus asks for code and tests as well ("... and write tests", "with tests"). */
export function asksForTestsToo(prompt: string): boolean {
  return TESTS_TOO.test(focusText(prompt));
}
