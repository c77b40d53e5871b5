/**
 * `hydra.upstream`: one request to one node (a CLIENT span). Every attempt gets its own: a retry
 * on another node, a hedge and a mid-stream continuation are new spans. The request it sends
 * carries the span's `traceparent`, so a node that traces joins the trace, and `x-request-id`.
 */
import { type Span, SpanKind } from "@opentelemetry/api";
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_URL_FULL,
} from "@opentelemetry/semantic-conventions";
import type { UpstreamRequest } from "../pool/backend/backend.js";
import { REQUEST_ID_HEADER, type TracedScope } from "./scope.js";
import { failSpan } from "./spans.js";
import { formatTraceparent, TRACEPARENT_HEADER } from "./traceparent.js";

export const UPSTREAM_SPAN = "hydra.upstream";

export interface UpstreamAttempt {
  /** The request to send: the caller's, with this attempt's `traceparent` and the `x-request-id`. */
  readonly request: UpstreamRequest;
  /** The node answered (its status); the span stays open while the answer is read. */
  answered(status: number): void;
  /** The attempt failed: before an answer (kind from the retry classifier), or a broken stream. */
  failed(kind: string, status: number, message: string): void;
  /** Ends the span; safe to call more than once. */
  end(): void;
}

export function traceUpstream(
  scope: TracedScope,
  node: { name: string; url: string },
  request: UpstreamRequest,
  attempt: number,
): UpstreamAttempt {
  const span: Span = scope.trace.tracing.start(UPSTREAM_SPAN, scope.trace.context, {
    kind: SpanKind.CLIENT,
    attributes: {
      "hydra.node": node.name,
      [ATTR_URL_FULL]: node.url.replace(/\/+$/, "") + request.path,
      [ATTR_HTTP_REQUEST_METHOD]: request.method,
      "hydra.attempt": attempt,
    },
  });
  let ended = false;
  return {
    request: {
      ...request,
      headers: {
        ...request.headers,
        [REQUEST_ID_HEADER]: request.headers?.[REQUEST_ID_HEADER] ?? scope.requestId,
        [TRACEPARENT_HEADER]: formatTraceparent(span.spanContext()),
      },
    },
    answered(status) {
      span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
    },
    failed(kind, status, message) {
      span.setAttribute("hydra.failure.kind", kind);
      if (status > 0) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      failSpan(span, message, kind);
    },
    end() {
      if (ended) return;
      ended = true;
      span.end();
    },
  };
}
