import { describe, expect, it } from "vitest";
import type { RunSnapshot } from "../api/types.js";
import { runPrompt, stepViews } from "./run-view.js";

const retry = { maxAttempts: 2, baseDelayMs: 100, maxDelayMs: 1000 };

const run: RunSnapshot = {
  id: "run-1",
  name: "orchestrate",
  state: "running",
  createdAt: 1000,
  updatedAt: 5000,
  input: { prompt: "write a haiku", plan: null },
  spec: {
    name: "orchestrate",
    onFailure: "stop",
    steps: [
      {
        id: "s1",
        dependsOn: [],
        run: "subtask",
        retry,
        timeoutMs: 0,
        input: {
          subtask: { id: "s1", description: "draft", type: "creative", dependencies: [] },
          models: ["llama3.2", "qwen2.5"],
          strategy: "vote",
        },
      },
      { id: "s2", dependsOn: ["s1"], run: "subtask", retry, timeoutMs: 0, input: "not an object" },
    ],
  },
  steps: [
    {
      stepId: "s1",
      state: "succeeded",
      attempt: 1,
      cached: false,
      startedAt: 1000,
      finishedAt: 1800,
      output: {
        subtaskId: "s1",
        answer: "leaves",
        confidence: 0.8,
        strategy: "vote",
        chosen: { model: "qwen2.5", node: "sim-b" },
        reason: "2 of 2 agree",
        candidates: [
          { model: "llama3.2", node: "sim-a", durationMs: 700, outputTokens: 20 },
          { model: "qwen2.5", node: "sim-b", durationMs: 790, outputTokens: 22 },
          { node: "bad" },
        ],
      },
    },
    { stepId: "s2", state: "running", attempt: 1, cached: false, startedAt: 2000 },
  ],
  levels: [["s1"], ["s2"]],
  outputs: {},
};

describe("stepViews", () => {
  it("reads the subtask, the synthesis and the timing of a finished step", () => {
    const [s1] = stepViews(run, 9000);
    expect(s1).toMatchObject({
      id: "s1",
      state: "succeeded",
      description: "draft",
      type: "creative",
      models: ["llama3.2", "qwen2.5"],
      nodes: ["sim-a", "sim-b"],
      strategy: "vote",
      chosen: { model: "qwen2.5", node: "sim-b" },
      reason: "2 of 2 agree",
      confidence: 0.8,
      answer: "leaves",
      durationMs: 800,
    });
    expect(s1?.candidates).toHaveLength(2);
  });

  it("times a running step up to now and survives an input of another shape", () => {
    const [, s2] = stepViews(run, 9000);
    expect(s2).toMatchObject({ id: "s2", state: "running", durationMs: 7000, models: [], candidates: [] });
    expect(s2?.description).toBeUndefined();
  });

  it("finds the prompt in the run input", () => {
    expect(runPrompt(run)).toBe("write a haiku");
  });
});
