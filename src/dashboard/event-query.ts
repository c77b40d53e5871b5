/**
 * What the dashboard asks of the event stream: the types it draws, with the per-request ones
 * sampled (a list of the latest 200 route decisions needs no more than a few dozen a second).
 * Shared with bench:dashboard, which measures fifty dashboards' cost with exactly this query.
 */
const DASHBOARD_EVENT_TYPES = [
  "route.decision",
  "node.health",
  "node.added",
  "node.removed",
  "node.stale",
  "node.drained",
  "routing.strategy",
  "queue",
  "orchestration",
] as const;

/** Route decisions per second the dashboard receives at most. */
const DASHBOARD_EVENT_RATE = 20;

export const DASHBOARD_EVENT_QUERY = `types=${DASHBOARD_EVENT_TYPES.join(",")}&rate=${DASHBOARD_EVENT_RATE}`;
