/**
 * One attempt of one step: the task handed to the executor, bounded by the step's timeout and the
 * run's abort signal, and its result checked to be JSON. The engine stops waiting the moment the
 * signal aborts, whether or not the handler listens to it, so a hung handler cannot hold a run.
 */
import { raceAbort } from "../async/race-abort.js";
import type { ActiveRun, StepRuntime } from "./active-run.js";
import { StepOutputError, StepTimeoutError } from "./errors.js";
import type { StepExecutor, StepTask } from "./executor.js";
import type { JsonValue } from "./types.js";

export type AttemptResult =
  | { ok: true; output: JsonValue; outputJson: string }
  | { ok: false; error: unknown };

export async function runAttempt(
  executor: StepExecutor,
  run: ActiveRun,
  step: StepRuntime,
  attempt: number,
  progress: (value: JsonValue) => void,
): Promise<AttemptResult> {
  const spec = step.spec;
  if (run.abort.signal.aborted) return { ok: false, error: run.abort.signal.reason };
  const controller = new AbortController();
  const onAbort = () => controller.abort(run.abort.signal.reason);
  run.abort.signal.addEventListener("abort", onAbort, { once: true });
  const timer =
    spec.timeoutMs > 0
      ? setTimeout(() => controller.abort(new StepTimeoutError(spec.id, spec.timeoutMs)), spec.timeoutMs)
      : undefined;
  try {
    const deps: Record<string, JsonValue> = {};
    for (const dependency of run.dag.dependsOn.get(spec.id) ?? []) {
      deps[dependency] = run.steps.get(dependency)?.output ?? null;
    }
    const task: StepTask = {
      runId: run.id,
      stepId: spec.id,
      handler: spec.run,
      input: spec.input,
      runInput: run.input,
      deps,
      attempt,
      timeoutMs: spec.timeoutMs,
    };
    const value = await raceAbort(
      executor.execute(task, { signal: controller.signal, progress }),
      controller.signal,
    );
    let outputJson: string;
    try {
      outputJson = toJsonText(value, "its output");
    } catch (error) {
      // Not JSON now, not JSON next time: no retry.
      return { ok: false, error: new StepOutputError(spec.id, spec.run, (error as Error).message, false) };
    }
    // Parsed back, so this process sees exactly what a resumed one would read from the log.
    return { ok: true, output: JSON.parse(outputJson) as JsonValue, outputJson };
  } catch (error) {
    return { ok: false, error };
  } finally {
    clearTimeout(timer);
    run.abort.signal.removeEventListener("abort", onAbort);
  }
}

/** JSON text of a value (undefined counts as null); throws when JSON cannot hold it. */
export function toJsonText(value: unknown, what: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value === undefined ? null : value);
  } catch (error) {
    throw new TypeError(`${what} is not JSON (${(error as Error).message})`);
  }
  if (text === undefined) throw new TypeError(`${what} is not JSON (a ${typeof value})`);
  return text;
}

/** Resolves after `ms` (a retry's back-off), or at once when the signal aborts. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
