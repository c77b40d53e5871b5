/**
 * Where a step's handler runs, behind one interface. The engine decides what runs when (DAG,
 * retries, timeouts, cancellation, the concurrency limit, the run log); an executor only runs one
 * attempt of one step and settles with its output. Everything in a StepTask is JSON, so a later
 * executor can ship it to a worker on another machine (BullMQ on Redis) and the engine stays as is.
 */
import { StepOutputError } from "./errors.js";
import { describeSchemaError, type HandlerRegistry } from "./registry.js";
import type { JsonValue } from "./types.js";

/** One attempt of one step, as data. */
export interface StepTask {
  runId: string;
  stepId: string;
  /** The registered handler's name. */
  handler: string;
  input: JsonValue;
  runInput: JsonValue;
  /** Outputs of the step's dependencies, by step id. */
  deps: Record<string, JsonValue>;
  /** 1 for the first try. */
  attempt: number;
  /** The engine enforces it; a remote executor may pass it on to its worker. 0 = none. */
  timeoutMs: number;
}

export interface StepControl {
  /**
   * Aborts on timeout, cancellation or engine shutdown. The engine stops waiting for the attempt
   * the moment it aborts, so an executor only needs to pass it on to the work.
   */
  signal: AbortSignal;
  /** Forwards a progress report (the `step.progress` event). */
  progress(value: JsonValue): void;
}

export interface StepExecutor {
  /** For logs and the run API: "in-process", "bullmq"... */
  readonly kind: string;
  /** Settles with the attempt's output (any value; the engine checks it is JSON) or its error. */
  execute(task: StepTask, control: StepControl): Promise<unknown>;
  close?(): Promise<void>;
}

/** Runs handlers from the registry in this process. */
export class InProcessExecutor implements StepExecutor {
  readonly kind = "in-process";
  readonly #registry: HandlerRegistry;

  constructor(registry: HandlerRegistry) {
    this.#registry = registry;
  }

  async execute(task: StepTask, control: StepControl): Promise<unknown> {
    const entry = this.#registry.get(task.handler);
    const input = this.#registry.parseInput(task.stepId, task.handler, task.input);
    const output = await entry.handler({
      runId: task.runId,
      stepId: task.stepId,
      attempt: task.attempt,
      input,
      runInput: task.runInput,
      deps: task.deps,
      signal: control.signal,
      emit: control.progress,
    });
    if (entry.output === undefined) return output;
    try {
      return entry.output.parse(output);
    } catch (error) {
      throw new StepOutputError(task.stepId, task.handler, describeSchemaError(error), true);
    }
  }
}
