/** A message in a box: the server's error text, or a hint when there is nothing to show yet. */
import type { ComponentChildren } from "preact";

export function Notice({
  tone = "muted",
  children,
  testid,
}: {
  tone?: "muted" | "bad" | "warn" | "ok";
  children: ComponentChildren;
  testid?: string;
}) {
  return (
    <div class={`notice notice-${tone}`} role={tone === "bad" ? "alert" : undefined} data-testid={testid}>
      {children}
    </div>
  );
}
