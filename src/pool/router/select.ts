/**
 * The placement rule of the gateway foundation, as a pure function: only healthy
 * nodes that have the model; nodes where it is already loaded first; then the least
 * loaded relative to the node's weight; ties are broken by a rotating offset so
 * that equal nodes share the traffic instead of the first one taking it all.
 */
export interface NodeSnapshot {
  name: string;
  healthy: boolean;
  hasModel: boolean;
  modelLoaded: boolean;
  inFlight: number;
  weight: number;
}

export interface RankedNode {
  name: string;
  loaded: boolean;
  /** In-flight requests divided by the node's weight. */
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
    reason: `${node.modelLoaded ? "model loaded" : "model not loaded"}, ${node.inFlight} in flight (weight ${node.weight})`,
  }));
}

function loadOf(node: NodeSnapshot): number {
  return node.inFlight / Math.max(node.weight, Number.EPSILON);
}
