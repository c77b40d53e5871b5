/**
 * The gateway's live events, as `GET /v1/hydra/events` streams them (Server-Sent Events:
 * `id:` is the sequence number, `event:` the type, `data:` the JSON below). One typed union,
 * so the dashboard, tests and users read the same documented shapes.
 */
import type { CostBreakdown } from "../../pool/router/cost-model.js";

export interface RouteCandidateView {
  node: string;
  estimatedMs: number;
  breakdown: CostBreakdown;
  reason: string;
}

export interface HydraEventMap {
  /** A client request arrived and is being placed. */
  "request.started": { requestId: string; route: string; model: string; priority: number };
  /** The router placed a request: the chosen node, the runner-up, and every candidate's estimate. */
  "route.decision": {
    requestId: string;
    model: string;
    strategy: string;
    node: string;
    runnerUp: string | null;
    /** The x-hydra-route header's text. */
    summary: string;
    candidates: RouteCandidateView[];
  };
  /** A request ended, however it ended (status 499: the client went away). */
  "request.finished": {
    requestId: string;
    route: string;
    model: string;
    node: string;
    status: number;
    ms: number;
    /** Upstream legs: 1, plus one per mid-stream continuation. */
    legs: number;
    promptTokens: number;
    outputTokens: number;
    error?: string;
  };
  /** An attempt failed before the node answered; the request went on elsewhere (or gave up). */
  "request.retry": { node: string; kind: string; status: number; message: string };
  /** A node's breaker changed state (ejected, probing, back). */
  "node.health": { node: string; from: string; to: string; reason: string };
  "node.added": { node: string; url: string; source: string };
  "node.removed": { node: string; url: string; reason: string };
  /** A node's agent stopped reporting (stale: true) or reported again (stale: false). */
  "node.stale": { node: string; stale: boolean };
  hedge: { model: string; node: string; outcome: string };
  /** An operator drained a node (no new requests) or put it back. */
  "node.drained": { node: string; drained: boolean };
  /** The routing strategy was switched at run time. */
  "routing.strategy": { from: string; to: string };
  /** The priority queue changed (at most a few per second: changes in between are folded). */
  queue: { depth: number; levels: { priority: number; depth: number }[] };
  /**
   * An orchestration moved on: its analysis, plan, a step's transition, or its end. `kind` is the
   * orchestrator's or workflow engine's event type (analysis, plan, step.started, step.succeeded,
   * run.succeeded, final ...); read GET /v1/hydra/runs/:id for the whole run.
   */
  orchestration: {
    runId: string;
    kind: string;
    stepId?: string;
    /** One line for a human: "step s2 succeeded in 812 ms". */
    summary: string;
  };
}

export type HydraEventType = keyof HydraEventMap;

export interface HydraEvent<T extends HydraEventType = HydraEventType> {
  /** Increases by one per event, from 1 at gateway start (SSE `id`, for Last-Event-ID). */
  seq: number;
  type: T;
  /** Milliseconds since the epoch. */
  at: number;
  data: HydraEventMap[T];
}

export const EVENT_TYPES: readonly HydraEventType[] = [
  "request.started",
  "route.decision",
  "request.finished",
  "request.retry",
  "node.health",
  "node.added",
  "node.removed",
  "node.stale",
  "hedge",
  "node.drained",
  "routing.strategy",
  "queue",
  "orchestration",
];

/**
 * One event per request (or attempt): the high-volume types, which a subscriber may ask to have
 * sampled (`?rate=N`). The others are state changes and always arrive.
 */
export const PER_REQUEST_EVENT_TYPES: ReadonlySet<HydraEventType> = new Set([
  "request.started",
  "route.decision",
  "request.finished",
  "request.retry",
  "hedge",
]);
