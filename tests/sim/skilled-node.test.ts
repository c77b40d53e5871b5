/**
 * End to end through a real sim node: models with a skill answer bank tasks over /api/chat
 * (streamed token by token like any answer), the code they write is graded by running the
 * hidden tests, and the orchestrator's JSON-schema questions get valid instances.
 */
import { Ollama } from "ollama";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError } from "../../src/errors.js";
import { parseSimNodeConfig, type SimNodeHandle, startSimNode } from "../../src/sim/index.js";
import { codeBlocks, getTask, runChecks } from "../../src/sim/tasks/index.js";
import { collect, fastNode } from "../../src/sim/test-support.js";

let node: SimNodeHandle;
let ollama: Ollama;

beforeAll(async () => {
  node = await startSimNode(
    fastNode({
      models: [
        { name: "expert:7b", size_mb: 4000, skill: 1 },
        { name: "novice:1b", size_mb: 800, skill: { code: 0, test: 0, default: 0.5 } },
        { name: "plain:3b", size_mb: 2000 },
      ],
    }),
  );
  ollama = new Ollama({ host: node.url });
});

afterAll(async () => {
  await node.close();
});

const fizzbuzz = getTask("py-fizzbuzz")!;
const merge = getTask("js-merge-sorted")!;

async function ask(model: string, content: string, seed?: number): Promise<string> {
  const response = await ollama.chat({
    model,
    messages: [{ role: "user", content }],
    ...(seed === undefined ? {} : { options: { seed } }),
  });
  return response.message.content;
}

describe("sim models with a skill answer bank tasks", () => {
  it("a model of skill 1 writes code that passes the hidden tests; skill 0 code that fails", async () => {
    const cases = [
      { model: "expert:7b", task: fizzbuzz, passes: true },
      { model: "expert:7b", task: merge, passes: true },
      { model: "novice:1b", task: fizzbuzz, passes: false },
      { model: "novice:1b", task: merge, passes: false },
    ];
    const answers = await Promise.all(cases.map(({ model, task }) => ask(model, task.prompt)));
    const results = await runChecks(
      cases.map(({ task }, i) => ({
        language: task.language,
        code: codeBlocks(answers[i] ?? "")[0] ?? "",
        tests: task.hiddenTests,
      })),
    );
    expect(results.map((r) => r.passed)).toEqual(cases.map((c) => c.passes));
  });

  it("streams the answer token by token, the same text as without streaming for a fixed seed", async () => {
    const whole = await ask("expert:7b", fizzbuzz.prompt, 11);
    const chunks = await collect(
      await ollama.chat({
        model: "expert:7b",
        messages: [{ role: "user", content: fizzbuzz.prompt }],
        options: { seed: 11 },
        stream: true,
      }),
    );
    expect(chunks.length).toBeGreaterThan(50);
    expect(chunks.map((c) => c.message.content).join("")).toBe(whole);
    const final = chunks.at(-1);
    expect(final).toMatchObject({ done: true, done_reason: "stop" });
    expect(final?.eval_count).toBe(chunks.length - 1);
    expect(whole).toContain("def fizzbuzz(");
  });

  it("writes tests when asked for them, with wrong expectations from a model of test skill 0", async () => {
    const good = codeBlocks(await ask("expert:7b", "Write tests for `mergeSorted`."))[0]?.split("\n") ?? [];
    expect(good.length).toBeGreaterThanOrEqual(3);
    for (const test of good) expect(merge.modelTests).toContain(test);
    const bad = codeBlocks(await ask("novice:1b", "Write unit tests for mergeSorted"))[0]?.split("\n") ?? [];
    expect(bad.some((test) => merge.wrongTests.includes(test))).toBe(true);
  });

  it("answers with prose when the model has no skill or the prompt names no bank task", async () => {
    expect(await ask("plain:3b", fizzbuzz.prompt)).not.toContain("```");
    expect(await ask("expert:7b", "Tell me about sharded inference")).not.toContain("```");
  });

  it("answers the OpenAI-compatible endpoint the same way", async () => {
    const response = await fetch(`${node.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "expert:7b", messages: [{ role: "user", content: merge.prompt }] }),
    });
    const body = (await response.json()) as { choices: { message: { content: string } }[] };
    const [result] = await runChecks([
      {
        language: "javascript",
        code: codeBlocks(body.choices[0]?.message.content ?? "")[0] ?? "",
        tests: merge.hiddenTests,
      },
    ]);
    expect(result?.passed).toBe(true);
  });

  it("answers the orchestrator's decomposition schema with a valid plan naming the task", async () => {
    const Plan = z.object({
      subtasks: z.array(
        z.object({
          id: z.string(),
          description: z.string(),
          type: z.enum(["code", "reasoning", "general", "test", "docs"]),
          dependencies: z.array(z.string()),
        }),
      ),
    });
    const response = await ollama.chat({
      model: "novice:1b",
      messages: [
        { role: "system", content: "Split the request into subtasks." },
        { role: "user", content: `Request: ${fizzbuzz.prompt} Also write tests.` },
      ],
      format: z.toJSONSchema(Plan),
    });
    const plan = Plan.parse(JSON.parse(response.message.content));
    expect(plan.subtasks.map((s) => [s.type, s.dependencies])).toEqual([
      ["code", []],
      ["test", ["1"]],
    ]);
    expect(plan.subtasks[0]?.description).toContain("fizzbuzz");
  });
});

describe("the skill setting", () => {
  it("accepts one probability or an object per task type and language", () => {
    const config = parseSimNodeConfig({
      models: [
        { name: "a", size_mb: 1, skill: 0.7 },
        { name: "b", size_mb: 1, skill: { code: 0.6, test: 0.4, python: 0.9, default: 0.5 } },
      ],
    });
    expect(config.models.map((m) => m.skill)).toEqual([
      0.7,
      { code: 0.6, test: 0.4, python: 0.9, default: 0.5 },
    ]);
  });

  it("rejects a value outside 0..1 or an unknown key, saying what is allowed", () => {
    expect(() => parseSimNodeConfig({ models: [{ name: "a", size_mb: 1, skill: 1.5 }] })).toThrow(
      ConfigError,
    );
    expect(() => parseSimNodeConfig({ models: [{ name: "a", size_mb: 1, skill: 1.5 }] })).toThrow(
      /models\[0\]\.skill = 1\.5: must be a probability from 0 to 1/,
    );
    expect(() => parseSimNodeConfig({ models: [{ name: "a", size_mb: 1, skill: { cdoe: 0.5 } }] })).toThrow(
      /models\[0\]\.skill = \{"cdoe":0\.5\}: .*keys default, code, test, python, javascript/,
    );
  });
});
