/**
 * Folds the lines of an admin pull's NDJSON stream (the gateway's /api/pull lines: Ollama's
 * progress with the node's name, then "success" or "failed: ..." per node, then a last line for
 * the whole pull) into per-node progress for the bars.
 */

export interface PullLine {
  node?: string;
  status?: string;
  digest?: string;
  completed?: number;
  total?: number;
  error?: string;
}

export interface NodePull {
  node: string;
  /** Ollama's latest status ("pulling manifest", "pulling 6a0746a1ec1a", "success", "failed: ..."). */
  status: string;
  /** Bytes done and to do over every layer seen so far. */
  completed: number;
  total: number;
  state: "pulling" | "done" | "failed";
}

export interface PullState {
  nodes: Record<string, NodePull>;
  /** Set once the stream's last line came: "done" or the overall error. */
  outcome: { state: "done" } | { state: "failed"; error: string } | undefined;
  /** Per node, per layer (status text), bytes completed and total. */
  layers: Record<string, Record<string, { completed: number; total: number }>>;
}

export const EMPTY_PULL: PullState = { nodes: {}, outcome: undefined, layers: {} };

export function startPull(nodes: readonly string[]): PullState {
  return {
    ...EMPTY_PULL,
    nodes: Object.fromEntries(
      nodes.map((node) => [
        node,
        { node, status: "waiting", completed: 0, total: 0, state: "pulling" as const },
      ]),
    ),
  };
}

export function applyPullLine(state: PullState, line: PullLine): PullState {
  if (line.node === undefined) {
    if (line.error !== undefined) return { ...state, outcome: { state: "failed", error: line.error } };
    if (line.status === "success") return { ...state, outcome: { state: "done" } };
    return state;
  }
  const status = line.status ?? (line.error === undefined ? "" : `failed: ${line.error}`);
  const layers = { ...(state.layers[line.node] ?? {}) };
  if (line.total !== undefined && line.total > 0) {
    layers[line.digest ?? status] = { completed: line.completed ?? 0, total: line.total };
  }
  let completed = 0;
  let total = 0;
  for (const layer of Object.values(layers)) {
    completed += layer.completed;
    total += layer.total;
  }
  const failed = status.startsWith("failed") || line.error !== undefined;
  const done = status === "success";
  const node: NodePull = {
    node: line.node,
    status,
    completed: done ? Math.max(completed, total) : completed,
    total,
    state: failed ? "failed" : done ? "done" : "pulling",
  };
  return {
    ...state,
    nodes: { ...state.nodes, [line.node]: node },
    layers: { ...state.layers, [line.node]: layers },
  };
}

/** 0..1 for a bar; a finished node is full even when Ollama reported no sizes (already present). */
export function pullFraction(node: NodePull): number {
  if (node.state === "done") return 1;
  return node.total > 0 ? Math.min(1, node.completed / node.total) : 0;
}
