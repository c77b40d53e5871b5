import { describe, expect, it } from "vitest";
import { normalizeDefinition, type StepDefaults } from "./definition.js";
import { WorkflowDefinitionError } from "./errors.js";

const defaults: StepDefaults = {
  retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1_000 },
  timeoutMs: 5_000,
};

function issuesOf(definition: unknown): readonly string[] {
  try {
    normalizeDefinition(definition, defaults);
  } catch (error) {
    if (error instanceof WorkflowDefinitionError) return error.issues;
    throw error;
  }
  return [];
}

describe("normalizeDefinition", () => {
  it("fills every default and keeps what the step sets", () => {
    const spec = normalizeDefinition(
      {
        name: "demo",
        steps: [
          { id: "a", run: "echo" },
          {
            id: "b",
            run: "echo",
            dependsOn: ["a", "a"],
            input: { x: 1 },
            retry: { maxAttempts: 5 },
            timeoutMs: 0,
            cacheKey: "k",
          },
        ],
      },
      defaults,
    );
    expect(spec).toEqual({
      name: "demo",
      onFailure: "stop",
      steps: [
        { id: "a", run: "echo", dependsOn: [], input: null, retry: defaults.retry, timeoutMs: 5_000 },
        {
          id: "b",
          run: "echo",
          dependsOn: ["a"],
          input: { x: 1 },
          retry: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 },
          timeoutMs: 0,
          cacheKey: "k",
        },
      ],
    });
  });

  it("reports shape problems with their paths", () => {
    const issues = issuesOf({ name: "", steps: [{ id: "a", run: "", retry: { maxAttempts: 0 }, extra: 1 }] });
    expect(issues.some((issue) => issue.startsWith("name:"))).toBe(true);
    expect(issues.some((issue) => issue.startsWith("steps[0].run:"))).toBe(true);
    expect(issues.some((issue) => issue.startsWith("steps[0].retry.maxAttempts:"))).toBe(true);
    expect(issues.some((issue) => issue.includes("extra"))).toBe(true);
  });

  it("refuses inputs that are not JSON", () => {
    expect(issuesOf({ name: "x", steps: [{ id: "a", run: "f", input: { when: new Date() } }] })).not.toEqual(
      [],
    );
    expect(issuesOf({ name: "x", steps: [{ id: "a", run: "f", input: Number.NaN }] })).not.toEqual([]);
  });

  it("reports graph problems once the shape is right", () => {
    expect(issuesOf({ name: "x", steps: [{ id: "a", run: "f", dependsOn: ["b"] }] })).toEqual([
      'step "a" depends on "b", which is not a step of this workflow',
    ]);
    expect(issuesOf({ name: "x", steps: [] })).toEqual(["a workflow needs at least one step"]);
  });

  it("refuses a definition that is not an object", () => {
    expect(issuesOf(null)).not.toEqual([]);
    expect(issuesOf("steps")).not.toEqual([]);
  });

  it("keeps onFailure", () => {
    expect(
      normalizeDefinition({ name: "x", steps: [{ id: "a", run: "f" }], onFailure: "continue" }, defaults)
        .onFailure,
    ).toBe("continue");
  });
});
