/** The task bank: every task, by id, in a stable order (Python first, then JavaScript). */
import { JAVASCRIPT_TASKS } from "./bank/javascript.js";
import { PYTHON_TASKS } from "./bank/python.js";
import type { BankTask, TaskLanguage } from "./types.js";

const ALL: readonly BankTask[] = Object.freeze([...PYTHON_TASKS, ...JAVASCRIPT_TASKS]);
const BY_ID = new Map(ALL.map((task) => [task.id, task]));

/** Every task of the bank, optionally only one language's. */
export function listTasks(language?: TaskLanguage): readonly BankTask[] {
  return language === undefined ? ALL : ALL.filter((task) => task.language === language);
}

/** The task with this id, or undefined. */
export function getTask(id: string): BankTask | undefined {
  return BY_ID.get(id);
}
