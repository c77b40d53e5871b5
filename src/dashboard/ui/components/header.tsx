/** The top bar: name, gateway version, routing strategy, event-stream state, theme toggle; then the tabs. */
import { type StreamState, streamState } from "../api/event-stream.js";
import { cluster } from "../state/cluster.js";
import { hashOf, route, TABS } from "../state/hash-route.js";
import { useStore } from "../state/store.js";
import { theme, toggleTheme } from "../state/theme.js";
import { TESTID } from "../testids.js";

const STREAM_LABEL: Record<StreamState, string> = {
  connecting: "connecting",
  open: "live",
  reconnecting: "reconnecting",
  unauthorized: "needs API key",
};

export function Header() {
  const snapshot = useStore(cluster);
  const stream = useStore(streamState);
  const current = useStore(theme);
  const { tab } = useStore(route);
  return (
    <header class="topbar">
      <div class="topbar-row">
        <a class="brand" href={hashOf("cluster")}>
          <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true">
            <path
              d="M12 2 3 7v10l9 5 9-5V7z"
              fill="none"
              stroke="currentColor"
              stroke-width="2"
              stroke-linejoin="round"
            />
            <circle cx="12" cy="12" r="3" fill="currentColor" />
          </svg>
          Hydra
        </a>
        <span class="muted small num" data-testid={TESTID.gatewayVersion}>
          {snapshot.data ? `v${snapshot.data.version}` : ""}
        </span>
        <span class="spacer" />
        {snapshot.data && (
          <span class="chip hide-narrow" data-testid={TESTID.headerStrategy} title="routing strategy">
            {snapshot.data.routing.strategy}
          </span>
        )}
        <span
          class={`stream stream-${stream}`}
          data-testid={TESTID.streamStatus}
          data-state={stream}
          title="event stream"
        >
          <span class="dot" />
          {STREAM_LABEL[stream]}
        </span>
        <button
          type="button"
          class="btn btn-icon"
          data-testid={TESTID.themeToggle}
          data-theme={current}
          aria-label={`switch to ${current === "dark" ? "light" : "dark"} theme`}
          title={`switch to ${current === "dark" ? "light" : "dark"} theme`}
          onClick={toggleTheme}
        >
          {current === "dark" ? (
            <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
              <circle cx="12" cy="12" r="4.5" fill="currentColor" />
              <path
                d="M12 1.5v3M12 19.5v3M1.5 12h3M19.5 12h3M4.6 4.6l2.1 2.1M17.3 17.3l2.1 2.1M4.6 19.4l2.1-2.1M17.3 6.7l2.1-2.1"
                stroke="currentColor"
                stroke-width="2"
                stroke-linecap="round"
              />
            </svg>
          ) : (
            <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true">
              <path d="M20 14.5A8.5 8.5 0 0 1 9.5 4a8.5 8.5 0 1 0 10.5 10.5z" fill="currentColor" />
            </svg>
          )}
        </button>
      </div>
      <nav class="tabs" aria-label="pages">
        {TABS.map((t) => (
          <a
            key={t.id}
            href={hashOf(t.id)}
            class={`tab${t.id === tab ? " is-active" : ""}`}
            aria-current={t.id === tab ? "page" : undefined}
            data-testid={TESTID.tab}
            data-tab={t.id}
          >
            {t.label}
          </a>
        ))}
      </nav>
    </header>
  );
}
