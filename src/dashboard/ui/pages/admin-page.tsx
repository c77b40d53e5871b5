/** Admin: the admin key, the routing strategy, draining nodes, pulling models. */
import { useState } from "preact/hooks";
import { setStrategy } from "../admin/actions.js";
import { DrainButton } from "../admin/drain-button.js";
import { PullForm } from "../admin/pull-form.js";
import { describeError } from "../api/http.js";
import { HealthBadge } from "../components/health-badge.js";
import { Notice } from "../components/notice.js";
import { cluster } from "../state/cluster.js";
import { adminKey } from "../state/credentials.js";
import { useStore } from "../state/store.js";
import { TESTID } from "../testids.js";

export function AdminPage() {
  const { data } = useStore(cluster);
  const key = useStore(adminKey);
  return (
    <div class="stack">
      {data !== undefined && !data.auth.admin && (
        <Notice tone="warn">
          Admin actions are off on this gateway: list admin keys under <code>auth.adminKeys</code> in its
          config to allow them.
        </Notice>
      )}
      <AdminKeyForm />
      {key === "" ? (
        <Notice>Enter the admin key to drain nodes, switch the strategy and pull models.</Notice>
      ) : (
        data !== undefined && (
          <div class="grid grid-admin">
            <StrategyCard current={data.routing.strategy} strategies={data.routing.strategies} />
            <div class="card">
              <header class="card-head">
                <h3>Nodes</h3>
              </header>
              <ul class="list">
                {data.nodes.map((node) => (
                  <li key={node.name} class="list-row static">
                    <span class="ellipsis">{node.name}</span>
                    <HealthBadge health={node.health} />
                    <DrainButton node={node.name} drained={node.drained} />
                  </li>
                ))}
              </ul>
            </div>
            <PullForm nodes={data.nodes.map((node) => node.name)} />
          </div>
        )
      )}
    </div>
  );
}

function AdminKeyForm() {
  const stored = useStore(adminKey);
  const [value, setValue] = useState(stored);
  return (
    <form
      class="card form-row"
      onSubmit={(event) => {
        event.preventDefault();
        adminKey.set(value.trim());
      }}
    >
      <label class="field-inline grow">
        <span class="muted">Admin key</span>
        <input
          class="input grow"
          type="password"
          autocomplete="off"
          placeholder="x-hydra-admin-key"
          value={value}
          data-testid={TESTID.adminKeyInput}
          onInput={(event) => setValue(event.currentTarget.value)}
        />
      </label>
      <button class="btn btn-primary" type="submit">
        Save
      </button>
      {stored !== "" && (
        <button
          class="btn btn-ghost"
          type="button"
          onClick={() => {
            adminKey.set("");
            setValue("");
          }}
        >
          Forget
        </button>
      )}
    </form>
  );
}

function StrategyCard({ current, strategies }: { current: string; strategies: readonly string[] }) {
  const [message, setMessage] = useState<{ tone: "ok" | "bad"; text: string } | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const change = async (strategy: string) => {
    setBusy(true);
    try {
      const result = await setStrategy(strategy);
      setMessage({ tone: "ok", text: `Routing strategy is now ${result.strategy}.` });
    } catch (error) {
      setMessage({ tone: "bad", text: describeError(error) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="card">
      <header class="card-head">
        <h3>Routing strategy</h3>
      </header>
      <select
        class="select"
        value={current}
        disabled={busy}
        data-testid={TESTID.strategySelect}
        onChange={(event) => void change(event.currentTarget.value)}
      >
        {strategies.map((strategy) => (
          <option key={strategy} value={strategy}>
            {strategy}
          </option>
        ))}
      </select>
      {message !== undefined && (
        <Notice tone={message.tone} testid={TESTID.adminMessage}>
          {message.text}
        </Notice>
      )}
    </div>
  );
}
