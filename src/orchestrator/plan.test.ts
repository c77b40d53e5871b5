import { describe, expect, it } from "vitest";
import { heuristicAnalysis, parseAnalysis } from "./analyze.js";
import { chooseModels } from "./choose-models.js";
import { orchestratorConfigSchema } from "./config.js";
import { planFromAnswer, repairPlan } from "./decompose.js";

describe("analysis", () => {
  it("takes a valid model answer and refuses anything else", () => {
    expect(parseAnalysis('{"complexity":"COMPLEX","taskType":"code"}')).toEqual({
      complexity: "COMPLEX",
      taskType: "code",
      source: "model",
    });
    expect(parseAnalysis('{"complexity":"HARD","taskType":"code"}')).toBeUndefined();
    expect(parseAnalysis("not json")).toBeUndefined();
    expect(parseAnalysis('{"taskType":"code"}')).toBeUndefined();
  });

  it("falls back to a heuristic: type from keywords, complexity from length and steps", () => {
    expect(heuristicAnalysis("What is the capital of France?")).toEqual({
      complexity: "SIMPLE",
      taskType: "general",
      source: "heuristic",
    });
    expect(heuristicAnalysis("Implement a function fizzbuzz(n) in python").taskType).toBe("code");
    expect(heuristicAnalysis("Write tests for the parser").taskType).toBe("test");
    expect(heuristicAnalysis("Explain why the sky is blue").taskType).toBe("reasoning");
    const multi = "1. parse the file\n2. then validate it\n3. finally write a report and also a summary";
    expect(heuristicAnalysis(multi).complexity).toBe("COMPLEX");
  });
});

describe("decomposition", () => {
  const sub = (id: string, dependencies: string[] = [], type = "code") => ({
    id,
    description: `do ${id}`,
    type,
    dependencies,
  });

  it("keeps a valid plan as it is", () => {
    const plan = repairPlan([sub("a"), sub("b", ["a"]), sub("c", ["a", "b"])], "general", 8);
    expect(plan.repairs).toEqual([]);
    expect(plan.subtasks.map((s) => [s.id, s.dependencies])).toEqual([
      ["a", []],
      ["b", ["a"]],
      ["c", ["a", "b"]],
    ]);
  });

  it("drops unknown and self dependencies, renames duplicates, fixes unknown types", () => {
    const plan = repairPlan([sub("a", ["a", "zz"]), sub("a", ["a"]), sub("b", [], "poetry")], "general", 8);
    expect(plan.subtasks.map((s) => [s.id, s.dependencies, s.type])).toEqual([
      ["a", [], "code"],
      ["a-2", ["a"], "code"],
      ["b", [], "general"],
    ]);
    expect(plan.repairs).toHaveLength(4);
  });

  it("breaks cycles so the rest is a DAG", () => {
    const plan = repairPlan([sub("a", ["c"]), sub("b", ["a"]), sub("c", ["b"])], "general", 8);
    const deps = new Map(plan.subtasks.map((s) => [s.id, s.dependencies]));
    // Walking dependencies from any node never comes back to it.
    const reaches = (from: string, target: string, seen = new Set<string>()): boolean =>
      (deps.get(from) ?? []).some((d) => {
        if (d === target) return true;
        if (seen.has(d)) return false;
        seen.add(d);
        return reaches(d, target, seen);
      });
    for (const id of deps.keys()) expect(reaches(id, id)).toBe(false);
    expect(plan.repairs.some((r) => r.startsWith("broke a cycle"))).toBe(true);
  });

  it("cuts a plan to the limit and drops dependencies on what was cut", () => {
    const plan = repairPlan([sub("a"), sub("b", ["c"]), sub("c")], "general", 2);
    expect(plan.subtasks.map((s) => [s.id, s.dependencies])).toEqual([
      ["a", []],
      ["b", []],
    ]);
  });

  it("falls back to one subtask when the answer is unusable", () => {
    for (const answer of [
      "nope",
      '{"subtasks": 3}',
      '{"subtasks": []}',
      '{"subtasks":[{"id":"a","description":" ","type":"code","dependencies":[]}]}',
    ]) {
      const plan = planFromAnswer(answer, "the request", "code", 8);
      expect(plan.source).toBe("fallback");
      expect(plan.subtasks).toEqual([
        { id: "s1", description: "the request", type: "code", dependencies: [] },
      ]);
    }
    const ok = planFromAnswer(JSON.stringify({ subtasks: [sub("s1"), sub("s2", ["s1"])] }), "x", "code", 8);
    expect(ok.source).toBe("model");
  });
});

describe("model choice", () => {
  const config = orchestratorConfigSchema.parse({
    models: { code: ["coder:7b", "llama3.2:3b", "big:70b"], general: ["llama3.2:3b"] },
    fanOut: 2,
  });

  it("takes the configured models the cluster has, up to the fan-out", () => {
    const available = new Set(["coder:7b", "llama3.2:3b", "big:70b"]);
    expect(chooseModels("code", config, available)).toEqual(["coder:7b", "llama3.2:3b"]);
    expect(chooseModels("code", config, new Set(["big:70b"]))).toEqual(["big:70b"]);
    expect(chooseModels("docs", config, available)).toEqual(["llama3.2:3b"]);
    expect(chooseModels("code", config, available, ["big:70b"])).toEqual(["big:70b"]);
  });

  it("says what to do when no node has any of them", () => {
    expect(() => chooseModels("code", config, new Set(["other:1b"]))).toThrow(/pull one with \/api\/pull/);
  });
});
