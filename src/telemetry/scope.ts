/**
 * The call scope: what a request carries down to the pool without every layer passing it on —
 * the request id each upstream request forwards as `x-request-id`, and, with tracing on, the
 * tracer and the span new spans hang under. It lives in an AsyncLocalStorage, so it follows the
 * request through awaits, the workflow engine's steps and the orchestrator's model calls.
 *
 * With tracing off the gateway opens no scope on the request path: `currentTrace()` answers
 * undefined without touching the storage while no tracer is open in the process.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { type Context, type Span, trace } from "@opentelemetry/api";
import type { Tracing } from "./tracing.js";

export const REQUEST_ID_HEADER = "x-request-id";

export interface ActiveTrace {
  readonly tracing: Tracing;
  /** Holds the span that spans started now are children of. */
  readonly context: Context;
  /** The client request's span (the exchange sets its model and outcome on it). */
  readonly request?: Span;
}

export interface CallScope {
  /** Sent to the nodes as `x-request-id`: the client request's id, or the orchestration run's. */
  readonly requestId: string;
  readonly trace?: ActiveTrace;
}

const storage = new AsyncLocalStorage<CallScope>();
let openTracers = 0;

export function tracerOpened(): void {
  openTracers++;
}

export function tracerClosed(): void {
  openTracers--;
}

export function currentScope(): CallScope | undefined {
  return storage.getStore();
}

/** A scope whose request is traced. */
export type TracedScope = CallScope & { readonly trace: ActiveTrace };

/** The current scope when its request is traced; undefined at no cost while no gateway in the process traces. */
export function currentTrace(): TracedScope | undefined {
  if (openTracers === 0) return undefined;
  const scope = storage.getStore();
  return scope?.trace === undefined ? undefined : (scope as TracedScope);
}

export function runInScope<T>(scope: CallScope, fn: () => T): T {
  return storage.run(scope, fn);
}

/**
 * Runs `fn` outside any call scope: a shared resource opened on some request's behalf (the
 * orchestrator, semantic memory) must not keep that request's id and trace in its timers.
 */
export function outsideScope<T>(fn: () => T): T {
  return storage.exit(fn);
}

/** `scope` with `span` as the parent of what starts inside it. */
export function within(scope: TracedScope, span: Span): TracedScope {
  return { ...scope, trace: { ...scope.trace, context: trace.setSpan(scope.trace.context, span) } };
}
