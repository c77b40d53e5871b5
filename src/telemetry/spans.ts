/** How a span tells its outcome (status ERROR with the message, and `error.type`), and running work inside one. */
import { type Span, SpanStatusCode } from "@opentelemetry/api";

/** The semantic conventions' `error.type` (written out: their package is large to load for one name). */
const ATTR_ERROR_TYPE = "error.type";

import { runInScope, type TracedScope, within } from "./scope.js";
import type { SpanStart } from "./tracing.js";

export function failSpan(span: Span, error: unknown, type?: string): void {
  const message = error instanceof Error ? error.message : String(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
  span.setAttribute(ATTR_ERROR_TYPE, type ?? (error instanceof Error ? errorType(error) : "error"));
}

/** The error's code (HYDRA_..., ECONNREFUSED) when it has one, else its class name. */
function errorType(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && code !== "" ? code : error.name;
}

/**
 * Runs `work` inside a new child span of `scope` (what it starts hangs under that span) and ends
 * the span when it settles: `onResult` adds what the result tells, a rejection marks it ERROR.
 */
export async function inSpan<T>(
  scope: TracedScope,
  name: string,
  start: SpanStart,
  work: () => Promise<T>,
  onResult?: (span: Span, result: T) => void,
): Promise<T> {
  const span = scope.trace.tracing.start(name, scope.trace.context, start);
  try {
    const result = await runInScope(within(scope, span), work);
    onResult?.(span, result);
    return result;
  } catch (error) {
    failSpan(span, error);
    throw error;
  } finally {
    span.end();
  }
}
