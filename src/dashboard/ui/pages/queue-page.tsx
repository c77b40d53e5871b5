/** Queue: requests waiting per priority level, the oldest wait and the recent mean wait. */
import { useMemo, useState } from "preact/hooks";
import type uPlot from "uplot";
import type { HydraEventMap } from "../api/types.js";
import { Chart, type ChartLine } from "../components/chart.js";
import { Meter } from "../components/meter.js";
import { Notice } from "../components/notice.js";
import { formatCount, formatMs } from "../format.js";
import { cluster } from "../state/cluster.js";
import { queueHistory } from "../state/queue-history.js";
import { useStore } from "../state/store.js";
import { useEvents } from "../state/use-events.js";
import { TESTID } from "../testids.js";
import { Stat } from "./cluster-page.js";

const DEPTH_LINES: readonly ChartLine[] = [{ label: "waiting", colorVar: "--series-2" }];

export function QueuePage() {
  const { data } = useStore(cluster);
  const history = useStore(queueHistory);
  const depthData = useMemo((): uPlot.AlignedData => [history.times, history.depths], [history]);
  // Queue events come between snapshots: their depths are newer than the snapshot's.
  const [live, setLive] = useState<{ at: number; event: HydraEventMap["queue"] } | undefined>(undefined);
  useEvents(["queue"], (event) => setLive({ at: event.at, event: event.data as HydraEventMap["queue"] }));
  if (data === undefined) return <Notice>Loading the queue…</Notice>;
  const fresher = live !== undefined && live.at > data.at ? live.event : undefined;
  const depthOf = (priority: number, fallback: number) =>
    fresher?.levels.find((level) => level.priority === priority)?.depth ?? (fresher ? 0 : fallback);
  const depth = fresher?.depth ?? data.queue.depth;
  const oldest = Math.max(0, ...data.queue.levels.map((level) => level.oldestWaitMs));
  const maxDepth = Math.max(1, ...data.queue.levels.map((level) => depthOf(level.priority, level.depth)));
  return (
    <div class="stack">
      <div class="stats">
        <div class="stat" data-testid={TESTID.queueDepth} data-depth={depth}>
          <div class="stat-label">Waiting</div>
          <div class="stat-value num">
            {formatCount(depth)} <span class="muted small">/ {formatCount(data.queue.capacity)}</span>
          </div>
        </div>
        <Stat label="Oldest wait" value={formatMs(oldest)} tone={oldest > 5000 ? "warn" : undefined} />
        <Stat
          label="Admitted (last min)"
          value={formatCount(data.queue.levels.reduce((sum, level) => sum + level.recentAdmitted, 0))}
        />
      </div>
      <div class="card">
        <header class="card-head">
          <h3>Depth by priority</h3>
          <span class="muted small">higher runs first</span>
        </header>
        <div class="queue-levels">
          {data.queue.levels.map((level) => {
            const levelDepth = depthOf(level.priority, level.depth);
            return (
              <div
                key={level.priority}
                class="queue-level"
                data-testid={TESTID.queueLevel}
                data-priority={level.priority}
                data-depth={levelDepth}
              >
                <span class="queue-priority num">P{level.priority}</span>
                <Meter fraction={levelDepth / maxDepth} tone={levelDepth > 0 ? "warn" : "accent"} />
                <span class="num queue-count">{levelDepth}</span>
                <span class="num muted small queue-wait" title="oldest wait · mean wait (last minute)">
                  {levelDepth > 0 ? formatMs(level.oldestWaitMs) : "–"} · {formatMs(level.recentWaitMs)}
                </span>
              </div>
            );
          })}
        </div>
        <div class="muted small legend-line">
          count · oldest wait · mean wait of requests admitted in the last minute
        </div>
      </div>
      <Chart
        name="queue"
        title="Waiting requests"
        lines={DEPTH_LINES}
        data={depthData}
        format={formatCount}
        integer
        emptyText="Nothing has waited since this page opened"
      />
    </div>
  );
}
