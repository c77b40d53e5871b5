import { describe, expect, it } from "vitest";
import type { Plan, Subtask } from "./decompose.js";
import { subtaskMessages } from "./prompts.js";

const code: Subtask = { id: "s2", description: "Write reverse(s)", type: "code", dependencies: ["s1"] };
const design: Subtask = { id: "s1", description: "Design the API", type: "reasoning", dependencies: [] };
const plan: Plan = { subtasks: [design, code], repairs: [], source: "model" };

describe("subtaskMessages", () => {
  it("asks a code subtask for the code and for tests of it, which verify runs against every candidate", () => {
    const [system] = subtaskMessages({ prompt: "Build a string library" }, code, plan, []);
    expect(system?.content).toMatch(/fenced code block/);
    expect(system?.content).toMatch(/unit tests .* assert statements/);
  });

  it("gives a subtask the overall request and its dependencies' results, then marks the task", () => {
    const [, user] = subtaskMessages({ prompt: "Build a string library", context: "Python 3" }, code, plan, [
      { subtaskId: "s1", answer: "reverse(s: str) -> str", confidence: 1 },
    ]);
    expect(user?.content).toContain("Context:\nPython 3");
    expect(user?.content).toContain(
      "The overall request (you handle one part of it):\nBuild a string library",
    );
    expect(user?.content).toContain('Result of "Design the API":\nreverse(s: str) -> str');
    expect(user?.content.endsWith("Task: Write reverse(s)")).toBe(true);
  });

  it("asks a lone subtask plainly, without the overall request", () => {
    const lone: Plan = { subtasks: [{ ...code, dependencies: [] }], repairs: [], source: "fallback" };
    const [, user] = subtaskMessages({ prompt: "Write reverse(s)" }, lone.subtasks[0] as Subtask, lone, []);
    expect(user?.content).toBe("Write reverse(s)");
  });
});
