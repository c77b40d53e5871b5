import { describe, expect, it } from "vitest";
import {
  asksForTests,
  asksForTestsToo,
  focusText,
  matchTask,
  matchTasks,
} from "../../src/sim/tasks/index.js";

const id = (prompt: string) => matchTask(prompt)?.id;

describe("matchTask", () => {
  it("finds a task by its function name as a whole identifier", () => {
    expect(id("Please implement fizzbuzz(n) for me")).toBe("py-fizzbuzz");
    expect(id("How would I write `isValidIPv4` in JS?")).toBe("js-is-valid-ipv4");
    expect(id("I need a fizzbuzzer")).toBeUndefined();
    expect(id("def my_fizzbuzz(n): ...")).toBeUndefined();
  });

  it("finds a task by its id or its title, ignoring case", () => {
    expect(id("Solve bank task js-merge-sorted please")).toBe("js-merge-sorted");
    expect(id("Task py-two-sum")).toBe("py-two-sum");
    expect(id("can you do roman numerals to integer?")).toBe("py-roman-to-int");
  });

  it("finds nothing in a prompt about something else", () => {
    expect(id("Tell me about sharded inference")).toBeUndefined();
    expect(id("")).toBeUndefined();
  });

  it("lists every mentioned task in the order of first mention", () => {
    expect(matchTasks("First toRoman, then roman_to_int, and toRoman again").map((t) => t.id)).toEqual([
      "js-to-roman",
      "py-roman-to-int",
    ]);
  });

  it("prefers the task in the focus: the text after the last Request/Task/Subtask line", () => {
    const prompt = [
      "Request: implement `two_sum` and `median_of` in Python, with tests.",
      "Plan: two code subtasks and their tests.",
      "Subtask: Write tests for `median_of` (Python).",
    ].join("\n");
    expect(focusText(prompt)).toBe("Write tests for `median_of` (Python).");
    expect(id(prompt)).toBe("py-median");
    expect(asksForTests(prompt)).toBe(true);
    // No task in the focus: the first one in the whole prompt.
    expect(id("We talked about `two_sum`.\nTask: now do it again")).toBe("py-two-sum");
  });
});

describe("what a prompt asks for", () => {
  it("asks for tests when the focus starts with write/generate/create/add ... tests", () => {
    expect(asksForTests("Write tests for fizzbuzz")).toBe(true);
    expect(asksForTests("Please write unit tests for `toRoman`.")).toBe(true);
    expect(asksForTests("Generate some assert-style tests for isPrime")).toBe(true);
    expect(asksForTests("Write a function fizzbuzz(n) that passes these tests")).toBe(false);
    expect(asksForTests("Implement fizzbuzz and write tests")).toBe(false);
  });

  it("asks for code and tests when the request adds tests", () => {
    expect(asksForTestsToo("Implement fizzbuzz and write tests")).toBe(true);
    expect(asksForTestsToo("Write isPrime(n) in JavaScript with unit tests.")).toBe(true);
    expect(asksForTestsToo("Write isPrime(n) in JavaScript.")).toBe(false);
  });
});
