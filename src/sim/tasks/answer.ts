/**
 * What a sim model with a skill answers to a bank task: the reference solution with probability
 * `skill`, otherwise one of the buggy variants, in a surface form of its own; or, asked for tests,
 * mostly correct asserts with some wrong expectations when its skill is low. Pure and
 * deterministic: the same (seed, model, task, kind) gives the same answer, so runs repeat and a
 * benchmark can compute the oracle without running any model.
 */
import { hashString, Rng } from "../rng.js";
import { presentCode, presentTests, renameLocals } from "./surface.js";
import type { BankTask } from "./types.js";

/** Keys of a per-model skill object: a task type, a language, or the default. */
export const SKILL_KEYS = ["default", "code", "test", "python", "javascript"] as const;
export type SkillKey = (typeof SKILL_KEYS)[number];
/** Probability of answering correctly: one number for everything, or per task type / language. */
export type Skill = number | Partial<Record<SkillKey, number>>;

/** Skill of a model configured without one for this kind of task. */
export const DEFAULT_SKILL = 0.5;

export type AnswerKind = "code" | "tests";

/**
 * The probability that a model writes this task's code correctly (kind "code": its language's
 * skill, else the task type's, else `default`) or writes only correct tests (kind "tests":
 * `test`, else as for code).
 */
export function skillFor(skill: Skill | undefined, task: BankTask, kind: AnswerKind): number {
  if (skill === undefined) return DEFAULT_SKILL;
  if (typeof skill === "number") return skill;
  const forCode = skill[task.language] ?? skill[task.type] ?? skill.default ?? DEFAULT_SKILL;
  return kind === "tests" ? (skill.test ?? forCode) : forCode;
}

export interface SimulatedAnswerInput {
  task: BankTask;
  /** Model name; different models draw independently. */
  model: string;
  skill: Skill | undefined;
  /** The request's seed (the sim node uses the generation seed). */
  seed: number;
  /** "code" (default) writes the function; "tests" writes asserts for it. */
  kind?: AnswerKind;
  /** With kind "code": add a block of tests after the code. */
  withTests?: boolean;
}

export interface SimulatedAnswer {
  taskId: string;
  kind: AnswerKind;
  /** Code: the program is the reference. Tests: every test is right. */
  correct: boolean;
  /** Code answers: "reference" or the buggy variant's index in `task.buggy`. */
  variant?: "reference" | number;
  /** Code answers: the program exactly as written in the answer (names changed, maybe a comment). */
  program?: string;
  /** The tests the answer contains (one statement per entry), if any. */
  tests: string[];
  /** How many of `tests` have a wrong expectation. */
  wrongTests: number;
  /** The whole answer as the model says it. */
  text: string;
}

function shuffled<T>(items: readonly T[], rng: Rng): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

/** 3 to 5 of the task's model tests; each of up to two slots wrong with probability 1 - skill. */
function drawTests(task: BankTask, rng: Rng, skill: number): { tests: string[]; wrong: number } {
  const pool = shuffled(task.modelTests, rng);
  const count = rng.int(Math.min(3, pool.length), Math.min(5, pool.length));
  const chosen = pool.slice(0, count);
  const wrongPool = shuffled(task.wrongTests, rng);
  let wrong = 0;
  for (let slot = 0; slot < 2; slot++) {
    const mistaken = rng.chance(1 - skill);
    const replacement = wrongPool[slot];
    if (!mistaken || replacement === undefined || chosen.length - 1 - slot < 0) continue;
    chosen[chosen.length - 1 - slot] = replacement;
    wrong++;
  }
  return { tests: shuffled(chosen, rng), wrong };
}

/** A model's answer to a bank task (see the module comment). */
export function simulatedAnswer(input: SimulatedAnswerInput): SimulatedAnswer {
  const { task } = input;
  const kind = input.kind ?? "code";
  const rng = new Rng(hashString(`${input.seed}\u0000${input.model}\u0000${task.id}\u0000${kind}`));
  if (kind === "tests") {
    const { tests, wrong } = drawTests(task, rng, skillFor(input.skill, task, "tests"));
    return {
      taskId: task.id,
      kind,
      correct: wrong === 0,
      tests,
      wrongTests: wrong,
      text: presentTests(tests, task, rng),
    };
  }
  const correct = rng.next() < skillFor(input.skill, task, "code");
  const buggyIndex = rng.int(0, Math.max(0, task.buggy.length - 1));
  const source = correct ? task.reference : (task.buggy[buggyIndex] ?? task.reference);
  const renamed = renameLocals(source, task, rng);
  const drawn = input.withTests ? drawTests(task, rng, skillFor(input.skill, task, "tests")) : undefined;
  const { text, code } = presentCode(renamed, task, rng, drawn?.tests);
  return {
    taskId: task.id,
    kind,
    correct,
    variant: correct ? "reference" : buggyIndex,
    program: code,
    tests: drawn?.tests ?? [],
    wrongTests: drawn?.wrong ?? 0,
    text,
  };
}
