/** One node's card: health, load, memory, models with their learned speed, the agent's report. */
import { DrainButton } from "../admin/drain-button.js";
import type { NodeCard } from "../api/types.js";
import { Badge, HealthBadge, healthTone } from "../components/health-badge.js";
import { Meter } from "../components/meter.js";
import { formatAgo, formatBytes, formatCount, formatMb, formatPercent } from "../format.js";
import { adminKey } from "../state/credentials.js";
import { useStore } from "../state/store.js";
import { TESTID } from "../testids.js";

export function NodeCardView({ node }: { node: NodeCard }) {
  const admin = useStore(adminKey);
  const tone = healthTone(node.health);
  const vram = vramOf(node);
  const rates = new Map(node.rates.map((rate) => [rate.model, rate]));
  const models = [...node.models].sort(
    (a, b) => Number(b.loaded) - Number(a.loaded) || a.name.localeCompare(b.name),
  );
  return (
    <article
      class={`card node-card tone-${tone}${node.drained ? " is-drained" : ""}`}
      data-testid={TESTID.nodeCard}
      data-node={node.name}
      data-health={node.health}
      data-drained={String(node.drained)}
    >
      <header class="card-head">
        <div class="title-block">
          <h3 class="node-name">{node.name}</h3>
          <div class="muted small mono ellipsis" title={node.url}>
            {node.url}
          </div>
        </div>
        <div class="badges">
          <HealthBadge health={node.health} />
          {node.drained && <Badge tone="warn">drained</Badge>}
          {node.breaker !== "closed" && (
            <Badge tone={node.breaker === "open" ? "bad" : "warn"}>{`breaker ${node.breaker}`}</Badge>
          )}
        </div>
      </header>

      <div class="meters">
        <Meter
          fraction={node.slots.total > 0 ? node.slots.busy / node.slots.total : 0}
          label="Slots"
          detail={`${node.slots.busy} / ${node.slots.total} busy`}
          severity
        />
        {vram !== undefined && (
          <Meter
            fraction={vram.totalMb > 0 ? vram.usedMb / vram.totalMb : 0}
            label="VRAM"
            detail={`${formatMb(vram.usedMb)} used · ${formatMb(vram.totalMb - vram.usedMb)} free`}
            severity
            data-testid={TESTID.nodeVram}
            data-used-mb={Math.round(vram.usedMb)}
            data-total-mb={Math.round(vram.totalMb)}
          />
        )}
      </div>

      <dl class="kv">
        <div>
          <dt>In flight</dt>
          <dd class="num">{node.inFlight}</dd>
        </div>
        <div>
          <dt>Ejections</dt>
          <dd class="num">{node.ejections}</dd>
        </div>
        <div>
          <dt>Penalty</dt>
          <dd class="num">{formatPercent(node.penalty)}</dd>
        </div>
        <div>
          <dt>Seen</dt>
          <dd class="num">
            {node.lastSeenAt ? formatAgo(Date.parse(node.lastSeenAt), Date.now()) : "never"}
          </dd>
        </div>
      </dl>

      <div class="models">
        <div class="section-label">
          Models <span class="muted">({models.filter((m) => m.loaded).length} loaded)</span>
        </div>
        {models.length === 0 ? (
          <div class="muted small">none</div>
        ) : (
          <ul class="model-list">
            {models.map((model) => {
              const rate = rates.get(model.name);
              return (
                <li
                  key={model.name}
                  class={model.loaded ? "is-loaded" : ""}
                  title={model.loaded ? "loaded in memory" : "on disk"}
                >
                  <span class="dot" />
                  <span class="model-name ellipsis">{model.name}</span>
                  <span class="muted small num">{formatBytes(model.size)}</span>
                  <span class="num small rate">{rate ? `${formatCount(rate.decodeTps)} tok/s` : ""}</span>
                </li>
              );
            })}
          </ul>
        )}
      </div>

      {node.agent !== null && <AgentReport agent={node.agent} />}

      {node.lastError !== null && (
        <div class="last-error" title={node.lastError}>
          <span class="section-label">Last error</span>
          <span class="error-text">{node.lastError}</span>
        </div>
      )}

      <footer class="card-foot">
        <span class="muted small">
          {node.source}
          {node.version ? ` · Ollama ${node.version}` : ""}
          {node.tags.length > 0 ? ` · ${node.tags.join(", ")}` : ""}
        </span>
        {admin !== "" && <DrainButton node={node.name} drained={node.drained} />}
      </footer>
    </article>
  );
}

function AgentReport({ agent }: { agent: NonNullable<NodeCard["agent"]> }) {
  const { system, gpus } = agent;
  const memUsed = system.memTotalMb - system.memFreeMb;
  return (
    <div class="agent">
      <div class="section-label">Agent · {system.hostname}</div>
      <div class="meters">
        <Meter
          fraction={system.cpuPercent / 100}
          label="CPU"
          detail={`${Math.round(system.cpuPercent)} % of ${system.cpuCount}`}
          severity
        />
        <Meter
          fraction={system.memTotalMb > 0 ? memUsed / system.memTotalMb : 0}
          label="Memory"
          detail={`${formatMb(memUsed)} / ${formatMb(system.memTotalMb)}`}
          severity
        />
        {gpus.map((gpu) => (
          <Meter
            key={gpu.index}
            fraction={(gpu.utilizationPct ?? 0) / 100}
            label={`GPU ${gpu.index}`}
            detail={`${gpu.utilizationPct === null ? "–" : `${Math.round(gpu.utilizationPct)} %`}${gpu.temperatureC === null ? "" : ` · ${Math.round(gpu.temperatureC)} °C`}`}
            severity
            title={gpu.name}
          />
        ))}
      </div>
    </div>
  );
}

/** VRAM used and total in MiB, from the node's resources or its agent's GPUs; undefined when unknown. */
function vramOf(node: NodeCard): { usedMb: number; totalMb: number } | undefined {
  const total = node.resources?.vramTotalMb;
  const free = node.resources?.vramFreeMb;
  if (typeof total === "number" && typeof free === "number" && total > 0)
    return { usedMb: total - free, totalMb: total };
  const gpus = node.agent?.gpus ?? [];
  let totalMb = 0;
  let freeMb = 0;
  for (const gpu of gpus) {
    totalMb += gpu.vramTotalMb ?? 0;
    freeMb += gpu.vramFreeMb ?? 0;
  }
  return totalMb > 0 ? { usedMb: totalMb - freeMb, totalMb } : undefined;
}
