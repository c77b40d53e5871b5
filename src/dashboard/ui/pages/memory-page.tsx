/** Memory: each tier's statistics, and a semantic search over the vector memory. */
import { useState } from "preact/hooks";
import { describeError, sendJson } from "../api/http.js";
import type { MemoryStats, SearchResponse } from "../api/types.js";
import { Notice } from "../components/notice.js";
import { formatBytes, formatCount, formatMs, formatPercent } from "../format.js";
import { usePolled } from "../state/use-polled.js";
import { TESTID } from "../testids.js";
import { Stat } from "./cluster-page.js";

type SearchState =
  | { state: "idle" }
  | { state: "searching" }
  | { state: "done"; response: SearchResponse }
  | { state: "error"; message: string };

export function MemoryPage() {
  const stats = usePolled<MemoryStats & { enabled: boolean }>("/v1/hydra/memory/stats", 5000);
  return (
    <div class="stack">
      <MemoryStatsView stats={stats.data} error={stats.error} />
      <MemorySearch />
    </div>
  );
}

function MemoryStatsView({ stats, error }: { stats: MemoryStats | undefined; error: string | undefined }) {
  if (stats === undefined) {
    return error ? (
      <Notice tone="warn" testid={TESTID.memoryError}>
        {error}
      </Notice>
    ) : (
      <Notice>Loading memory statistics…</Notice>
    );
  }
  const hitRate = stats.gets > 0 ? stats.hits / stats.gets : null;
  return (
    <div class="stack" data-testid={TESTID.memoryStats}>
      <div class="stats">
        <Stat label="Gets" value={formatCount(stats.gets)} />
        <Stat label="Hit rate" value={formatPercent(hitRate)} />
        <Stat label="Puts" value={formatCount(stats.puts)} />
        <Stat label="Deletes" value={formatCount(stats.deletes)} />
        <Stat label="Durable tier" value={stats.durableTier ?? "none"} />
      </div>
      <div class="card table-card">
        <table class="table">
          <thead>
            <tr>
              <th>Tier</th>
              <th>Backend</th>
              <th class="right">Entries</th>
              <th class="right">Size</th>
              <th class="right">Hits</th>
              <th class="right">Misses</th>
              <th class="right hide-narrow">Promoted</th>
              <th class="right hide-narrow">Demoted</th>
              <th class="right hide-narrow">Evicted</th>
              <th class="right hide-narrow">Expired</th>
              <th class="right">Errors</th>
            </tr>
          </thead>
          <tbody>
            {stats.tiers.map((tier) => (
              <tr key={tier.tier}>
                <td>
                  <strong>{tier.tier.toUpperCase()}</strong>
                  {tier.durable ? <span class="muted small"> durable</span> : null}
                </td>
                <td class="muted">{tier.backend}</td>
                <td class="num right">{formatCount(tier.entries)}</td>
                <td
                  class="num right"
                  title={tier.maxBytes > 0 ? `of ${formatBytes(tier.maxBytes)}` : "unbounded"}
                >
                  {formatBytes(tier.bytes)}
                  {tier.maxBytes > 0 ? <span class="muted"> / {formatBytes(tier.maxBytes)}</span> : null}
                </td>
                <td class="num right">{formatCount(tier.hits)}</td>
                <td class="num right">{formatCount(tier.misses)}</td>
                <td class="num right hide-narrow">{formatCount(tier.promotions)}</td>
                <td class="num right hide-narrow">{formatCount(tier.demotions)}</td>
                <td class="num right hide-narrow">{formatCount(tier.evictions)}</td>
                <td
                  class="num right hide-narrow"
                  title={tier.ttlMs > 0 ? `TTL ${formatMs(tier.ttlMs)}` : "no TTL"}
                >
                  {formatCount(tier.expirations)}
                </td>
                <td class={`num right${tier.errors + tier.corrupt > 0 ? " error-text" : ""}`}>
                  {formatCount(tier.errors + tier.corrupt)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function MemorySearch() {
  const [query, setQuery] = useState("");
  const [k, setK] = useState(10);
  const [search, setSearch] = useState<SearchState>({ state: "idle" });
  const submit = async (event: Event) => {
    event.preventDefault();
    if (query.trim() === "") return;
    setSearch({ state: "searching" });
    try {
      const response = await sendJson<SearchResponse>("/v1/hydra/memory/search", { body: { query, k } });
      setSearch({ state: "done", response });
    } catch (error) {
      setSearch({ state: "error", message: describeError(error) });
    }
  };
  return (
    <div class="card">
      <header class="card-head">
        <h3>Semantic search</h3>
        {search.state === "done" && (
          <span class="muted small">
            {search.response.model}
            {search.response.dimension === null ? "" : ` · ${search.response.dimension} dimensions`}
          </span>
        )}
      </header>
      <form class="form-row" data-testid={TESTID.memorySearch} data-state={search.state} onSubmit={submit}>
        <input
          class="input grow"
          type="search"
          placeholder="Search memory by meaning…"
          value={query}
          data-testid={TESTID.memorySearchInput}
          onInput={(event) => setQuery(event.currentTarget.value)}
        />
        <label class="field-inline">
          <span class="muted small">k</span>
          <input
            class="input input-narrow"
            type="number"
            min={1}
            max={100}
            value={k}
            onInput={(event) => setK(Number(event.currentTarget.value) || 10)}
          />
        </label>
        <button
          class="btn btn-primary"
          type="submit"
          disabled={search.state === "searching" || query.trim() === ""}
        >
          {search.state === "searching" ? "Searching…" : "Search"}
        </button>
      </form>
      {search.state === "error" && (
        <Notice tone="warn" testid={TESTID.memoryError}>
          {search.message}
        </Notice>
      )}
      {search.state === "done" &&
        (search.response.results.length === 0 ? (
          <Notice>Nothing found.</Notice>
        ) : (
          <ol class="results">
            {search.response.results.map((result) => (
              <li key={result.id} class="result" data-testid={TESTID.memoryResult} data-score={result.score}>
                <div class="result-head">
                  <span class="score num">{result.score.toFixed(3)}</span>
                  <span class="mono small ellipsis">{result.id}</span>
                  <span class="chip">{result.namespace}</span>
                </div>
                {result.text !== null && <div class="result-text clamp-3">{result.text}</div>}
                {result.metadata !== null && Object.keys(result.metadata).length > 0 && (
                  <details>
                    <summary class="muted small">metadata</summary>
                    <pre class="pre">{JSON.stringify(result.metadata, null, 2)}</pre>
                  </details>
                )}
              </li>
            ))}
          </ol>
        ))}
    </div>
  );
}
