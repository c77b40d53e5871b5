/**
 * The orchestrator's structured questions answered by the sim: analysis and decomposition
 * schemas (written in zod, sent as JSON schema like the orchestrator does) get valid instances
 * with content derived from the prompt.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseSimNodeConfig } from "../../src/sim/config.js";
import { planGeneration } from "../../src/sim/generation.js";
import { generateStructured, type JsonSchema } from "../../src/sim/json-output.js";
import { buildModel } from "../../src/sim/models.js";
import { Rng } from "../../src/sim/rng.js";
import { listTasks } from "../../src/sim/tasks/index.js";

const TYPES = ["code", "reasoning", "general", "test", "docs"] as const;
const Analysis = z.object({
  complexity: z.enum(["SIMPLE", "MODERATE", "COMPLEX"]),
  taskType: z.enum(TYPES),
  reasoning: z.string().max(300),
});
const Decomposition = z.object({
  subtasks: z
    .array(
      z.object({
        id: z.string(),
        description: z.string().min(1),
        type: z.enum(TYPES),
        dependencies: z.array(z.string()),
      }),
    )
    .min(1)
    .max(6),
});
const analysisSchema = z.toJSONSchema(Analysis) as JsonSchema;
const decompositionSchema = z.toJSONSchema(Decomposition) as JsonSchema;

const [model] = parseSimNodeConfig({}).models.map((m) => buildModel(m, 0));

function answer(format: JsonSchema, prompt: string, seed = 1): unknown {
  const plan = planGeneration({
    model: model!,
    promptText: `<|system|>\nYou plan work for a team of models.\n<|user|>\n${prompt}\n<|assistant|>\n`,
    keywords: [],
    format,
    think: false,
    fallbackSeed: seed,
    responseTokens: { min: 10, max: 20 },
  });
  return JSON.parse(plan.steps.map((s) => (s.kind === "content" ? s.text : "")).join(""));
}

/** Ids unique, dependencies known, no cycles. */
function isDag(subtasks: { id: string; dependencies: string[] }[]): boolean {
  const ids = new Set(subtasks.map((s) => s.id));
  if (ids.size !== subtasks.length) return false;
  if (subtasks.some((s) => s.dependencies.some((d) => !ids.has(d) || d === s.id))) return false;
  const done = new Set<string>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const s of subtasks) {
      if (!done.has(s.id) && s.dependencies.every((d) => done.has(d))) {
        done.add(s.id);
        progress = true;
      }
    }
  }
  return done.size === subtasks.length;
}

const PROMPTS = [
  "What is the capital of France?",
  "Write a haiku about rivers",
  "Explain why the sky is blue, then compare it with sunsets. Finally write a short summary for kids.",
  "Implement a rate limiter class in TypeScript with a token bucket, and document how to configure it.",
  ...listTasks()
    .slice(0, 10)
    .map((t) => t.prompt),
  `Request: ${listTasks()[3]?.prompt} Also write tests.`,
  `Implement \`two_sum\` and \`toRoman\`, and write tests for both.`,
];

describe("structured answers for the orchestrator", () => {
  it("are valid analysis and decomposition instances for every prompt and seed", () => {
    for (const prompt of PROMPTS) {
      for (const seed of [1, 2, 3]) {
        expect(() => Analysis.parse(answer(analysisSchema, prompt, seed)), prompt).not.toThrow();
        const plan = Decomposition.parse(answer(decompositionSchema, prompt, seed));
        expect(isDag(plan.subtasks), prompt).toBe(true);
      }
    }
  });

  it("rates a one-line question SIMPLE, a bank task MODERATE and two bank tasks COMPLEX", () => {
    const fizz = listTasks().find((t) => t.id === "py-fizzbuzz")!;
    expect(Analysis.parse(answer(analysisSchema, "What is the capital of France?"))).toMatchObject({
      complexity: "SIMPLE",
      taskType: "general",
    });
    const one = Analysis.parse(answer(analysisSchema, fizz.prompt));
    expect(one).toMatchObject({ complexity: "MODERATE", taskType: "code" });
    expect(one.reasoning).toContain("fizzbuzz");
    expect(Analysis.parse(answer(analysisSchema, "Implement `two_sum` and `toRoman`."))).toMatchObject({
      complexity: "COMPLEX",
      taskType: "code",
    });
  });

  it("decomposes a bank task into a code subtask that names it, and a test subtask after it when asked", () => {
    const task = listTasks().find((t) => t.id === "js-merge-sorted")!;
    const plain = Decomposition.parse(answer(decompositionSchema, task.prompt));
    expect(plain.subtasks).toEqual([{ id: "1", description: task.prompt, type: "code", dependencies: [] }]);
    const withTests = Decomposition.parse(answer(decompositionSchema, `${task.prompt} Include unit tests.`));
    expect(withTests.subtasks.map((s) => [s.id, s.type, s.dependencies])).toEqual([
      ["1", "code", []],
      ["2", "test", ["1"]],
    ]);
    expect(withTests.subtasks[1]?.description).toMatch(/^Write tests for `mergeSorted`/);
  });

  it("gives two bank tasks two independent code subtasks", () => {
    const plan = Decomposition.parse(answer(decompositionSchema, "Implement `two_sum` and `toRoman`."));
    expect(plan.subtasks.map((s) => [s.type, s.dependencies.length])).toEqual([
      ["code", 0],
      ["code", 0],
    ]);
    expect(plan.subtasks[0]?.description).toContain("two_sum");
    expect(plan.subtasks[1]?.description).toContain("toRoman");
  });

  it("follows other spellings: integer ids, lower-case enums, snake_case keys, item limits", () => {
    const schema: JsonSchema = {
      type: "object",
      properties: {
        complexity: { type: "string", enum: ["simple", "moderate", "complex"] },
        task_type: { type: "string", enum: ["coding", "testing", "other"] },
        steps: {
          type: "array",
          minItems: 2,
          maxItems: 2,
          items: {
            type: "object",
            properties: {
              id: { type: "integer", minimum: 1 },
              task: { type: "string", maxLength: 40 },
              depends_on: { type: "array", items: { type: "integer" } },
            },
            required: ["id", "task", "depends_on"],
          },
        },
      },
      required: ["complexity", "task_type", "steps"],
    };
    const value = answer(schema, "Write `isPrime` in JavaScript") as {
      complexity: string;
      task_type: string;
      steps: { id: number; task: string; depends_on: number[] }[];
    };
    expect(value.complexity).toBe("moderate");
    expect(value.task_type).toBe("coding");
    expect(value.steps.map((s) => [s.id, s.depends_on])).toEqual([
      [1, []],
      [2, [1]],
    ]);
    for (const step of value.steps) expect(step.task.length).toBeLessThanOrEqual(40);
  });

  it("leaves schemas that are not about planning to the plain generator", () => {
    const schema: JsonSchema = {
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
    };
    const value = answer(schema, "Implement `two_sum`") as { city: string };
    expect(typeof value.city).toBe("string");
    expect(value.city).not.toContain("two_sum");
  });
});

describe("generateStructured with a hint", () => {
  it("keeps hinted values the schema allows and repairs the others", () => {
    const schema: JsonSchema = {
      type: "object",
      properties: {
        level: { enum: ["LOW", "HIGH"] },
        score: { type: "integer", minimum: 0, maximum: 10 },
        ratio: { type: "number", maximum: 1 },
        label: { type: "string", minLength: 3, maxLength: 5 },
        when: { type: "string", format: "date" },
        flags: { type: "array", items: { type: "boolean" }, maxItems: 2 },
        extra: { type: "string" },
      },
      required: ["level", "score", "ratio", "label", "when", "flags", "extra"],
    };
    const value = generateStructured(schema, new Rng(1), [], {
      level: "high",
      score: 42.4,
      ratio: 0.25,
      label: "a-very-long-label",
      when: "yesterday",
      flags: [true, false, true],
      unknown: "dropped",
    }) as Record<string, unknown>;
    expect(value).toMatchObject({
      level: "HIGH",
      score: 10,
      ratio: 0.25,
      label: "a-ver",
      flags: [true, false],
    });
    expect(value.when).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(typeof value.extra).toBe("string");
    expect(value).not.toHaveProperty("unknown");
  });
});
