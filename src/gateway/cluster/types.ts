/**
 * What `GET /v1/hydra/cluster` and `GET /v1/hydra/traffic` answer: the one snapshot of the
 * cluster that the dashboard draws, and that any tool may read. Types only, so the browser
 * code imports them without pulling server code into its bundle.
 */
import type { AgentStatus } from "../../agent/protocol.js";
import type { NodeView } from "../routes/ops.js";

/** Learned speed of one model on one node (from the router's statistics). */
export interface ModelRate {
  model: string;
  /** Generated tokens per second (EWMA of eval_count / eval_duration). */
  decodeTps: number;
  /** Prompt tokens per second. */
  prefillTps: number;
  /** Completed requests the estimate rests on. */
  samples: number;
}

/** One node as the dashboard's cluster card shows it. */
export interface NodeCard extends NodeView {
  /** Drained by an admin: takes no new requests, finishes those in flight. */
  drained: boolean;
  /** The node's learned speed per model, fastest first. */
  rates: ModelRate[];
  /** The agent's latest report (CPU, memory, GPUs); null without an agent. */
  agent: Pick<AgentStatus, "system" | "gpus" | "ollama"> | null;
}

export interface QueueLevel {
  priority: number;
  /** Requests of this priority waiting for a slot now. */
  depth: number;
  /** How long the oldest of them has waited, ms (0 when none wait). */
  oldestWaitMs: number;
  /** Mean wait of requests of this priority admitted in the last minute, ms (queued or not). */
  recentWaitMs: number;
  /** Requests of this priority admitted in the last minute. */
  recentAdmitted: number;
}

export interface QueueSnapshot {
  depth: number;
  /** admission.maxQueue: more waiting requests are refused with 503. */
  capacity: number;
  /** Highest priority first; every level from PRIORITY_MAX down to PRIORITY_MIN. */
  levels: QueueLevel[];
}

/** One time series: value per step, oldest first; null where nothing happened in that step. */
export interface TrafficSeries {
  /** Requests finished per second. */
  rps: number[];
  /** Requests finished with a status other than 200, per second. */
  errorsPerS: number[];
  /** Request latency percentiles, ms. */
  p50: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
  /** Time to first token, median, ms. */
  ttftP50: (number | null)[];
  /** Completion tokens generated per second. */
  tokensPerS: number[];
}

export interface TrafficSnapshot {
  /** Start of the first step, ms since the epoch. */
  start: number;
  /** Step length, ms. */
  stepMs: number;
  /** Number of steps in every series. */
  steps: number;
  all: TrafficSeries;
  byNode: Record<string, TrafficSeries>;
  byModel: Record<string, TrafficSeries>;
  /** Totals over the window. */
  totals: { requests: number; errors: number; completionTokens: number };
}

export interface ClusterSnapshot {
  /** ms since the epoch, when this snapshot was taken. */
  at: number;
  version: string;
  uptimeS: number;
  routing: { strategy: string; strategies: readonly string[] };
  nodes: NodeCard[];
  queue: QueueSnapshot;
  /** Clients on GET /v1/hydra/events. */
  eventSubscribers: number;
  /** Whether requests need an API key, and whether admin actions are possible (auth.adminKeys set). */
  auth: { apiKeys: boolean; admin: boolean };
  /** Models any node has, with the nodes that have them. */
  models: { name: string; nodes: string[]; loadedOn: string[] }[];
}
