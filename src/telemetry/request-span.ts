/**
 * `hydra.request`: the SERVER span of one client request, from its arrival until its response
 * is closed (streams included). Its hooks open the request's call scope, so everything the
 * request starts (routing, upstream attempts, an orchestration) hangs under it. A caller's W3C
 * `traceparent` makes it a child of the caller's span. Installed only when tracing is on.
 */
import { type Context, ROOT_CONTEXT, type Span, SpanKind, trace } from "@opentelemetry/api";
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
} from "@opentelemetry/semantic-conventions";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { runInScope } from "./scope.js";
import { failSpan } from "./spans.js";
import { parseTraceparent, TRACEPARENT_HEADER } from "./traceparent.js";
import type { Tracing } from "./tracing.js";

export const REQUEST_SPAN = "hydra.request";

/** Probes and scrapes: traced, they would bury the requests that matter. */
const UNTRACED_ROUTES = new Set(["/", "/health", "/metrics"]);

/** Request spans whose outcome the exchange told (its status is the real one for streams). */
const told = new WeakSet<Span>();
const errors = new WeakMap<FastifyRequest, string>();

export function installRequestTracing(app: FastifyInstance, tracing: Tracing): void {
  app.addHook("onRequest", (request, reply, done) => {
    const route = request.routeOptions.url;
    if (route !== undefined && UNTRACED_ROUTES.has(route)) {
      done();
      return;
    }
    const caller = parseTraceparent(request.headers[TRACEPARENT_HEADER]);
    const parent: Context = caller === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, caller);
    const span = tracing.start(REQUEST_SPAN, parent, {
      kind: SpanKind.SERVER,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: request.method,
        [ATTR_HTTP_ROUTE]: route ?? "unmatched",
        "hydra.request_id": request.id,
      },
    });
    // "close" comes for every ending: a sent reply, a hijacked stream, a client that went away.
    reply.raw.once("close", () => {
      const status = reply.raw.statusCode;
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      if (status >= 500 && !told.has(span))
        failSpan(span, errors.get(request) ?? `HTTP ${status}`, String(status));
      span.end();
    });
    runInScope(
      { requestId: request.id, trace: { tracing, context: trace.setSpan(parent, span), request: span } },
      done,
    );
  });
  app.addHook("onError", async (request, _reply, error) => {
    errors.set(request, error.message);
  });
}

/**
 * What the exchange knows of the request: the model that answered, its client-facing route and
 * its final status (a stream that failed in-band is a 200 on the wire but not here).
 */
export function tellRequestOutcome(
  span: Span,
  outcome: { route: string; model: string; node: string; status: number; error?: string | undefined },
): void {
  told.add(span);
  span.setAttribute("hydra.route", outcome.route);
  span.setAttribute("hydra.model", outcome.model);
  span.setAttribute("hydra.node", outcome.node);
  span.setAttribute("hydra.status", outcome.status);
  if (outcome.status >= 500)
    failSpan(span, outcome.error ?? `HTTP ${outcome.status}`, String(outcome.status));
}
