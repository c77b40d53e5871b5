/** Traffic: requests, errors, latency, TTFT and tokens/s over the last five minutes, for all traffic, a node or a model. */
import { useMemo, useState } from "preact/hooks";
import type { TrafficSnapshot } from "../api/types.js";
import { Chart, type ChartLine } from "../components/chart.js";
import { Notice } from "../components/notice.js";
import { formatCount, formatMs } from "../format.js";
import { usePolled } from "../state/use-polled.js";
import { TESTID } from "../testids.js";
import {
  alignedData,
  parseSelection,
  type SeriesField,
  selectionKey,
  selectSeries,
  seriesChoices,
} from "../traffic/series.js";
import { Stat } from "./cluster-page.js";

const WINDOW_S = 300;

interface ChartSpec {
  name: string;
  title: string;
  fields: readonly SeriesField[];
  lines: readonly ChartLine[];
  format: (value: number) => string;
}

const CHARTS: readonly ChartSpec[] = [
  {
    name: "requests",
    title: "Requests / s",
    fields: ["rps", "errorsPerS"],
    lines: [
      { label: "requests/s", colorVar: "--series-1" },
      { label: "errors/s", colorVar: "--bad" },
    ],
    format: formatCount,
  },
  {
    name: "latency",
    title: "Latency",
    fields: ["p50", "p95", "p99"],
    lines: [
      { label: "p50", colorVar: "--series-1", points: true },
      { label: "p95", colorVar: "--series-2", points: true },
      { label: "p99", colorVar: "--series-3", dashed: true, points: true },
    ],
    format: formatMs,
  },
  {
    name: "ttft",
    title: "Time to first token (p50)",
    fields: ["ttftP50"],
    lines: [{ label: "TTFT p50", colorVar: "--series-4", points: true }],
    format: formatMs,
  },
  {
    name: "tokens",
    title: "Tokens / s",
    fields: ["tokensPerS"],
    lines: [{ label: "tokens/s", colorVar: "--series-5" }],
    format: formatCount,
  },
];

export function TrafficPage() {
  const [key, setKey] = useState("all");
  const { data, error } = usePolled<TrafficSnapshot>(`/v1/hydra/traffic?window=${WINDOW_S}`, 1000);
  const selection = parseSelection(key);
  const series = selectSeries(data, selection);
  const choices = seriesChoices(data);
  const charts = useMemo(
    () =>
      data === undefined
        ? []
        : CHARTS.map((chart) => ({ chart, aligned: alignedData(data, series, chart.fields) })),
    [data, series],
  );
  return (
    <div class="stack">
      <div class="toolbar">
        <label class="field-inline">
          <span class="muted">Show</span>
          <select
            class="select"
            value={key}
            data-testid={TESTID.trafficSelect}
            onChange={(event) => setKey(event.currentTarget.value)}
          >
            <option value="all">All traffic</option>
            {choices.nodes.length > 0 && (
              <optgroup label="Node">
                {choices.nodes.map((name) => (
                  <option key={name} value={selectionKey({ kind: "node", name })}>
                    {name}
                  </option>
                ))}
              </optgroup>
            )}
            {choices.models.length > 0 && (
              <optgroup label="Model">
                {choices.models.map((name) => (
                  <option key={name} value={selectionKey({ kind: "model", name })}>
                    {name}
                  </option>
                ))}
              </optgroup>
            )}
          </select>
        </label>
        {data !== undefined && (
          <span class="muted small">
            last {Math.round((data.steps * data.stepMs) / 60_000)} min · {data.stepMs / 1000} s steps
          </span>
        )}
      </div>
      {error !== undefined && <Notice tone="bad">{error}</Notice>}
      {data === undefined ? (
        error === undefined && <Notice>Loading traffic…</Notice>
      ) : (
        <>
          <div class="stats">
            <Stat label="Requests (window)" value={formatCount(data.totals.requests)} />
            <Stat
              label="Errors (window)"
              value={formatCount(data.totals.errors)}
              tone={data.totals.errors > 0 ? "warn" : undefined}
            />
            <Stat label="Tokens (window)" value={formatCount(data.totals.completionTokens)} />
          </div>
          <div class="grid grid-charts">
            {charts.map(({ chart, aligned }) => (
              <Chart
                key={chart.name}
                name={chart.name}
                title={chart.title}
                lines={chart.lines}
                data={aligned}
                format={chart.format}
              />
            ))}
          </div>
        </>
      )}
    </div>
  );
}
