/**
 * What the pool tells the health monitor about one request to a node. The pool classifies; the
 * breaker only needs to know whether the node failed, was overloaded, or answered well.
 */

/** The node failed the request: the classes that count towards outlier ejection. */
export type FailureKind =
  /** Refused or reset before response headers. */
  | "connect"
  /** No headers, or no first token, before the deadline. */
  | "timeout"
  /** The stream went silent mid-answer. */
  | "stall"
  /** The node answered 5xx (other than 503, which means overload). */
  | "http5xx";

/** The node is alive but asked us to back off. */
export type OverloadKind = "http429" | "http503";

export type OutcomeKind = "success" | FailureKind | OverloadKind;

export type Outcome =
  | { kind: "success" }
  | { kind: FailureKind; error?: string }
  | {
      kind: OverloadKind;
      /** The node's Retry-After, in seconds, when it sent one. */
      retryAfterS?: number;
      error?: string;
    };

const FAILURES: ReadonlySet<string> = new Set<FailureKind>(["connect", "timeout", "stall", "http5xx"]);
const OVERLOADS: ReadonlySet<string> = new Set<OverloadKind>(["http429", "http503"]);

export function isFailure(outcome: Outcome): outcome is Extract<Outcome, { kind: FailureKind }> {
  return FAILURES.has(outcome.kind);
}

export function isOverload(outcome: Outcome): outcome is Extract<Outcome, { kind: OverloadKind }> {
  return OVERLOADS.has(outcome.kind);
}

/** `report(node, "timeout")` is shorthand for `report(node, { kind: "timeout" })`. */
export function toOutcome(outcome: Outcome | OutcomeKind): Outcome {
  return typeof outcome === "string" ? ({ kind: outcome } as Outcome) : outcome;
}

/** A short description for `lastError` and event reasons. */
export function describeOutcome(outcome: Outcome): string {
  const detail = "error" in outcome && outcome.error !== undefined ? `: ${outcome.error}` : "";
  switch (outcome.kind) {
    case "success":
      return "success";
    case "connect":
      return `connection failed${detail}`;
    case "timeout":
      return `no answer in time${detail}`;
    case "stall":
      return `stream stalled${detail}`;
    case "http5xx":
      return `server error${detail}`;
    case "http429":
    case "http503": {
      const status = outcome.kind === "http429" ? 429 : 503;
      const retry = outcome.retryAfterS !== undefined ? ` (Retry-After ${outcome.retryAfterS}s)` : "";
      return `overloaded: HTTP ${status}${retry}${detail}`;
    }
  }
}
