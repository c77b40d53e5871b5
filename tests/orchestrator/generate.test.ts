/**
 * The orchestrator end to end through the gateway, on simulated nodes whose models answer the
 * task bank with a configured skill: analysis, the plan, parallel fan-out across the cluster,
 * synthesis by evidence, the run log, the event stream, and bad input.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Ollama } from "ollama";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getTask } from "../../src/sim/tasks/index.js";
import { runChecks } from "../../src/sim/tasks/runner.js";
import { fastNode, startTestCluster, type TestCluster } from "../helpers/cluster.js";
import { readUntil } from "../helpers/sse.js";

// The compiled CLI, as users run it (`npm test` builds first).
const CLI = fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url));
const run = promisify(execFile);
const LIGHT = "llama3.2:3b";
const HEAVY = "qwen2.5:7b";
const task = getTask("py-fizzbuzz");

interface GenerateResult {
  runId: string;
  answer: string;
  confidence: number;
  analysis: { complexity: string; taskType: string };
  plan: { subtasks: { id: string; type: string; dependencies: string[] }[] };
  subtasks: Record<
    string,
    {
      strategy: string;
      chosen: { model: string; node: string } | null;
      reason: string;
      candidates: { model: string; node: string }[];
    }
  >;
}

describe("orchestrator", () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    const model = (name: string, skill: number) => ({
      name,
      size_mb: 1000,
      loaded: true,
      skill: { default: skill },
    });
    cluster = await startTestCluster(
      [
        fastNode("n1", [model(LIGHT, 0.5), model(HEAVY, 0.5), model("good-coder:7b", 1)]),
        fastNode("n2", [model("bad-coder:7b", 0), model("worse-coder:7b", 0)]),
      ],
      {
        orchestrator: {
          lightModel: LIGHT,
          heavyModel: HEAVY,
          models: { code: ["good-coder:7b", "bad-coder:7b", "worse-coder:7b"], general: [LIGHT] },
          fanOut: 3,
        },
      },
    );
  });
  afterAll(async () => {
    await cluster?.close();
  });

  async function generate(body: Record<string, unknown>): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${cluster.url}/v1/hydra/generate`, {
      method: "POST",
      body: JSON.stringify(body),
    });
    return { status: response.status, json: await response.json() };
  }

  it("fans a code task out to three models on two nodes and verifies its way to the correct one", async () => {
    if (task === undefined) throw new Error("the bank has no py-fizzbuzz");
    const { status, json } = await generate({ prompt: task.prompt, tests: task.hiddenTests });
    expect(status).toBe(200);
    const result = json as GenerateResult;
    const code = result.plan.subtasks.find((subtask) => subtask.type === "code");
    expect(code).toBeDefined();
    const step = result.subtasks[code?.id ?? ""];
    expect(step?.strategy).toBe("verify");
    expect(step?.candidates.map((candidate) => candidate.model).sort()).toEqual([
      "bad-coder:7b",
      "good-coder:7b",
      "worse-coder:7b",
    ]);
    expect(new Set(step?.candidates.map((candidate) => candidate.node))).toEqual(new Set(["n1", "n2"]));
    expect(step?.chosen?.model).toBe("good-coder:7b");
    // The chosen answer really passes the hidden tests.
    const [check] = await runChecks([
      { language: task.language, code: extractProgram(result.answer), tests: task.hiddenTests },
    ]);
    expect(check?.passed).toBe(true);

    const run = (await (await fetch(`${cluster.url}/v1/hydra/runs/${result.runId}`)).json()) as {
      state: string;
      levels: string[][];
    };
    expect(run.state).toBe("succeeded");
    const list = (await (await fetch(`${cluster.url}/v1/hydra/runs`)).json()) as { runs: { id: string }[] };
    expect(list.runs.map((entry) => entry.id)).toContain(result.runId);
  });

  it("tells the gateway's event stream each stage of a run, for the dashboard", async () => {
    const stream = await fetch(`${cluster.url}/v1/hydra/events?types=orchestration`);
    const { json } = await generate({ prompt: "What is the capital of France?" });
    const { runId } = json as GenerateResult;
    const events = await readUntil(
      stream,
      (event) => event.data.runId === runId && event.data.kind === "final",
    );
    const kinds = events.filter((event) => event.data.runId === runId).map((event) => event.data.kind);
    expect(kinds[0]).toBe("analysis");
    expect(kinds).toEqual(
      expect.arrayContaining(["plan", "run.started", "step.started", "step.succeeded", "run.succeeded"]),
    );
    const stepDone = events.find((event) => event.data.kind === "step.succeeded");
    expect(stepDone?.data.stepId).toEqual(expect.any(String));
    expect(stepDone?.data.summary).toMatch(/^step .+ succeeded in \d+ ms$/);
  });

  it("streams the stages as Server-Sent Events, ending with the result", async () => {
    const response = await fetch(`${cluster.url}/v1/hydra/generate`, {
      method: "POST",
      body: JSON.stringify({ prompt: "What is the capital of France?", stream: true }),
    });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const text = await response.text();
    const events = [...text.matchAll(/^event: (.+)$/gm)].map((match) => match[1]);
    expect(events[0]).toBe("analysis");
    expect(events).toContain("plan");
    expect(events).toContain("step.started");
    expect(events).toContain("step.succeeded");
    expect(events.at(-1)).toBe("result");
  });

  it("hydra ask shows the stages on stderr and prints the answer", async () => {
    const { stdout, stderr } = await run(
      process.execPath,
      [CLI, "ask", "What is the capital of France?", "--gateway", cluster.url],
      {
        timeout: 30_000,
      },
    );
    expect(stderr).toMatch(/^analysis: SIMPLE/m);
    expect(stderr).toMatch(/^plan: 1 subtask/m);
    expect(stderr).toMatch(/s1: done in \d+ ms/);
    expect(stdout.trim().length).toBeGreaterThan(0);
  });

  it('answers as the model "hydra" to the official Ollama and OpenAI clients, streamed or not', async () => {
    const ollama = new Ollama({ host: cluster.url });
    const messages = [{ role: "user", content: "What is the capital of France?" }];
    const single = await ollama.chat({ model: "hydra", messages });
    expect(single.done).toBe(true);
    expect(single.message.content.length).toBeGreaterThan(0);
    const parts = [];
    for await (const part of await ollama.chat({ model: "hydra", messages, stream: true })) parts.push(part);
    expect(parts.some((part) => (part.message.thinking ?? "").includes("analysis:"))).toBe(true);
    expect(parts.at(-1)?.done).toBe(true);
    expect(parts.map((part) => part.message.content).join("").length).toBeGreaterThan(0);

    const openai = new OpenAI({ baseURL: `${cluster.url}/v1`, apiKey: "unused" });
    const completion = await openai.chat.completions.create({
      model: "hydra",
      messages: [{ role: "user", content: "hi there" }],
    });
    expect(completion.choices[0]?.message.content?.length).toBeGreaterThan(0);
    let content = "";
    for await (const chunk of await openai.chat.completions.create({
      model: "hydra",
      stream: true,
      messages: [{ role: "user", content: "hi there" }],
    }))
      content += chunk.choices[0]?.delta.content ?? "";
    expect(content.length).toBeGreaterThan(0);
  });

  it("refuses bad input with a 400 that says what to fix", async () => {
    expect((await generate({ prompt: "" })).status).toBe(400);
    const strategy = await generate({ prompt: "x", strategy: "majority" });
    expect(strategy.status).toBe(400);
    const models = await generate({ prompt: "x", models: ["nobody-has-this:1b"] });
    expect(models.status).toBe(400);
    expect(JSON.stringify(models.json)).toMatch(/pull one with \/api\/pull/);
    expect((await fetch(`${cluster.url}/v1/hydra/runs/no-such-run`)).status).toBe(404);
  });
});

/** The first fenced block of an answer (what the verify strategy ran). */
function extractProgram(answer: string): string {
  const match = /```[a-z]*\n([\s\S]*?)```/.exec(answer);
  return match?.[1] ?? answer;
}
