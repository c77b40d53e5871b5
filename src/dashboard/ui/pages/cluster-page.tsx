/** Cluster: a summary strip and one card per node, refreshed every second and on node events. */
import { Notice } from "../components/notice.js";
import { formatCount, formatMs } from "../format.js";
import { cluster } from "../state/cluster.js";
import { useStore } from "../state/store.js";
import { NodeCardView } from "./node-card.js";

export function ClusterPage() {
  const { data, error } = useStore(cluster);
  if (data === undefined) {
    return error ? <Notice tone="bad">{error}</Notice> : <Notice>Loading the cluster…</Notice>;
  }
  const up = data.nodes.filter((node) => node.health === "up").length;
  const busy = data.nodes.reduce((sum, node) => sum + node.slots.busy, 0);
  const slots = data.nodes.reduce((sum, node) => sum + node.slots.total, 0);
  const inFlight = data.nodes.reduce((sum, node) => sum + node.inFlight, 0);
  return (
    <div class="stack">
      {error !== undefined && <Notice tone="bad">Refresh failed: {error} (showing the last snapshot)</Notice>}
      <div class="stats">
        <Stat
          label="Nodes up"
          value={`${up} / ${data.nodes.length}`}
          tone={up < data.nodes.length ? "warn" : undefined}
        />
        <Stat label="Slots busy" value={`${busy} / ${slots}`} />
        <Stat label="In flight" value={formatCount(inFlight)} />
        <Stat
          label="Queued"
          value={formatCount(data.queue.depth)}
          tone={data.queue.depth > 0 ? "warn" : undefined}
        />
        <Stat label="Models" value={formatCount(data.models.length)} />
        <Stat label="Uptime" value={formatMs(data.uptimeS * 1000)} />
      </div>
      {data.nodes.length === 0 ? (
        <Notice>No nodes yet: add some with --node URL, HYDRA_NODES, discovery or agents.</Notice>
      ) : (
        <div class="grid grid-cards">
          {data.nodes.map((node) => (
            <NodeCardView key={node.name} node={node} />
          ))}
        </div>
      )}
    </div>
  );
}

export function Stat({
  label,
  value,
  tone,
}: {
  label: string;
  value: string;
  tone?: "warn" | "bad" | undefined;
}) {
  return (
    <div class={`stat${tone ? ` stat-${tone}` : ""}`}>
      <div class="stat-label">{label}</div>
      <div class="stat-value num">{value}</div>
    </div>
  );
}
