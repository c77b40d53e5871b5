/**
 * Which series of a traffic snapshot a chart shows (all traffic, one node, or one model), and
 * how the snapshot's arrays become uPlot's aligned data.
 */
import type { TrafficSeries, TrafficSnapshot } from "../api/types.js";

export type SeriesSelection =
  | { kind: "all" }
  | { kind: "node"; name: string }
  | { kind: "model"; name: string };

/** The selection as a <select> value: "all", "node:<name>", "model:<name>". */
export function selectionKey(selection: SeriesSelection): string {
  return selection.kind === "all" ? "all" : `${selection.kind}:${selection.name}`;
}

export function parseSelection(key: string): SeriesSelection {
  const colon = key.indexOf(":");
  const kind = key.slice(0, colon);
  const name = key.slice(colon + 1);
  if (colon > 0 && name !== "" && (kind === "node" || kind === "model")) return { kind, name };
  return { kind: "all" };
}

/** The nodes and models the snapshot has series for, sorted by name. */
export function seriesChoices(snapshot: TrafficSnapshot | undefined): { nodes: string[]; models: string[] } {
  if (snapshot === undefined) return { nodes: [], models: [] };
  return {
    nodes: Object.keys(snapshot.byNode).sort(),
    models: Object.keys(snapshot.byModel).sort(),
  };
}

/** The selected series, or undefined when the snapshot has none for it (a node without traffic). */
export function selectSeries(
  snapshot: TrafficSnapshot | undefined,
  selection: SeriesSelection,
): TrafficSeries | undefined {
  if (snapshot === undefined) return undefined;
  if (selection.kind === "all") return snapshot.all;
  const table = selection.kind === "node" ? snapshot.byNode : snapshot.byModel;
  return Object.hasOwn(table, selection.name) ? table[selection.name] : undefined;
}

/** Step start times in seconds since the epoch (uPlot's x axis unit). */
export function timeAxis(snapshot: TrafficSnapshot): number[] {
  const xs = new Array<number>(snapshot.steps);
  for (let i = 0; i < snapshot.steps; i++) xs[i] = (snapshot.start + i * snapshot.stepMs) / 1000;
  return xs;
}

export type SeriesField = keyof TrafficSeries;

/** uPlot's aligned data: the time axis, then one array per field (an empty series when absent). */
export function alignedData(
  snapshot: TrafficSnapshot,
  series: TrafficSeries | undefined,
  fields: readonly SeriesField[],
): [number[], ...(number | null)[][]] {
  const xs = timeAxis(snapshot);
  const empty = (): (number | null)[] => new Array<number | null>(xs.length).fill(null);
  return [xs, ...fields.map((field) => (series === undefined ? empty() : series[field].slice(0, xs.length)))];
}

/** How many steps have a value in any of the fields (a chart with 0 points shows "no traffic"). */
export function pointsWithData(data: readonly (readonly (number | null)[])[]): number {
  const [, ...ys] = data;
  const length = data[0]?.length ?? 0;
  let count = 0;
  for (let i = 0; i < length; i++) {
    if (ys.some((y) => y[i] !== null && y[i] !== undefined && y[i] !== 0)) count++;
  }
  return count;
}
