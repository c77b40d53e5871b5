import { describe, expect, it } from "vitest";
import {
  codeBlocks,
  DEFAULT_SKILL,
  getTask,
  listTasks,
  simulatedAnswer,
  skillFor,
} from "../../src/sim/tasks/index.js";

const fizzbuzz = getTask("py-fizzbuzz")!;
const isPrime = getTask("js-is-prime")!;
const seeds = Array.from({ length: 40 }, (_, i) => i * 7919 + 1);

describe("simulatedAnswer", () => {
  it("gives the same answer for the same seed, model and task", () => {
    const input = { task: fizzbuzz, model: "qwen2.5-coder:7b", skill: 0.5, seed: 42 };
    expect(simulatedAnswer(input)).toEqual(simulatedAnswer(input));
    expect(simulatedAnswer({ ...input, kind: "tests" })).toEqual(
      simulatedAnswer({ ...input, kind: "tests" }),
    );
  });

  it("draws independently per seed and per model", () => {
    const texts = new Set(
      seeds.map((seed) => simulatedAnswer({ task: fizzbuzz, model: "a", skill: 0.5, seed }).text),
    );
    expect(texts.size).toBeGreaterThan(seeds.length / 2);
    const a = seeds.map((seed) => simulatedAnswer({ task: fizzbuzz, model: "a", skill: 0.5, seed }).correct);
    const b = seeds.map((seed) => simulatedAnswer({ task: fizzbuzz, model: "b", skill: 0.5, seed }).correct);
    expect(a).not.toEqual(b);
  });

  it("always answers with the reference at skill 1 and never at skill 0", () => {
    for (const task of listTasks()) {
      for (const seed of seeds.slice(0, 5)) {
        const right = simulatedAnswer({ task, model: "m", skill: 1, seed });
        expect(right).toMatchObject({ correct: true, variant: "reference" });
        const wrong = simulatedAnswer({ task, model: "m", skill: 0, seed });
        expect(wrong.correct).toBe(false);
        expect(typeof wrong.variant).toBe("number");
      }
    }
  });

  it("is correct about as often as its skill says, over the bank and many seeds", () => {
    for (const skill of [0.3, 0.6, 0.9]) {
      let correct = 0;
      let total = 0;
      for (const task of listTasks()) {
        for (const seed of seeds) {
          total++;
          if (simulatedAnswer({ task, model: "stat", skill, seed }).correct) correct++;
        }
      }
      // ~1900 draws: one standard deviation is about 0.011.
      expect(Math.abs(correct / total - skill), `skill ${skill}`).toBeLessThan(0.05);
    }
  });

  it("uses the skill of the task's language, then its type, then the default", () => {
    const skill = { python: 1, code: 0, test: 0.25, default: 0.5 };
    expect(skillFor(skill, fizzbuzz, "code")).toBe(1);
    expect(skillFor(skill, isPrime, "code")).toBe(0);
    expect(skillFor(skill, isPrime, "tests")).toBe(0.25);
    expect(skillFor({ default: 0.7 }, isPrime, "tests")).toBe(0.7);
    expect(skillFor(0.8, isPrime, "tests")).toBe(0.8);
    expect(skillFor(undefined, isPrime, "code")).toBe(DEFAULT_SKILL);
    expect(simulatedAnswer({ task: fizzbuzz, model: "m", skill, seed: 3 }).correct).toBe(true);
    expect(simulatedAnswer({ task: isPrime, model: "m", skill, seed: 3 }).correct).toBe(false);
  });

  it("varies the surface: local names, fence labels, bare code, prose and comments", () => {
    const answers = seeds.map((seed) => simulatedAnswer({ task: fizzbuzz, model: "m", skill: 1, seed }));
    const labels = new Set(answers.map((a) => a.text.match(/```(\w*)\n/)?.[1] ?? "(no fence)"));
    expect(labels.size).toBeGreaterThanOrEqual(3);
    const withoutComment = answers.map((a) => a.program?.replace(/^# .*\n/, ""));
    expect(withoutComment.some((program) => program !== fizzbuzz.reference)).toBe(true);
    expect(answers.some((a) => a.program === fizzbuzz.reference)).toBe(true);
    expect(answers.some((a) => a.program?.startsWith("# FizzBuzz list"))).toBe(true);
    expect(answers.some((a) => !a.text.startsWith("```") && a.text.includes("```"))).toBe(true);
    for (const answer of answers) expect(codeBlocks(answer.text)[0]).toBe(answer.program);
  });

  it("writes tests from the task's model tests, with wrong ones more often at lower skill", () => {
    const pool = new Set([...fizzbuzz.modelTests, ...fizzbuzz.wrongTests]);
    const wrongShare = (skill: number) => {
      let wrong = 0;
      for (const seed of seeds) {
        const answer = simulatedAnswer({ task: fizzbuzz, model: "m", skill, seed, kind: "tests" });
        expect(answer.tests.length).toBeGreaterThanOrEqual(3);
        for (const test of answer.tests) expect(pool.has(test)).toBe(true);
        expect(answer.tests.filter((t) => fizzbuzz.wrongTests.includes(t)).length).toBe(answer.wrongTests);
        expect(answer.correct).toBe(answer.wrongTests === 0);
        expect(codeBlocks(answer.text)[0]?.split("\n")).toEqual(answer.tests);
        if (answer.wrongTests > 0) wrong++;
      }
      return wrong / seeds.length;
    };
    expect(wrongShare(1)).toBe(0);
    expect(wrongShare(0)).toBe(1);
    const middle = wrongShare(0.5);
    expect(middle).toBeGreaterThan(0);
    expect(middle).toBeLessThan(1);
  });

  it("adds a block of tests after the code when asked for code with tests", () => {
    const answer = simulatedAnswer({ task: isPrime, model: "m", skill: 1, seed: 9, withTests: true });
    const [program, tests] = codeBlocks(answer.text);
    expect(program).toBe(answer.program);
    expect(tests?.split("\n")).toEqual(answer.tests);
    for (const test of answer.tests) expect(isPrime.modelTests).toContain(test);
  });
});
