/**
 * Runs one candidate against a list of test cases in one sandboxed process (fast), with each
 * case isolated by the harness (a failing assert or a hang in one case does not hide the
 * others). JavaScript and TypeScript are transpiled to CommonJS first, so `export` and
 * `import` work and TypeScript runs as JavaScript.
 */
import { NODE_HARNESS, PYTHON_HARNESS } from "./harness.js";
import type { Sandbox, SandboxLimits, SandboxResult } from "./sandbox.js";
import { type CodeLanguage, familyOf } from "./types.js";
import { typescript } from "./typescript-api.js";

export type TestOutcome = "passed" | "failed" | "error" | "timeout";

export interface TestResult {
  outcome: TestOutcome;
  message?: string;
}

export interface TestRun {
  /** Whether the candidate loaded; when not, every test has outcome "error". */
  loaded: boolean;
  loadError?: string;
  results: TestResult[];
  /** The sandbox's verdict on the harness process, for the report. */
  sandbox: Pick<SandboxResult, "status" | "reason" | "durationMs" | "isolation">;
}

export interface RunTestsInput {
  code: string;
  language: CodeLanguage;
  /** Self-contained test cases (see `splitTests`), in the candidate's language family. */
  tests: readonly string[];
  /** The function the task asks for (lets `module.exports = fn` be called by that name). */
  functionName?: string;
  perTestTimeoutMs?: number;
  loadTimeoutMs?: number;
  limits?: Partial<SandboxLimits>;
}

/** JS/TS source as CommonJS JavaScript that runs as a script (`export` becomes `exports.x`). */
function toCommonJs(code: string, language: CodeLanguage): string {
  const ts = typescript();
  return ts.transpileModule(code, {
    fileName: language === "typescript" ? "solution.ts" : "solution.js",
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      allowJs: true,
      esModuleInterop: true,
    },
  }).outputText;
}

interface HarnessLine {
  load?: "ok" | "error";
  message?: string | null;
  i?: number;
  outcome?: TestOutcome;
  done?: boolean;
}

/** Test results from the harness's output lines; cases with no line get the process's fate. Pure. */
export function parseHarnessOutput(
  channel: string,
  testCount: number,
  process: Pick<SandboxResult, "status" | "reason" | "stderr">,
): Pick<TestRun, "loaded" | "loadError" | "results"> {
  let loaded = false;
  let loadError: string | undefined;
  const results: (TestResult | undefined)[] = new Array(testCount).fill(undefined);
  for (const line of channel.split("\n")) {
    if (line.trim() === "") continue;
    let parsed: HarnessLine;
    try {
      parsed = JSON.parse(line) as HarnessLine;
    } catch {
      continue;
    }
    if (parsed.load === "ok") loaded = true;
    if (parsed.load === "error") loadError = parsed.message ?? "the candidate failed to load";
    if (
      typeof parsed.i === "number" &&
      parsed.i >= 0 &&
      parsed.i < testCount &&
      parsed.outcome !== undefined
    ) {
      results[parsed.i] = {
        outcome: parsed.outcome,
        ...(parsed.message === null || parsed.message === undefined ? {} : { message: parsed.message }),
      };
    }
  }
  const lastError = process.stderr.trim().split("\n").slice(-1)[0] ?? "";
  const fate: TestResult =
    process.status === "timeout"
      ? { outcome: "timeout", message: process.reason ?? "the test process timed out" }
      : {
          outcome: "error",
          message:
            loadError ??
            `the test process ended before this test (${process.status}${process.reason ? `: ${process.reason}` : ""}${lastError ? `; ${lastError}` : ""})`,
        };
  return {
    loaded: loaded && loadError === undefined,
    ...(loadError === undefined ? {} : { loadError }),
    results: results.map((r) => r ?? fate),
  };
}

/** Runs `tests` against the candidate `code` in the sandbox. */
export async function runTests(input: RunTestsInput, sandbox: Sandbox): Promise<TestRun> {
  const perTestTimeoutMs = input.perTestTimeoutMs ?? 2000;
  const loadTimeoutMs = input.loadTimeoutMs ?? 5000;
  const python = familyOf(input.language) === "python";
  const tests = python ? input.tests : input.tests.map((t) => toCommonJs(t, input.language));
  const spec = JSON.stringify({
    tests,
    perTestTimeoutMs,
    loadTimeoutMs,
    functionName: input.functionName ?? null,
  });
  // Room for loading plus every case at its limit, plus the interpreter's start-up.
  const timeoutMs = Math.min(120_000, 3000 + loadTimeoutMs + perTestTimeoutMs * Math.max(1, tests.length));
  const result = await sandbox.run({
    runtime: python ? "python" : "node",
    files: python
      ? { "harness.py": PYTHON_HARNESS, "solution.py": input.code, "spec.json": spec }
      : {
          "harness.cjs": NODE_HARNESS,
          "solution.js": toCommonJs(input.code, input.language),
          "spec.json": spec,
        },
    args: [python ? "harness.py" : "harness.cjs"],
    channel: true,
    limits: { timeoutMs, ...input.limits },
  });
  return {
    ...parseHarnessOutput(result.channel, tests.length, result),
    sandbox: {
      status: result.status,
      durationMs: result.durationMs,
      isolation: result.isolation,
      ...(result.reason === undefined ? {} : { reason: result.reason }),
    },
  };
}
