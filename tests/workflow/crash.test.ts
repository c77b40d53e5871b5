/**
 * Resume after a real crash: a child process (tests/workflow/fixtures/workflow-child.ts, compiled)
 * runs a workflow and is killed with SIGKILL while some steps execute and one waits out a back-off;
 * a second process resumes the run from the run log. The run completes, every step that had
 * committed `succeeded` before the kill never starts again (checked in the handlers' own log file),
 * and the steps that were cut short run exactly once more. SQLite and PostgreSQL.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { type WorkflowConfigInput, workflowConfigSchema } from "../../src/workflow/config.js";
import { openRunStore } from "../../src/workflow/open.js";
import type { RunSnapshot } from "../../src/workflow/types.js";
import {
  dropPostgresSchema,
  POSTGRES_URL,
  requirePostgres,
  uniquePostgresSchema,
} from "../helpers/services.js";

const CHILD = fileURLToPath(new URL("../../dist/tests/workflow/fixtures/workflow-child.js", import.meta.url));
const postgres = await requirePostgres();
const dir = mkdtempSync(join(tmpdir(), "hydra-workflow-crash-"));
const schemas: string[] = [];

afterAll(async () => {
  for (const schema of schemas) await dropPostgresSchema(schema);
  rmSync(dir, { recursive: true, force: true });
});

interface Child {
  process: ChildProcess;
  lines: string[];
  stderr: () => string;
  /** Resolves once every predicate has matched some stdout line. */
  waitFor(predicates: ((line: string) => boolean)[]): Promise<void>;
}

function spawnChild(
  mode: "start" | "resume",
  config: WorkflowConfigInput,
  dataDir: string,
  logFile: string,
): Child {
  if (!existsSync(CHILD)) throw new Error(`${CHILD} is missing: run 'npm run build' first (npm test does)`);
  const child = spawn(process.execPath, [CHILD, mode, JSON.stringify(config), dataDir, logFile], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  let partial = "";
  let err = "";
  const waiters: { predicates: ((line: string) => boolean)[]; resolve: () => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      if (waiter.predicates.every((predicate) => lines.some(predicate))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  child.stdout?.on("data", (data: Buffer) => {
    partial += data.toString();
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    lines.push(...parts);
    check();
  });
  child.stderr?.on("data", (data: Buffer) => {
    err += data.toString();
  });
  return {
    process: child,
    lines,
    stderr: () => err,
    waitFor: (predicates) =>
      new Promise<void>((resolve, reject) => {
        const onExit = (code: number | null) =>
          reject(new Error(`the child exited early (${code}): ${err}\n${lines.join("\n")}`));
        child.once("exit", onExit);
        waiters.push({
          predicates,
          resolve: () => {
            child.off("exit", onExit);
            resolve();
          },
        });
        check();
      }),
  };
}

const event = (type: string, stepId?: string) => (line: string) =>
  line.startsWith("{") &&
  (() => {
    const parsed = JSON.parse(line) as { type: string; stepId?: string };
    return parsed.type === type && (stepId === undefined || parsed.stepId === stepId);
  })();

interface LogLine {
  kind: "start" | "finish";
  step: string;
  pid: number;
  attempt?: number;
}

function readLog(file: string): LogLine[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => {
      const [kind, step, pid, attempt] = line.split(" ");
      return {
        kind: kind as "start" | "finish",
        step: step ?? "",
        pid: Number(pid),
        attempt: Number(attempt),
      };
    });
}

async function crashAndResume(config: WorkflowConfigInput, label: string): Promise<void> {
  const dataDir = join(dir, label);
  const logFile = join(dir, `${label}.log`);

  // 1. Run until a, b0, x, y have committed, b1-b3 are inside their handlers and flaky waits to retry.
  const first = spawnChild("start", config, dataDir, logFile);
  await first.waitFor([
    ...["a", "b0", "x", "y"].map((id) => event("step.succeeded", id)),
    ...["b1", "b2", "b3"].map((id) => event("step.started", id)),
    event("step.retrying", "flaky"),
  ]);
  const runId = first.lines.find((line) => line.startsWith("run "))?.slice(4) ?? "";
  first.process.kill("SIGKILL");
  const [, signal] = await once(first.process, "exit");
  expect(signal).toBe("SIGKILL");
  const firstPid = first.process.pid;

  // 2. What the log holds after the kill.
  const store = await openRunStore(workflowConfigSchema.parse(config), { dataDir });
  let committed: Set<string>;
  try {
    const record = await store.loadRun(runId);
    expect(record?.state).toBe("running");
    committed = new Set(
      record?.steps.filter((step) => step.state === "succeeded").map((step) => step.stepId),
    );
    const states = Object.fromEntries(record?.steps.map((step) => [step.stepId, step.state]) ?? []);
    expect(states).toMatchObject({
      b1: "running",
      b2: "running",
      b3: "running",
      c: "pending",
      flaky: "pending",
    });
  } finally {
    await store.close();
  }
  expect([...committed].sort()).toEqual(expect.arrayContaining(["a", "b0", "x", "y"]));

  // 3. A new process resumes the run to the end.
  const second = spawnChild("resume", config, dataDir, logFile);
  const [code] = await once(second.process, "exit");
  expect(code, second.stderr()).toBe(0);
  const resultLine = second.lines.find((line) => line.startsWith("result "));
  expect(resultLine, second.lines.join("\n")).toBeDefined();
  const result = JSON.parse(resultLine?.slice(7) ?? "{}") as RunSnapshot;
  const secondPid = second.process.pid;
  expect(result.id).toBe(runId);
  expect(result.state).toBe("succeeded");

  const log = readLog(logFile);
  const startsIn = (pid: number | undefined, step: string) =>
    log.filter((line) => line.kind === "start" && line.pid === pid && line.step === step);
  for (const step of result.spec.steps.map((s) => s.id)) {
    const output = result.outputs[step] as { pid: number; attempt: number };
    if (committed.has(step)) {
      // Finished before the kill: never started again, its output is the first process's.
      expect(startsIn(secondPid, step), `${step} ran again`).toEqual([]);
      expect(output.pid).toBe(firstPid);
    } else {
      // Cut short (or never started): exactly one more start, in the second process.
      expect(startsIn(secondPid, step), `${step} in the second process`).toHaveLength(1);
      expect(output.pid).toBe(secondPid);
    }
  }
  // The interrupted attempts are not counted; flaky's failed first attempt is.
  for (const step of ["b1", "b2", "b3"]) {
    expect(startsIn(firstPid, step)).toHaveLength(1);
    expect((result.outputs[step] as { attempt: number }).attempt).toBe(1);
  }
  expect((result.outputs.flaky as { attempt: number }).attempt).toBe(2);
  expect(result.steps.every((step) => step.state === "succeeded")).toBe(true);
}

describe("a workflow process killed with SIGKILL mid-run", () => {
  it("SQLite: resumes in a new process; no finished step runs twice", async () => {
    await crashAndResume({}, "sqlite");
  });

  it.runIf(postgres.available)(
    "PostgreSQL: resumes in a new process; no finished step runs twice",
    async () => {
      const schema = uniquePostgresSchema("workflow_crash");
      schemas.push(schema);
      await crashAndResume({ postgres: { url: POSTGRES_URL, schema } }, "postgres");
    },
  );
});
