import { describe, expect, it } from "vitest";
import { ARC_BAND, assignLayers, DEFAULT_DAG_SIZES, layoutDag } from "./dag-layout.js";

describe("assignLayers", () => {
  it("puts each step one layer after its deepest dependency", () => {
    const layers = assignLayers([
      { id: "a", dependsOn: [] },
      { id: "b", dependsOn: ["a"] },
      { id: "c", dependsOn: [] },
      { id: "d", dependsOn: ["b", "c"] },
    ]);
    expect(Object.fromEntries(layers)).toEqual({ a: 0, b: 1, c: 0, d: 2 });
  });

  it("ignores dependencies on unknown steps", () => {
    expect(Object.fromEntries(assignLayers([{ id: "a", dependsOn: ["ghost"] }]))).toEqual({ a: 0 });
  });

  it("leaves steps in or behind a cycle unplaced instead of looping", () => {
    const layers = assignLayers([
      { id: "a", dependsOn: [] },
      { id: "b", dependsOn: ["c"] },
      { id: "c", dependsOn: ["b"] },
      { id: "d", dependsOn: ["c"] },
    ]);
    expect(Object.fromEntries(layers)).toEqual({ a: 0, b: undefined, c: undefined, d: undefined });
  });
});

describe("layoutDag", () => {
  it("lays a diamond out in three columns with the middle two stacked", () => {
    const layout = layoutDag([
      { id: "s1", dependsOn: [] },
      { id: "s2", dependsOn: ["s1"] },
      { id: "s3", dependsOn: ["s1"] },
      { id: "s4", dependsOn: ["s2", "s3"] },
    ]);
    expect(layout.layers).toEqual([["s1"], ["s2", "s3"], ["s4"]]);
    const { boxWidth, boxHeight, gapX, gapY } = DEFAULT_DAG_SIZES;
    expect(layout.width).toBe(3 * boxWidth + 2 * gapX);
    expect(layout.height).toBe(2 * boxHeight + gapY);
    const s1 = layout.boxes.find((box) => box.id === "s1")!;
    // A single box is centred in the column.
    expect(s1.y).toBe((boxHeight + gapY) / 2);
    expect(layout.edges.map((edge) => `${edge.from}>${edge.to}`)).toEqual([
      "s1>s2",
      "s1>s3",
      "s2>s4",
      "s3>s4",
    ]);
    expect(layout.edges[0]?.path.startsWith(`M${boxWidth} `)).toBe(true);
  });

  it("arcs an edge that skips a layer over the boxes between, in a band kept free above them", () => {
    const layout = layoutDag([
      { id: "s1", dependsOn: [] },
      { id: "s2", dependsOn: ["s1"] },
      { id: "s3", dependsOn: ["s1", "s2"] },
    ]);
    const { boxWidth, boxHeight } = DEFAULT_DAG_SIZES;
    expect(layout.height).toBe(boxHeight + ARC_BAND);
    expect(layout.boxes.every((box) => box.y === ARC_BAND)).toBe(true);
    const long = layout.edges.find((edge) => edge.from === "s1" && edge.to === "s3")!;
    // From the top middle of s1 to the top middle of s3, the control points above the band.
    const numbers = long.path.match(/-?\d+(\.\d+)?/g)!.map(Number);
    expect(numbers.slice(0, 2)).toEqual([boxWidth / 2, ARC_BAND]);
    expect(numbers.slice(-2)).toEqual([
      layout.boxes.find((box) => box.id === "s3")!.x + boxWidth / 2,
      ARC_BAND,
    ]);
    // The cubic's peak, 3/4 of the way from the ends to its control points, is the band's top.
    expect(ARC_BAND + 0.75 * (numbers[3]! - ARC_BAND)).toBeCloseTo(0);
    // A chain without skips keeps no band.
    expect(
      layoutDag([
        { id: "a", dependsOn: [] },
        { id: "b", dependsOn: ["a"] },
      ]).height,
    ).toBe(boxHeight);
  });

  it("orders a layer by the rows of the dependencies, keeping the given order on ties", () => {
    const layout = layoutDag([
      { id: "a", dependsOn: [] },
      { id: "b", dependsOn: [] },
      { id: "from-b", dependsOn: ["b"] },
      { id: "from-a", dependsOn: ["a"] },
      { id: "also-a", dependsOn: ["a"] },
    ]);
    expect(layout.layers[1]).toEqual(["from-a", "also-a", "from-b"]);
  });

  it("puts cyclic steps in one last layer and marks them", () => {
    const layout = layoutDag([
      { id: "a", dependsOn: [] },
      { id: "x", dependsOn: ["y"] },
      { id: "y", dependsOn: ["x", "a"] },
    ]);
    expect(layout.layers).toEqual([["a"], ["y", "x"]]);
    expect(layout.boxes.filter((box) => box.cyclic).map((box) => box.id)).toEqual(["y", "x"]);
  });

  it("copes with no steps and with duplicate ids", () => {
    expect(layoutDag([])).toMatchObject({ boxes: [], edges: [], width: 0, height: 0 });
    expect(
      layoutDag([
        { id: "a", dependsOn: [] },
        { id: "a", dependsOn: [] },
      ]).boxes,
    ).toHaveLength(1);
  });
});
