/**
 * A uPlot time-series chart that fills its container: it follows the container's width
 * (ResizeObserver) and the theme (recreated with the new colours), and marks how many steps
 * have data (`data-points`) for the tests.
 */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { formatClock } from "../format.js";
import { useStore } from "../state/store.js";
import { theme } from "../state/theme.js";
import { TESTID } from "../testids.js";
import { pointsWithData } from "../traffic/series.js";

export interface ChartLine {
  label: string;
  /** A CSS custom property holding the colour, e.g. "--series-1". */
  colorVar: string;
  dashed?: boolean;
  /** Draw a dot per value: for series with gaps (percentiles), where a lone value has no line. */
  points?: boolean;
}

export interface ChartProps {
  /** `data-chart` value, e.g. "latency". */
  name: string;
  title: string;
  lines: readonly ChartLine[];
  data: uPlot.AlignedData;
  format: (value: number) => string;
  height?: number;
  /** Whole numbers only on the y axis (counts). */
  integer?: boolean;
  /** Shown over the chart while no step has data. */
  emptyText?: string;
}

export function Chart({
  name,
  title,
  lines,
  data,
  format,
  height = 180,
  integer = false,
  emptyText = "No traffic in this window",
}: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const latest = useRef(data);
  latest.current = data;
  const currentTheme = useStore(theme);
  const points = pointsWithData(data as readonly (readonly (number | null)[])[]);

  // Recreated only when the look changes (theme, lines, height); new data flows through setData below.
  useEffect(() => {
    const target = box.current;
    if (target === null) return;
    const instance = new uPlot(
      options(lines, format, target.clientWidth, height, integer),
      latest.current,
      target,
    );
    plot.current = instance;
    const observer = new ResizeObserver(() => {
      const width = target.clientWidth;
      if (width > 0 && width !== instance.width) instance.setSize({ width, height });
    });
    observer.observe(target);
    return () => {
      observer.disconnect();
      instance.destroy();
      plot.current = undefined;
    };
  }, [currentTheme, lines, height, integer]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return (
    <section class="card chart-card" data-testid={TESTID.chart} data-chart={name} data-points={points}>
      <header class="card-head">
        <h3>{title}</h3>
      </header>
      <div class="chart-body">
        <div ref={box} class="chart-plot" />
        {points === 0 && <div class="chart-empty">{emptyText}</div>}
      </div>
    </section>
  );
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#888";
}

function options(
  lines: readonly ChartLine[],
  format: (value: number) => string,
  width: number,
  height: number,
  integer: boolean,
): uPlot.Options {
  const axisColor = cssVar("--text-muted");
  const gridColor = cssVar("--grid");
  const axis: uPlot.Axis = {
    stroke: axisColor,
    grid: { stroke: gridColor, width: 1 },
    ticks: { stroke: gridColor, width: 1, size: 4 },
    font: "11px system-ui, sans-serif",
  };
  return {
    width: Math.max(width, 100),
    height,
    padding: [8, 8, 0, 0],
    cursor: { drag: { x: false, y: false }, points: { size: 6 } },
    legend: { live: true },
    scales: {
      // At least a minute wide, so that a few first samples do not get sub-second ticks.
      x: { time: true, range: (_u, min, max) => [Math.min(min, max - 60), max] },
      y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] },
    },
    axes: [
      {
        ...axis,
        space: 70,
        size: 32,
        // 24-hour clock; seconds only when ticks are less than a minute apart.
        values: (_u, ticks, _axis, _space, increment) =>
          ticks.map((t) => (increment >= 60 ? formatClock(t * 1000).slice(0, 5) : formatClock(t * 1000))),
      },
      {
        ...axis,
        size: 60,
        values: (_u, values) => values.map((v) => format(v)),
        ...(integer ? { incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000] } : {}),
      },
    ],
    series: [
      { label: "time", value: (_u, t) => (t === null || t === undefined ? "–" : formatClock(t * 1000)) },
      ...lines.map(
        (line): uPlot.Series => ({
          label: line.label,
          stroke: cssVar(line.colorVar),
          width: 1.5,
          points: line.points
            ? { show: true, size: 3, width: 1, fill: cssVar(line.colorVar) }
            : { show: false },
          ...(line.dashed ? { dash: [4, 4] } : {}),
          value: (_u, v) => (v === null || v === undefined ? "–" : format(v)),
        }),
      ),
    ],
  };
}
