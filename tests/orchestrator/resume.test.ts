/**
 * An orchestration survives a crash of the gateway: a real `hydra serve` process (the compiled
 * CLI) runs a three-subtask plan on simulated nodes (in this process) and is killed with SIGKILL
 * once the first subtask has succeeded and the second is executing; a new `hydra serve` on the
 * same data dir resumes the run when its orchestrator opens (`workflow.resumeOnStart`, on the
 * first orchestrator request) and finishes it. The subtask that had succeeded is never asked
 * again (its node sees one request in all, its record is unchanged), the cut one runs once more,
 * the one that never started runs once, and the plan is not made again.
 *
 * Each subtask type has its own model on its own node, so the requests a node receives are the
 * attempts of one subtask. The sim's planner, given "Describe ... Then explain ... Finally write
 * documentation ...", plans 1 (general) → 2 (reasoning, after 1) → 3 (docs, after 1 and 2).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HydraConfigInput } from "../../src/config/schema.js";
import type { SimModelInput, SimNodeInput } from "../../src/sim/config.js";
import { type SimNodeHandle, startSimNode } from "../../src/sim/index.js";
import type { RunSnapshot, RunSummary, StepRecord } from "../../src/workflow/types.js";

// The compiled CLI, as users run it (`npm test` builds first).
const CLI = fileURLToPath(new URL("../../dist/src/cli/main.js", import.meta.url));

const PROMPT =
  "Describe the history of the Roman empire. Then explain why the western empire fell. " +
  "Finally write documentation that summarises both answers.";

const model = (name: string): SimModelInput => ({ name, size_mb: 500, loaded: true });
const node = (name: string, models: string[], extra: Partial<SimNodeInput> = {}): SimNodeInput => ({
  name,
  num_parallel: 4,
  vram_mb: 64_000,
  prefill_tps: 1_000_000,
  decode_tps: 5_000,
  load_mbps: 1_000_000,
  response_tokens: { min: 20, max: 20 },
  models: models.map(model),
  ...extra,
});

// One node per role: the requests a node receives are the calls of that role.
const NODES: SimNodeInput[] = [
  node("planner", ["light:1b", "heavy:7b"]),
  node("general", ["general:1b"]),
  // The second subtask takes ~1.5 s: long enough to be caught running, short enough to rerun.
  node("reasoning", ["reasoning:1b"], { decode_tps: 20, response_tokens: { min: 30, max: 30 } }),
  node("docs", ["docs:1b"]),
];

interface Gateway {
  child: ChildProcess;
  url: string;
  output(): string;
}

const dir = mkdtempSync(join(tmpdir(), "hydra-orchestrator-resume-"));
const sims: SimNodeHandle[] = [];
const gateways: ChildProcess[] = [];
/** /api/chat requests per sim node, in arrival order, with the gateway generation they came in. */
const chats = new Map<string, number[]>();
let generation = 0;

function environment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("HYDRA_") && key !== "OLLAMA_HOST") env[key] = value;
  }
  return env;
}

async function startGateway(configFile: string): Promise<Gateway> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run 'npm run build' first (npm test does)`);
  const child = spawn(process.execPath, [CLI, "serve", "--config", configFile], {
    cwd: dir,
    env: environment(),
    stdio: ["ignore", "pipe", "pipe"],
  });
  gateways.push(child);
  let seen = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /gateway on (http:\/\/127\.0\.0\.1:\d+)/.exec(seen);
      if (match?.[1] === undefined) return;
      child.off("exit", onExit);
      resolve(match[1]);
    };
    const onExit = (code: number | null) =>
      reject(new Error(`hydra serve exited with ${code} before it listened:\n${seen}`));
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", onExit);
  });
  return { child, url, output: () => seen };
}

async function killGateway(child: ChildProcess): Promise<NodeJS.Signals | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.signalCode;
  const exited = once(child, "exit");
  child.kill("SIGKILL");
  const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];
  return signal;
}

async function getJson<T>(url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(url);
  return { status: response.status, body: (await response.json()) as T };
}

/** Polls `probe` every 25 ms until it yields a value (or the deadline passes). */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const stepOf = (run: RunSnapshot, id: string): StepRecord | undefined =>
  run.steps.find((step) => step.stepId === id);
const chatCount = (nodeName: string, gen?: number): number =>
  (chats.get(nodeName) ?? []).filter((g) => gen === undefined || g === gen).length;

describe("an orchestration whose gateway is killed with SIGKILL mid-run", () => {
  let configFile: string;

  beforeAll(async () => {
    for (const input of NODES) {
      const sim = await startSimNode(input);
      sims.push(sim);
      const name = sim.name;
      chats.set(name, []);
      sim.onRequest((request) => {
        if (request.method === "POST" && request.url.startsWith("/api/chat"))
          chats.get(name)?.push(generation);
      });
    }
    const config: HydraConfigInput = {
      dataDir: join(dir, "data"),
      server: { port: 0 },
      log: { level: "warn" },
      responseCache: { enabled: false },
      // No embedding model here: no semantic memory (solution memory, semantic cache).
      memory: { enabled: false },
      nodes: sims.map((sim) => ({ url: sim.url, name: sim.name })),
      orchestrator: {
        lightModel: "light:1b",
        heavyModel: "heavy:7b",
        models: { general: ["general:1b"], reasoning: ["reasoning:1b"], docs: ["docs:1b"] },
        fanOut: 1,
      },
    };
    configFile = join(dir, "hydra.json");
    writeFileSync(configFile, JSON.stringify(config));
  });

  afterAll(async () => {
    await Promise.all(gateways.map((child) => killGateway(child)));
    await Promise.all(sims.map((sim) => sim.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("resumes in a new gateway process and finishes; no succeeded subtask runs again", async () => {
    // 1. The first gateway takes the request and plans it.
    generation = 1;
    const first = await startGateway(configFile);
    const generate = fetch(`${first.url}/v1/hydra/generate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt: PROMPT }),
    }).then(
      (response) => ({ status: response.status }),
      // The gateway dies under it: the request fails, that is expected.
      (error: unknown) => ({ error: error as Error }),
    );

    const runId = await until("the run to be listed", async () => {
      const { body } = await getJson<{ runs: RunSummary[] }>(`${first.url}/v1/hydra/runs`);
      return body.runs[0]?.id;
    });

    // 2. Wait for subtask 1 succeeded and subtask 2 executing, then kill the gateway.
    const before = await until("subtask 1 succeeded while subtask 2 runs", async () => {
      const { body } = await getJson<RunSnapshot>(`${first.url}/v1/hydra/runs/${runId}`);
      if (body.state !== "running") throw new Error(`the run ended before the kill: ${body.state}`);
      return stepOf(body, "1")?.state === "succeeded" && stepOf(body, "2")?.state === "running"
        ? body
        : undefined;
    });
    expect(await killGateway(first.child)).toBe("SIGKILL");
    const killedAt = Date.now();
    expect("error" in (await generate), "the request must not have completed").toBe(true);

    // The plan: 1 → 2 → 3, one model each, on their own nodes.
    expect(before.spec.steps.map((step) => [step.id, step.dependsOn])).toEqual([
      ["1", []],
      ["2", ["1"]],
      ["3", ["1", "2"]],
    ]);
    expect(stepOf(before, "3")?.state).toBe("pending");
    const succeededBefore = before.steps.filter((step) => step.state === "succeeded");
    const runningBefore = before.steps.filter((step) => step.state === "running");
    expect(succeededBefore.map((step) => step.stepId)).toEqual(["1"]);
    expect(runningBefore.map((step) => step.stepId)).toEqual(["2"]);
    // Analysis and plan on the planner; subtask 1 answered; subtask 2 asked, not answered.
    expect([chatCount("planner", 1), chatCount("general", 1), chatCount("reasoning", 1)]).toEqual([2, 1, 1]);
    expect(chatCount("docs")).toBe(0);

    // 3. A new gateway on the same data dir: its first orchestrator request opens the
    //    orchestrator, which resumes the unfinished run.
    generation = 2;
    const second = await startGateway(configFile);
    const after = await until("the resumed run to succeed", async () => {
      const { status, body } = await getJson<RunSnapshot>(`${second.url}/v1/hydra/runs/${runId}`);
      expect(status, second.output()).toBe(200);
      if (body.state === "failed" || body.state === "cancelled")
        throw new Error(`the resumed run ${body.state}: ${JSON.stringify(body.error)}\n${second.output()}`);
      return body.state === "succeeded" ? body : undefined;
    });

    // Every subtask succeeded, each with one counted attempt (the cut one is not counted).
    expect(after.steps.map((step) => [step.stepId, step.state, step.attempt])).toEqual([
      ["1", "succeeded", 1],
      ["2", "succeeded", 1],
      ["3", "succeeded", 1],
    ]);
    // Subtask 1 is the record committed before the kill, untouched: same times, same output.
    const one = stepOf(after, "1");
    const oneBefore = succeededBefore[0];
    expect(one?.startedAt).toBe(oneBefore?.startedAt);
    expect(one?.finishedAt).toBe(oneBefore?.finishedAt);
    expect(one?.output).toEqual(oneBefore?.output);
    // Subtasks 2 and 3 ran in the second process.
    expect(stepOf(after, "2")?.startedAt).toBeGreaterThanOrEqual(killedAt);
    expect(stepOf(after, "3")?.startedAt).toBeGreaterThanOrEqual(killedAt);

    // What the nodes were asked after the restart: subtask 2 again and subtask 3, nothing else —
    // no new analysis or plan, and subtask 1's node never heard from the second gateway.
    expect({
      planner: chatCount("planner", 2),
      general: chatCount("general", 2),
      reasoning: chatCount("reasoning", 2),
      docs: chatCount("docs", 2),
    }).toEqual({ planner: 0, general: 0, reasoning: 1, docs: 1 });
    expect(chatCount("general")).toBe(1);
    // The outputs name the node that answered each subtask.
    const nodeOf = (id: string) =>
      (after.outputs[id] as { candidates?: { node: string }[] } | undefined)?.candidates?.[0]?.node;
    expect([nodeOf("1"), nodeOf("2"), nodeOf("3")]).toEqual(["general", "reasoning", "docs"]);

    await killGateway(second.child);
  });
});
