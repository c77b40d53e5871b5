/** Routing: the active strategy and the latest placement decisions, each with its candidates' cost breakdown. */
import { useState } from "preact/hooks";
import type { RouteCandidateView } from "../api/types.js";
import { Notice } from "../components/notice.js";
import { formatClock, formatMs } from "../format.js";
import { cluster } from "../state/cluster.js";
import { MAX_DECISIONS, type RouteDecisionEvent, routeDecisions } from "../state/route-decisions.js";
import { useStore } from "../state/store.js";
import { TESTID } from "../testids.js";

export function RoutingPage() {
  const decisions = useStore(routeDecisions);
  const snapshot = useStore(cluster).data;
  const [open, setOpen] = useState<number | undefined>(undefined);
  return (
    <div class="stack">
      <div class="toolbar">
        <span class="muted">Strategy</span>
        <span class="chip chip-accent">{snapshot?.routing.strategy ?? "…"}</span>
        <span class="muted small">
          latest {decisions.length} of at most {MAX_DECISIONS} decisions, newest first · click one for its
          candidates
        </span>
      </div>
      {decisions.length === 0 ? (
        <Notice>No routing decisions yet: they appear here as requests arrive.</Notice>
      ) : (
        <div class="card table-card">
          <table class="table">
            <thead>
              <tr>
                <th>Time</th>
                <th>Model</th>
                <th>Chosen</th>
                <th class="hide-narrow">Runner-up</th>
                <th class="hide-narrow">Why</th>
              </tr>
            </thead>
            <tbody>
              {decisions.map((decision) => (
                <DecisionRows
                  key={decision.seq}
                  decision={decision}
                  open={open === decision.seq}
                  onToggle={() => setOpen(open === decision.seq ? undefined : decision.seq)}
                />
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function DecisionRows({
  decision,
  open,
  onToggle,
}: {
  decision: RouteDecisionEvent;
  open: boolean;
  onToggle: () => void;
}) {
  const { data } = decision;
  return (
    <>
      <tr
        class={`row-button${open ? " is-open" : ""}`}
        data-testid={TESTID.routeDecision}
        data-node={data.node}
        data-model={data.model}
        tabIndex={0}
        aria-expanded={open}
        onClick={onToggle}
        onKeyDown={(event) => {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            onToggle();
          }
        }}
      >
        <td class="num muted">{formatClock(decision.at)}</td>
        <td class="mono ellipsis">{data.model}</td>
        <td>
          <strong>{data.node}</strong>
        </td>
        <td class="hide-narrow muted">{data.runnerUp ?? "–"}</td>
        <td class="hide-narrow muted small ellipsis summary-cell" title={data.summary}>
          {data.summary}
        </td>
      </tr>
      {open && (
        <tr class="detail-row">
          <td colSpan={5}>
            <div class="muted small wrap">{data.summary}</div>
            <CandidateTable candidates={data.candidates} chosen={data.node} />
          </td>
        </tr>
      )}
    </>
  );
}

const FACTORS = [
  ["waitMs", "wait"],
  ["loadMs", "load"],
  ["prefillMs", "prefill"],
  ["decodeMs", "decode"],
  ["penaltyMs", "penalty"],
  ["bonusMs", "bonus"],
] as const;

function CandidateTable({ candidates, chosen }: { candidates: RouteCandidateView[]; chosen: string }) {
  if (candidates.length === 0)
    return <div class="muted small">No candidate estimates (strategy without a cost model).</div>;
  return (
    <div class="scroll-x">
      <table class="table table-compact" data-testid={TESTID.routeCandidates}>
        <thead>
          <tr>
            <th>Node</th>
            <th class="right">Estimate</th>
            {FACTORS.map(([, label]) => (
              <th key={label} class="right">
                {label}
              </th>
            ))}
            <th>Reason</th>
          </tr>
        </thead>
        <tbody>
          {candidates.map((candidate) => (
            <tr key={candidate.node} class={candidate.node === chosen ? "is-chosen" : ""}>
              <td>{candidate.node}</td>
              <td class="num right">
                <strong>{formatMs(candidate.estimatedMs)}</strong>
              </td>
              {FACTORS.map(([field, label]) => (
                <td key={label} class="num right muted">
                  {candidate.breakdown[field] === 0 ? "·" : formatMs(candidate.breakdown[field])}
                </td>
              ))}
              <td class="small muted wrap">{candidate.reason}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
