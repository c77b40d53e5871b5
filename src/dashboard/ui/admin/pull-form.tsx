/** Pull a model onto chosen nodes, with a progress bar per node from the NDJSON stream. */
import { useState } from "preact/hooks";
import { call, describeError } from "../api/http.js";
import { NdjsonSplitter } from "../api/ndjson.js";
import { Meter } from "../components/meter.js";
import { Notice } from "../components/notice.js";
import { formatBytes, formatPercent } from "../format.js";
import { refreshCluster } from "../state/cluster.js";
import { TESTID } from "../testids.js";
import {
  applyPullLine,
  EMPTY_PULL,
  type PullLine,
  type PullState,
  pullFraction,
  startPull,
} from "./pull-progress.js";

export function PullForm({ nodes }: { nodes: readonly string[] }) {
  const [model, setModel] = useState("");
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [pull, setPull] = useState<PullState>(EMPTY_PULL);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  const toggle = (node: string) => {
    const next = new Set(chosen);
    if (next.has(node)) next.delete(node);
    else next.add(node);
    setChosen(next);
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const targets = nodes.filter((node) => chosen.has(node));
    if (model.trim() === "" || targets.length === 0) return;
    setRunning(true);
    setError(undefined);
    let state = startPull(targets);
    setPull(state);
    try {
      const response = await call("/v1/hydra/admin/pull", {
        body: { model: model.trim(), nodes: targets },
        admin: true,
      });
      if (response.body === null) throw new Error("the gateway sent no progress stream");
      const splitter = new NdjsonSplitter();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const apply = (lines: unknown[]) => {
        for (const line of lines) state = applyPullLine(state, line as PullLine);
        setPull(state);
      };
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        apply(splitter.push(value));
      }
      apply(splitter.end());
      if (state.outcome === undefined) setError("the pull stream ended without a result");
    } catch (failure) {
      setError(describeError(failure));
    } finally {
      setRunning(false);
      void refreshCluster();
    }
  };

  return (
    <div class="card">
      <header class="card-head">
        <h3>Pull a model</h3>
      </header>
      <form class="stack-tight" data-testid={TESTID.pullForm} onSubmit={submit}>
        <input
          class="input"
          placeholder="model, e.g. llama3.2:3b"
          value={model}
          data-testid={TESTID.pullModel}
          onInput={(event) => setModel(event.currentTarget.value)}
        />
        <fieldset class="checks">
          <legend class="muted small">Nodes</legend>
          {nodes.map((node) => (
            <label key={node} class="check">
              <input
                type="checkbox"
                checked={chosen.has(node)}
                data-testid={TESTID.pullNode}
                data-node={node}
                onChange={() => toggle(node)}
              />
              {node}
            </label>
          ))}
        </fieldset>
        <div class="form-row">
          <button
            class="btn btn-primary"
            type="submit"
            data-testid={TESTID.pullSubmit}
            disabled={running || model.trim() === "" || chosen.size === 0}
          >
            {running ? "Pulling…" : "Pull"}
          </button>
          <button class="btn btn-ghost" type="button" onClick={() => setChosen(new Set(nodes))}>
            All nodes
          </button>
        </div>
      </form>
      {error !== undefined && (
        <Notice tone="bad" testid={TESTID.adminMessage}>
          {error}
        </Notice>
      )}
      {pull.outcome?.state === "failed" && <Notice tone="bad">{pull.outcome.error}</Notice>}
      {pull.outcome?.state === "done" && <Notice tone="ok">Pulled on every chosen node.</Notice>}
      <div class="stack-tight">
        {Object.values(pull.nodes).map((node) => {
          const fraction = pullFraction(node);
          return (
            <Meter
              key={node.node}
              fraction={fraction}
              label={node.node}
              detail={`${node.status}${node.total > 0 ? ` · ${formatBytes(node.completed)} / ${formatBytes(node.total)}` : ""} · ${formatPercent(fraction)}`}
              tone={node.state === "failed" ? "bad" : node.state === "done" ? "ok" : "accent"}
              data-testid={TESTID.pullProgress}
              data-node={node.node}
              data-state={node.state}
              data-progress={fraction.toFixed(3)}
            />
          );
        })}
      </div>
    </div>
  );
}
