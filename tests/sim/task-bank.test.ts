/**
 * The task bank's quality gate: every reference passes its hidden tests and model tests, every
 * wrong test fails the reference, every buggy variant fails at least one hidden test — also as
 * sim models write them (renamed locals, comments, fences). Runs real `python3` and `node`
 * processes, one per language for the whole bank.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { Rng } from "../../src/sim/rng.js";
import {
  asksForTests,
  asksForTestsToo,
  type BankTask,
  type CheckJob,
  type CheckResult,
  codeBlocks,
  getTask,
  listTasks,
  matchTask,
  runChecks,
  simulatedAnswer,
} from "../../src/sim/tasks/index.js";
import { renameLocals } from "../../src/sim/tasks/surface.js";

const tasks = listTasks();
const SEEDS = [0, 1, 2, 3, 4, 5];

interface Entry {
  task: BankTask;
  role: "reference" | "buggy" | "written-correct" | "written-buggy";
  code: string;
  label: string;
}

const entries: Entry[] = [];
for (const task of tasks) {
  entries.push({ task, role: "reference", code: task.reference, label: "reference" });
  task.buggy.forEach((code, i) => {
    entries.push({ task, role: "buggy", code, label: `buggy[${i}]` });
    for (const seed of SEEDS.slice(0, 3)) {
      const renamed = renameLocals(code, task, new Rng(seed));
      entries.push({
        task,
        role: "written-buggy",
        code: renamed,
        label: `buggy[${i}] renamed (seed ${seed})`,
      });
    }
  });
  for (const seed of SEEDS) {
    const right = simulatedAnswer({ task, model: "gate", skill: 1, seed });
    const wrong = simulatedAnswer({ task, model: "gate", skill: 0, seed });
    for (const [answer, role] of [
      [right, "written-correct"],
      [wrong, "written-buggy"],
    ] as const) {
      entries.push({
        task,
        role,
        code: codeBlocks(answer.text)[0] ?? "",
        label: `answer (seed ${seed}): ${answer.text}`,
      });
    }
  }
}

let results: CheckResult[] = [];

beforeAll(async () => {
  const jobs: CheckJob[] = entries.map(({ task, role, code }) => ({
    language: task.language,
    code,
    tests:
      role === "reference"
        ? [...task.hiddenTests, ...task.modelTests, ...task.wrongTests]
        : [...task.hiddenTests, ...task.modelTests],
  }));
  results = await runChecks(jobs);
}, 120_000);

function resultsFor(task: BankTask) {
  return entries
    .map((entry, i) => ({ entry, result: results[i] as CheckResult }))
    .filter(({ entry }) => entry.task === task);
}

describe("the task bank's contents", () => {
  it("has at least 40 tasks, at least 15 per language", () => {
    expect(tasks.length).toBeGreaterThanOrEqual(40);
    expect(listTasks("python").length).toBeGreaterThanOrEqual(15);
    expect(listTasks("javascript").length).toBeGreaterThanOrEqual(15);
  });

  it("gives every task a unique id, function name and title, and finds it by id", () => {
    for (const key of ["id", "functionName", "title"] as const) {
      const values = tasks.map((t) => t[key].toLowerCase());
      expect(new Set(values).size, key).toBe(values.length);
    }
    for (const task of tasks) {
      expect(getTask(task.id)).toBe(task);
      expect(task.id.startsWith(task.language === "python" ? "py-" : "js-")).toBe(true);
    }
    expect(getTask("py-no-such-task")).toBeUndefined();
  });

  it("has at least 2 buggy variants, 4 hidden tests, 3 one-line model tests and 1 wrong test per task", () => {
    for (const task of tasks) {
      expect(task.buggy.length, task.id).toBeGreaterThanOrEqual(2);
      expect(task.hiddenTests.length, task.id).toBeGreaterThanOrEqual(4);
      expect(task.modelTests.length, task.id).toBeGreaterThanOrEqual(3);
      expect(task.wrongTests.length, task.id).toBeGreaterThanOrEqual(1);
      for (const test of [...task.modelTests, ...task.wrongTests]) expect(test, task.id).not.toContain("\n");
      for (const code of [task.reference, ...task.buggy]) expect(code, task.id).toContain(task.functionName);
    }
  });

  it("words every prompt so that it names its own task, its language, and asks for code only", () => {
    for (const task of tasks) {
      expect(task.prompt, task.id).toContain(`\`${task.functionName}(`);
      expect(task.prompt, task.id).toContain(task.language === "python" ? "Python" : "JavaScript");
      expect(matchTask(task.prompt), task.id).toBe(task);
      expect(asksForTests(task.prompt), task.id).toBe(false);
      expect(asksForTestsToo(task.prompt), task.id).toBe(false);
    }
  });
});

describe.each(tasks.map((task) => [task.id, task] as const))("task %s", (_id, task) => {
  it("reference passes every hidden and model test and fails every wrong test", () => {
    const { result } = resultsFor(task).find(({ entry }) => entry.role === "reference")!;
    expect(result.loadError).toBeUndefined();
    const hidden = task.hiddenTests.length;
    const model = task.modelTests.length;
    const failing = result.tests
      .slice(0, hidden + model)
      .map((t, i) => ({ ...t, test: [...task.hiddenTests, ...task.modelTests][i] }))
      .filter((t) => !t.passed);
    expect(failing).toEqual([]);
    const wrongPassing = result.tests
      .slice(hidden + model)
      .map((t, i) => ({ ...t, test: task.wrongTests[i] }))
      .filter((t) => t.passed);
    expect(wrongPassing).toEqual([]);
  });

  it("every buggy variant, as written or renamed, fails at least one hidden test", () => {
    for (const { entry, result } of resultsFor(task)) {
      if (entry.role !== "buggy" && entry.role !== "written-buggy") continue;
      const passesAll =
        result.loaded && result.tests.slice(0, task.hiddenTests.length).every((t) => t.passed);
      expect(passesAll, entry.label).toBe(false);
    }
  });

  it("a skilled model's written answers (renamed, commented, fenced) pass every test", () => {
    for (const { entry, result } of resultsFor(task)) {
      if (entry.role !== "written-correct") continue;
      expect(result.loadError, entry.label).toBeUndefined();
      expect(result.passed, entry.label).toBe(true);
    }
  });
});

describe("model tests as a whole", () => {
  it("catch most buggy variants (what CodeT-style verification has to work with)", () => {
    let caught = 0;
    let total = 0;
    for (const task of tasks) {
      for (const { entry, result } of resultsFor(task)) {
        if (entry.role !== "buggy") continue;
        total++;
        const model = result.tests.slice(task.hiddenTests.length);
        if (!result.loaded || model.some((t) => !t.passed)) caught++;
      }
    }
    expect(caught / total).toBeGreaterThanOrEqual(0.85);
  });
});
