/**
 * Orchestrations: the latest runs, and the open one (`#/orchestrations/<id>`) as a DAG with each
 * step's models, nodes, timing, candidates and synthesis. Both follow `orchestration` events.
 */
import { useEffect, useMemo, useState } from "preact/hooks";
import type { RunSnapshot, RunState, RunSummary } from "../api/types.js";
import { Badge } from "../components/health-badge.js";
import { Notice } from "../components/notice.js";
import { formatAgo, formatMs, formatPercent } from "../format.js";
import { RunDag } from "../orchestrations/run-dag.js";
import { runPrompt, type StepView, stepViews } from "../orchestrations/run-view.js";
import { hashOf, route } from "../state/hash-route.js";
import { useStore } from "../state/store.js";
import { debounce, useEvents } from "../state/use-events.js";
import { usePolled } from "../state/use-polled.js";
import { TESTID } from "../testids.js";

const RUN_TONE: Record<RunState, "ok" | "warn" | "bad" | "info"> = {
  running: "info",
  succeeded: "ok",
  failed: "bad",
  cancelled: "warn",
};

export function OrchestrationsPage() {
  const { rest } = useStore(route);
  const openId = rest[0];
  const list = usePolled<{ runs: RunSummary[] }>("/v1/hydra/runs?limit=50", 5000);
  const run = usePolled<RunSnapshot>(
    openId ? `/v1/hydra/runs/${encodeURIComponent(openId)}` : undefined,
    undefined,
  );
  const refreshList = useMemo(() => debounce(list.refresh, 300), [list.refresh]);
  const refreshRun = useMemo(() => debounce(run.refresh, 200), [run.refresh]);
  useEvents(["orchestration"], (event) => {
    refreshList();
    if ((event.data as { runId: string }).runId === openId) refreshRun();
  });
  const runs = list.data?.runs ?? [];
  return (
    <div class="split">
      <section class="card run-list">
        <header class="card-head">
          <h3>Runs</h3>
          <span class="muted small">{runs.length} latest</span>
        </header>
        {list.error !== undefined && <Notice tone="bad">{list.error}</Notice>}
        {list.data !== undefined && runs.length === 0 && (
          <Notice>No orchestrations yet. Ask the model "hydra" in the Playground to start one.</Notice>
        )}
        <ul class="list">
          {runs.map((summary) => (
            <li key={summary.id}>
              <a
                href={hashOf("orchestrations", summary.id)}
                class={`list-row${summary.id === openId ? " is-selected" : ""}`}
                data-testid={TESTID.runRow}
                data-run={summary.id}
                data-state={summary.state}
              >
                <span class="ellipsis mono small">{summary.id}</span>
                <Badge tone={RUN_TONE[summary.state]}>{summary.state}</Badge>
                <span class="muted small num">
                  {summary.name} · {formatAgo(summary.createdAt, Date.now())}
                  {summary.finishedAt !== undefined
                    ? ` · ${formatMs(summary.finishedAt - summary.createdAt)}`
                    : ""}
                </span>
              </a>
            </li>
          ))}
        </ul>
      </section>
      <section class="run-detail">
        {openId === undefined ? (
          <Notice>Choose a run to see its steps.</Notice>
        ) : run.error !== undefined && run.data === undefined ? (
          <Notice tone="bad">{run.error}</Notice>
        ) : run.data === undefined ? (
          <Notice>Loading run {openId}…</Notice>
        ) : (
          <RunView run={run.data} />
        )}
      </section>
    </div>
  );
}

function RunView({ run }: { run: RunSnapshot }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (run.state !== "running") return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [run.state]);
  const steps = stepViews(run, run.state === "running" ? now : run.updatedAt);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const step = steps.find((s) => s.id === selected) ?? steps.find((s) => s.state === "running") ?? steps[0];
  const prompt = runPrompt(run);
  return (
    <div class="stack">
      <div class="card">
        <header class="card-head">
          <div class="title-block">
            <h3 class="mono">{run.id}</h3>
            {prompt !== undefined && <div class="muted small clamp-2">{prompt}</div>}
          </div>
          <Badge tone={RUN_TONE[run.state]}>{run.state}</Badge>
        </header>
        <div class="muted small">
          {steps.length} {steps.length === 1 ? "step" : "steps"} · started{" "}
          {formatAgo(run.createdAt, Date.now())}
          {run.finishedAt !== undefined ? ` · took ${formatMs(run.finishedAt - run.createdAt)}` : ""}
        </div>
        {run.error !== undefined && <div class="error-text">{run.error.message}</div>}
        <RunDag steps={steps} selected={step?.id} onSelect={setSelected} />
      </div>
      {step !== undefined && <StepDetail step={step} />}
    </div>
  );
}

function StepDetail({ step }: { step: StepView }) {
  return (
    <div class="card" data-testid={TESTID.stepDetail} data-step={step.id}>
      <header class="card-head">
        <div class="title-block">
          <h3>
            Step {step.id}
            {step.type ? <span class="muted"> · {step.type}</span> : null}
          </h3>
          {step.description !== undefined && <div class="muted small">{step.description}</div>}
        </div>
        <span class={`chip state-chip state-${step.state}`}>{step.state}</span>
      </header>
      <dl class="kv">
        <div>
          <dt>Duration</dt>
          <dd class="num">{formatMs(step.durationMs)}</dd>
        </div>
        <div>
          <dt>Attempt</dt>
          <dd class="num">
            {step.attempt}
            {step.cached ? " (cached)" : ""}
          </dd>
        </div>
        <div>
          <dt>Synthesis</dt>
          <dd>{step.strategy ?? "–"}</dd>
        </div>
        <div>
          <dt>Confidence</dt>
          <dd class="num">{formatPercent(step.confidence)}</dd>
        </div>
      </dl>
      {step.models.length > 0 && (
        <div class="chips">
          {step.models.map((model) => (
            <span key={model} class={`chip${step.chosen?.model === model ? " chip-accent" : ""}`}>
              {model}
            </span>
          ))}
        </div>
      )}
      {step.error !== undefined && <div class="error-text">{step.error}</div>}
      {step.candidates.length > 0 && (
        <div class="scroll-x">
          <table class="table table-compact">
            <thead>
              <tr>
                <th>Model</th>
                <th>Node</th>
                <th class="right">Time</th>
                <th class="right">Tokens</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {step.candidates.map((candidate) => {
                const chosen = step.chosen?.model === candidate.model && step.chosen.node === candidate.node;
                return (
                  <tr key={`${candidate.model}@${candidate.node}`} class={chosen ? "is-chosen" : ""}>
                    <td class="mono">{candidate.model}</td>
                    <td>{candidate.node}</td>
                    <td class="num right">{formatMs(candidate.durationMs)}</td>
                    <td class="num right">{candidate.outputTokens ?? "–"}</td>
                    <td>{chosen ? <Badge tone="ok">chosen</Badge> : null}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {step.reason !== undefined && (
        <p class="small">
          <span class="section-label">Decision </span>
          {step.reason}
        </p>
      )}
      {step.answer !== undefined && (
        <details class="answer">
          <summary>Answer</summary>
          <pre class="pre">{step.answer}</pre>
        </details>
      )}
    </div>
  );
}
