/**
 * Runs programs against assert-style tests in child processes: one `python3` and one `node`
 * process per call, each running every job of its language with a per-statement time limit
 * and reporting one JSON line per job. For grading the sim's own answers (the bank's quality
 * gate, benchmarks); it is NOT a sandbox for untrusted code (no memory cap, network or file
 * isolation) — the orchestrator's synthesis has its own.
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TaskLanguage } from "./types.js";

export interface CheckJob {
  language: TaskLanguage;
  /** The candidate program, run first. */
  code: string;
  /** Test statements, each run after the program in the same module/context. */
  tests: readonly string[];
}

export interface TestOutcome {
  passed: boolean;
  /** `ErrorType: message`, cut to 300 characters. */
  error?: string;
}

export interface CheckResult {
  /** The program itself ran without error (else every test counts as failed). */
  loaded: boolean;
  loadError?: string;
  tests: TestOutcome[];
  /** Loaded and every test passed. */
  passed: boolean;
}

export interface RunChecksOptions {
  /** Limit for the program and for each test statement, ms (default 2000). */
  statementTimeoutMs?: number;
  /** Limit for a whole child process, ms (default 120 000). */
  processTimeoutMs?: number;
  /** Python interpreter (default `python3`). */
  python?: string;
}

const PYTHON_HARNESS = String.raw`
import contextlib, io, json, signal, sys

class StatementTimeout(BaseException):
    pass

def on_alarm(signum, frame):
    raise StatementTimeout("statement ran too long")

signal.signal(signal.SIGALRM, on_alarm)
jobs = json.load(open(sys.argv[1], encoding="utf-8"))
limit = float(sys.argv[2]) / 1000.0
out = sys.stdout

def run(source, namespace):
    sink = io.StringIO()
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            exec(compile(source, "<candidate>", "exec"), namespace)
        return None
    except BaseException as error:
        return (type(error).__name__ + ": " + str(error))[:300]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)

for job in jobs:
    namespace = {"__name__": "__candidate__"}
    result = {"loaded": True, "tests": []}
    error = run(job["code"], namespace)
    if error is not None:
        result["loaded"] = False
        result["loadError"] = error
    else:
        for test in job["tests"]:
            failure = run(test, namespace)
            result["tests"].append({"passed": failure is None} if failure is None else {"passed": False, "error": failure})
    out.write(json.dumps(result) + "\n")
    out.flush()
`;

const NODE_HARNESS = String.raw`
const vm = require("node:vm");
const assert = require("node:assert");
const fs = require("node:fs");
const [file, limitText] = process.argv.slice(2);
const limit = Number(limitText);
const jobs = JSON.parse(fs.readFileSync(file, "utf8"));
const quiet = () => {};
const describe = (error) => {
  const name = error && error.name ? error.name : "Error";
  const message = error && error.message !== undefined ? error.message : String(error);
  return (name + ": " + message).slice(0, 300);
};
for (const job of jobs) {
  const context = vm.createContext({
    assert,
    console: { log: quiet, error: quiet, warn: quiet, info: quiet, debug: quiet },
  });
  const run = (source) => {
    try {
      vm.runInContext(source, context, { timeout: limit, filename: "candidate.js" });
      return null;
    } catch (error) {
      return describe(error);
    }
  };
  const result = { loaded: true, tests: [] };
  const loadError = run(job.code);
  if (loadError !== null) {
    result.loaded = false;
    result.loadError = loadError;
  } else {
    for (const test of job.tests) {
      const failure = run(test);
      result.tests.push(failure === null ? { passed: true } : { passed: false, error: failure });
    }
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}
`;

interface RawResult {
  loaded: boolean;
  loadError?: string;
  tests: TestOutcome[];
}

/** Runs every job; results come back in the jobs' order. */
export async function runChecks(
  jobs: readonly CheckJob[],
  options: RunChecksOptions = {},
): Promise<CheckResult[]> {
  const statementMs = options.statementTimeoutMs ?? 2000;
  const processMs = options.processTimeoutMs ?? 120_000;
  const dir = await mkdtemp(join(tmpdir(), "hydra-sim-checks-"));
  try {
    const results: (CheckResult | undefined)[] = new Array(jobs.length);
    const byLanguage = (language: TaskLanguage) =>
      jobs.map((job, index) => ({ job, index })).filter((entry) => entry.job.language === language);
    await Promise.all(
      (["python", "javascript"] as const).map(async (language) => {
        const entries = byLanguage(language);
        if (entries.length === 0) return;
        const jobFile = join(dir, `${language}-jobs.json`);
        const harnessFile = join(dir, language === "python" ? "harness.py" : "harness.cjs");
        await writeFile(
          jobFile,
          JSON.stringify(entries.map((e) => ({ code: e.job.code, tests: e.job.tests }))),
        );
        await writeFile(harnessFile, language === "python" ? PYTHON_HARNESS : NODE_HARNESS);
        const command = language === "python" ? (options.python ?? "python3") : process.execPath;
        const { lines, failure } = await runProcess(
          command,
          [harnessFile, jobFile, String(statementMs)],
          processMs,
        );
        entries.forEach((entry, i) => {
          const line = lines[i];
          let raw: RawResult | undefined;
          try {
            raw = line === undefined ? undefined : (JSON.parse(line) as RawResult);
          } catch {
            raw = undefined;
          }
          results[entry.index] = raw
            ? { ...raw, passed: raw.loaded && raw.tests.every((t) => t.passed) }
            : {
                loaded: false,
                loadError: `the ${language} runner stopped before this job: ${failure ?? "no output"}`,
                tests: entry.job.tests.map(() => ({ passed: false, error: "not run" })),
                passed: false,
              };
        });
      }),
    );
    return results as CheckResult[];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function runProcess(
  command: string,
  args: string[],
  timeoutMs: number,
): Promise<{ lines: string[]; failure?: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const finish = (failure?: string) => {
      clearTimeout(timer);
      const lines = stdout.split("\n").filter((line) => line.trim() !== "");
      resolve(failure === undefined ? { lines } : { lines, failure });
    };
    child.on("error", (error) => finish(`cannot start ${command}: ${error.message}`));
    child.on("close", (code, signal) => {
      if (code === 0) finish();
      else finish(`${command} exited with ${signal ?? code}: ${stderr.trim().slice(-500)}`);
    });
  });
}
