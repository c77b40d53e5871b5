/**
 * The programming task bank and what sim models with a skill do with it (see README.md here):
 * tasks with reference and buggy solutions and hidden tests, prompt matching, deterministic
 * skilled answers, plausible analysis/decomposition content, and a runner to grade code.
 */
export {
  type AnswerKind,
  DEFAULT_SKILL,
  type SimulatedAnswer,
  type SimulatedAnswerInput,
  SKILL_KEYS,
  type Skill,
  type SkillKey,
  simulatedAnswer,
  skillFor,
} from "./answer.js";
export { getTask, listTasks } from "./bank.js";
export { asksForTests, asksForTestsToo, focusText, matchTask, matchTasks } from "./match.js";
export {
  type Complexity,
  type PlannedSubtask,
  planSubtasks,
  type RequestFacts,
  requestFacts,
  structuredHint,
} from "./plan-content.js";
export {
  type CheckJob,
  type CheckResult,
  type RunChecksOptions,
  runChecks,
  type TestOutcome,
} from "./runner.js";
export { codeBlocks } from "./surface.js";
export { type BankTask, TASK_LANGUAGES, type TaskLanguage } from "./types.js";
