/** A node's health as a coloured badge: green up, amber degraded / probing / stale, red ejected, grey unknown. */
import { TESTID } from "../testids.js";

const TONE: Record<string, "ok" | "warn" | "bad" | "muted"> = {
  up: "ok",
  degraded: "warn",
  probing: "warn",
  stale: "warn",
  ejected: "bad",
  unknown: "muted",
};

export function healthTone(health: string): "ok" | "warn" | "bad" | "muted" {
  return TONE[health] ?? "muted";
}

export function HealthBadge({ health }: { health: string }) {
  return (
    <span class={`badge badge-${healthTone(health)}`} data-testid={TESTID.nodeHealth}>
      <span class="dot" />
      {health}
    </span>
  );
}

export function Badge({
  tone,
  children,
}: {
  tone: "ok" | "warn" | "bad" | "muted" | "info";
  children: string;
}) {
  return <span class={`badge badge-${tone}`}>{children}</span>;
}
