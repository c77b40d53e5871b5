/**
 * The gateway's response and event shapes, re-exported for the browser code. Types only: nothing
 * of the server ends up in the bundle.
 */
export type {
  ClusterSnapshot,
  ModelRate,
  NodeCard,
  QueueLevel,
  QueueSnapshot,
  TrafficSeries,
  TrafficSnapshot,
} from "../../../gateway/cluster/types.js";
export type {
  HydraEvent,
  HydraEventMap,
  HydraEventType,
  RouteCandidateView,
} from "../../../gateway/events/types.js";
export type { SearchResponse } from "../../../gateway/routes/memory-search.js";
export type { MemoryStats, TierStats } from "../../../memory/tiered-memory.js";
export type { SubtaskOutput } from "../../../orchestrator/orchestrator.js";
export type { CostBreakdown } from "../../../pool/router/cost-model.js";
export type {
  JsonValue,
  RunSnapshot,
  RunState,
  RunSummary,
  StepRecord,
  StepState,
} from "../../../workflow/types.js";
