/**
 * The placement rule of the gateway foundation, as a pure function: only healthy
 * nodes that have the model; nodes where it is already loaded first; then the least
 * loaded relative to the node's weight — a node that recently answered 429/503
 * carries a penalty that makes it look busier; ties are broken by a rotating offset
 * so that equal nodes share the traffic instead of the first one taking it all.
 */
export interface NodeSnapshot {
  name: string;
  healthy: boolean;
  hasModel: boolean;
  modelLoaded: boolean;
  inFlight: number;
  weight: number;
  /** 0 (none) to 1: recent overload answers from the node (health monitor). */
  penalty?: number;
}

export interface RankedNode {
  name: string;
  loaded: boolean;
  /** In-flight requests divided by the node's weight, raised by the overload penalty. */
  load: number;
  /** A short, human explanation of why the node is at this rank. */
  reason: string;
}

export function rankNodes(nodes: readonly NodeSnapshot[], rotation: number): RankedNode[] {
  const count = nodes.length;
  const eligible = nodes
    .map((node, index) => ({ node, order: count === 0 ? 0 : (((index - rotation) % count) + count) % count }))
    .filter(({ node }) => node.healthy && node.hasModel);
  eligible.sort(
    (a, b) =>
      Number(b.node.modelLoaded) - Number(a.node.modelLoaded) ||
      loadOf(a.node) - loadOf(b.node) ||
      a.order - b.order,
  );
  return eligible.map(({ node }) => ({
    name: node.name,
    loaded: node.modelLoaded,
    load: loadOf(node),
    reason: `${node.modelLoaded ? "model loaded" : "model not loaded"}, ${node.inFlight} in flight (weight ${node.weight})${node.penalty ? `, overload penalty ${node.penalty.toFixed(2)}` : ""}`,
  }));
}

function loadOf(node: NodeSnapshot): number {
  const penalty = node.penalty ?? 0;
  // An idle penalized node ranks behind an idle clean one; a busy one looks busier still.
  return (node.inFlight / Math.max(node.weight, Number.EPSILON)) * (1 + penalty) + penalty;
}
