/**
 * The `data-testid` values the end-to-end tests select by. They are a contract: rename one only
 * together with the tests. Extra attributes named in the comments carry the state to assert on.
 */
export const TESTID = {
  // Shell
  /** A tab button; `data-tab` = cluster | traffic | routing | queue | orchestrations | memory | playground | admin, `aria-current="page"` on the open one. */
  tab: "tab",
  /** The event-stream indicator in the header; `data-state` = connecting | open | reconnecting | unauthorized. */
  streamStatus: "stream-status",
  /** The dark/light switch in the header; `data-theme` = the theme now shown. */
  themeToggle: "theme-toggle",
  /** The gateway version in the header. */
  gatewayVersion: "gateway-version",
  /** The active routing strategy in the header. */
  headerStrategy: "header-strategy",
  /** The API key prompt shown after a 401; holds the input and its save button. */
  apiKeyDialog: "api-key-dialog",
  /** The API key input in that prompt. */
  apiKeyInput: "api-key-input",
  /** The prompt's save button. */
  apiKeySave: "api-key-save",

  // Cluster
  /** One node's card; `data-node` = its name, `data-health` = up | degraded | ejected | probing | stale | unknown, `data-drained` = true | false. */
  nodeCard: "node-card",
  /** The health badge inside a node card. */
  nodeHealth: "node-health",
  /** The VRAM bar of a node card (only with an agent's report); `data-used-mb`, `data-total-mb`. */
  nodeVram: "node-vram",
  /** Drain button on a node card or the admin page; `data-node`. Shown with an admin key stored. */
  drainButton: "drain-button",
  /** Undrain button on a node card or the admin page; `data-node`. */
  undrainButton: "undrain-button",

  // Traffic
  /** The all / node / model selector of the traffic charts. */
  trafficSelect: "traffic-select",
  /** A chart's container; `data-chart` = requests | latency | ttft | tokens (Traffic) or queue (Queue), `data-points` = steps with data. */
  chart: "chart",

  // Routing
  /** A route.decision row; `data-node` = chosen node, `data-model`. Click to expand. */
  routeDecision: "route-decision",
  /** The candidate table of an expanded decision. */
  routeCandidates: "route-candidates",

  // Queue
  /** One priority level's bar; `data-priority`, `data-depth`. */
  queueLevel: "queue-level",
  /** The total queue depth figure; `data-depth`. */
  queueDepth: "queue-depth",

  // Orchestrations
  /** A run in the list; `data-run` = its id, `data-state` = running | succeeded | failed | cancelled. */
  runRow: "run-row",
  /** The open run's DAG picture (SVG). */
  runDag: "run-dag",
  /** A step box in the DAG; `data-step` = its id, `data-state` = pending | running | succeeded | failed | cancelled | skipped. */
  dagStep: "dag-step",
  /** The open step's detail panel (models, nodes, candidates, synthesis). */
  stepDetail: "step-detail",

  // Memory
  /** The tier statistics table. */
  memoryStats: "memory-stats",
  /** The search form (input + button); `data-state` = idle | searching | done | error. */
  memorySearch: "memory-search",
  /** The search text input. */
  memorySearchInput: "memory-search-input",
  /** One search result; `data-score`. */
  memoryResult: "memory-result",
  /** A memory error message (search without an embedding model, memory off). */
  memoryError: "memory-error",

  // Playground
  /** The model select (node models plus "hydra", the orchestrator). */
  playgroundModel: "playground-model",
  /** The prompt input. */
  playgroundInput: "playground-input",
  /** The send button. */
  playgroundSend: "playground-send",
  /** The stop button (while streaming). */
  playgroundStop: "playground-stop",
  /** The answer; `data-state` = idle | streaming | done | error. */
  playgroundOutput: "playground-output",
  /** The collapsible reasoning ("thinking") area. */
  playgroundThinking: "playground-thinking",
  /** TTFT and tokens/s of the last answer. */
  playgroundStats: "playground-stats",

  // Admin
  /** The admin key input. */
  adminKeyInput: "admin-key-input",
  /** The pull form (model input, node checkboxes, submit). */
  pullForm: "pull-form",
  /** The model name input of the pull form. */
  pullModel: "pull-model",
  /** One node's checkbox in the pull form; `data-node`. */
  pullNode: "pull-node",
  /** The pull form's submit button. */
  pullSubmit: "pull-submit",
  /** One node's pull progress bar; `data-node`, `data-state` = pulling | done | failed, `data-progress` = 0..1. */
  pullProgress: "pull-progress",
  /** The routing strategy select. */
  strategySelect: "strategy-select",
  /** An admin action's error or confirmation. */
  adminMessage: "admin-message",
} as const;

export type TestId = (typeof TESTID)[keyof typeof TESTID];
