/**
 * The catalogue of step handlers by name. The engine checks a definition against it before a run
 * is stored (an unknown handler is refused up front, not discovered mid-run), and the in-process
 * executor calls from it. A scale-out executor's workers register the same names.
 */
import { formatPath } from "../validation/zod-issues.js";
import { StepInputError, WorkflowHandlerNotFoundError } from "./errors.js";
import type { Schema, StepHandler } from "./types.js";

export interface HandlerSchemas<I, O> {
  /** Checked before each attempt; a mismatch fails the step without retry (StepInputError). */
  input?: Schema<I>;
  /** Checked on each result; a mismatch fails the attempt (retried: a model may answer better next time). */
  output?: Schema<O>;
}

export interface RegisteredHandler {
  name: string;
  handler: StepHandler<unknown, unknown>;
  input?: Schema<unknown>;
  output?: Schema<unknown>;
}

export class HandlerRegistry {
  readonly #handlers = new Map<string, RegisteredHandler>();

  register<I, O>(name: string, handler: StepHandler<I, O>, schemas: HandlerSchemas<I, O> = {}): void {
    if (name === "") throw new RangeError("a step handler needs a non-empty name");
    if (this.#handlers.has(name)) {
      throw new RangeError(`a step handler named "${name}" is already registered; pick another name`);
    }
    const entry: RegisteredHandler = {
      name,
      // The input schema (or the definition's author) vouches that ctx.input is an I; the
      // registry stores handlers of every input type side by side.
      handler: handler as StepHandler<unknown, unknown>,
    };
    if (schemas.input !== undefined) entry.input = schemas.input;
    if (schemas.output !== undefined) entry.output = schemas.output;
    this.#handlers.set(name, entry);
  }

  has(name: string): boolean {
    return this.#handlers.has(name);
  }

  names(): string[] {
    return [...this.#handlers.keys()].sort();
  }

  /** The handler, or WorkflowHandlerNotFoundError naming the registered ones. */
  get(name: string): RegisteredHandler {
    const entry = this.#handlers.get(name);
    if (entry === undefined) throw new WorkflowHandlerNotFoundError(name, this.names());
    return entry;
  }

  /** The input as the handler's schema parses it (the input itself without a schema). */
  parseInput(stepId: string, name: string, input: unknown): unknown {
    const entry = this.get(name);
    if (entry.input === undefined) return input;
    try {
      return entry.input.parse(input);
    } catch (error) {
      throw new StepInputError(stepId, name, describeSchemaError(error));
    }
  }
}

/** zod errors as `path: message; ...`; other errors by their message. */
export function describeSchemaError(error: unknown): string {
  const issues = (error as { issues?: unknown }).issues;
  if (Array.isArray(issues)) {
    return issues
      .slice(0, 5)
      .map((issue: { path?: PropertyKey[]; message?: string }) => {
        const path = formatPath(issue.path ?? []);
        return path === "" ? String(issue.message) : `${path}: ${String(issue.message)}`;
      })
      .join("; ");
  }
  return (error as Error)?.message ?? String(error);
}
