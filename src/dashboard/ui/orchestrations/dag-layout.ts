/**
 * A layered layout of a step DAG for the run picture, left to right: a step's layer is one more
 * than the deepest of its dependencies; within a layer steps are ordered by the mean position of
 * their dependencies (fewer crossing edges), ties kept in the given order. Pure, so it is tested
 * alone. Dependencies on unknown steps are ignored; steps caught in a cycle (which the engine
 * refuses, but a picture must never hang on) go to one extra layer, marked `cyclic`. An edge that
 * skips layers arcs over the boxes between (a band is kept free above them), never through them.
 */

export interface DagStepInput {
  id: string;
  dependsOn: readonly string[];
}

export interface DagBox {
  id: string;
  layer: number;
  /** Position within its layer, from the top. */
  row: number;
  x: number;
  y: number;
  cyclic: boolean;
}

export interface DagEdge {
  from: string;
  to: string;
  /** SVG path data from the right edge of `from` to the left edge of `to`. */
  path: string;
}

export interface DagLayout {
  boxes: DagBox[];
  edges: DagEdge[];
  /** Step ids per layer, top to bottom. */
  layers: string[][];
  width: number;
  height: number;
}

export interface DagSizes {
  boxWidth: number;
  boxHeight: number;
  gapX: number;
  gapY: number;
}

export const DEFAULT_DAG_SIZES: DagSizes = { boxWidth: 200, boxHeight: 76, gapX: 56, gapY: 20 };

/** Height of the band above the boxes that edges skipping layers arc through. */
export const ARC_BAND = 28;

/** Each step's layer; steps that cannot be placed (in or behind a cycle) get `undefined`. */
export function assignLayers(steps: readonly DagStepInput[]): Map<string, number | undefined> {
  const known = new Set(steps.map((step) => step.id));
  const deps = new Map(steps.map((step) => [step.id, unique(step.dependsOn.filter((d) => known.has(d)))]));
  const dependents = new Map<string, string[]>(steps.map((step) => [step.id, []]));
  for (const [id, list] of deps) for (const dep of list) dependents.get(dep)?.push(id);
  const remaining = new Map([...deps].map(([id, list]) => [id, list.length]));
  const layer = new Map<string, number | undefined>(steps.map((step) => [step.id, undefined]));
  const ready = steps.filter((step) => remaining.get(step.id) === 0).map((step) => step.id);
  while (ready.length > 0) {
    const id = ready.shift()!;
    const depLayers = (deps.get(id) ?? []).map((dep) => layer.get(dep) ?? 0);
    layer.set(id, depLayers.length === 0 ? 0 : Math.max(...depLayers) + 1);
    for (const next of dependents.get(id) ?? []) {
      const left = (remaining.get(next) ?? 0) - 1;
      remaining.set(next, left);
      if (left === 0) ready.push(next);
    }
  }
  return layer;
}

export function layoutDag(steps: readonly DagStepInput[], sizes: DagSizes = DEFAULT_DAG_SIZES): DagLayout {
  const ids = unique(steps.map((step) => step.id));
  const byId = new Map(steps.map((step) => [step.id, step]));
  const layerOf = assignLayers(ids.map((id) => byId.get(id)!));
  const placed = [...layerOf.values()].filter((l): l is number => l !== undefined);
  const cycleLayer = placed.length === 0 ? 0 : Math.max(...placed) + 1;
  const layers: string[][] = [];
  for (const id of ids) {
    const l = layerOf.get(id) ?? cycleLayer;
    const layer = layers[l] ?? [];
    layers[l] = layer;
    layer.push(id);
  }
  const compact = layers.filter((layer) => layer !== undefined);
  const row = new Map<string, number>();
  compact.forEach((layer, index) => {
    if (index > 0) {
      const order = new Map(layer.map((id, i) => [id, i]));
      const weight = (id: string): number => {
        const rows = (byId.get(id)?.dependsOn ?? [])
          .map((dep) => row.get(dep))
          .filter((r) => r !== undefined);
        return rows.length === 0 ? Number.POSITIVE_INFINITY : rows.reduce((a, b) => a + b, 0) / rows.length;
      };
      layer.sort((a, b) => weight(a) - weight(b) || (order.get(a) ?? 0) - (order.get(b) ?? 0));
    }
    for (const [i, id] of layer.entries()) row.set(id, i);
  });

  const tallest = Math.max(0, ...compact.map((layer) => layer.length));
  const columnHeight = (n: number) => n * sizes.boxHeight + Math.max(0, n - 1) * sizes.gapY;
  const layerIndex = new Map(compact.flatMap((layer, l) => layer.map((id) => [id, l] as const)));
  const skipsLayers = ids.some((id) =>
    (byId.get(id)?.dependsOn ?? []).some((dep) => (layerIndex.get(id) ?? 0) - (layerIndex.get(dep) ?? 0) > 1),
  );
  const band = skipsLayers ? ARC_BAND : 0;
  const height = columnHeight(tallest) + band;
  const boxes: DagBox[] = [];
  compact.forEach((layer, l) => {
    const offset = band + (height - band - columnHeight(layer.length)) / 2;
    layer.forEach((id, r) => {
      boxes.push({
        id,
        layer: l,
        row: r,
        x: l * (sizes.boxWidth + sizes.gapX),
        y: offset + r * (sizes.boxHeight + sizes.gapY),
        cyclic: layerOf.get(id) === undefined,
      });
    });
  });
  const boxOf = new Map(boxes.map((box) => [box.id, box]));
  const edges: DagEdge[] = [];
  for (const id of ids) {
    const to = boxOf.get(id)!;
    for (const dep of unique(byId.get(id)?.dependsOn ?? [])) {
      const from = boxOf.get(dep);
      if (from === undefined) continue;
      edges.push({ from: dep, to: id, path: edgePath(from, to, sizes) });
    }
  }
  const width = compact.length * sizes.boxWidth + Math.max(0, compact.length - 1) * sizes.gapX;
  return { boxes, edges, layers: compact, width, height };
}

/**
 * A smooth curve from the middle of one box's right side to the middle of the next one's left
 * side; an edge that skips layers goes from top to top, arcing through the band above the boxes.
 */
function edgePath(from: DagBox, to: DagBox, sizes: DagSizes): string {
  if (to.layer - from.layer > 1) {
    const x1 = from.x + sizes.boxWidth / 2;
    const x2 = to.x + sizes.boxWidth / 2;
    // Control points this high put the curve's peak at the top of the band.
    const control = Math.min(from.y, to.y) - (Math.min(from.y, to.y) * 4) / 3;
    return `M${x1} ${from.y} C${x1} ${control} ${x2} ${control} ${x2} ${to.y}`;
  }
  const x1 = from.x + sizes.boxWidth;
  const y1 = from.y + sizes.boxHeight / 2;
  const x2 = to.x;
  const y2 = to.y + sizes.boxHeight / 2;
  // A backward edge (only inside a cycle) still gets a visible curve.
  const bend = Math.max(24, Math.abs(x2 - x1) / 2);
  return `M${x1} ${y1} C${x1 + bend} ${y1} ${x2 - bend} ${y2} ${x2} ${y2}`;
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
