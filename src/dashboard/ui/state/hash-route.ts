/** The open tab, from the location hash (`#/cluster`), so a tab can be bookmarked and reloaded. */
import { Store } from "./store.js";

export const TABS = [
  { id: "cluster", label: "Cluster" },
  { id: "traffic", label: "Traffic" },
  { id: "routing", label: "Routing" },
  { id: "queue", label: "Queue" },
  { id: "orchestrations", label: "Orchestrations" },
  { id: "memory", label: "Memory" },
  { id: "playground", label: "Playground" },
  { id: "admin", label: "Admin" },
] as const;

export type TabId = (typeof TABS)[number]["id"];

/** The tab and the rest of the path: `#/orchestrations/run-1` → orchestrations, ["run-1"]. */
export interface Route {
  tab: TabId;
  rest: string[];
}

export function parseHash(hash: string): Route {
  const parts = hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  const tab = TABS.find((t) => t.id === parts[0])?.id ?? "cluster";
  return { tab, rest: tab === parts[0] ? parts.slice(1) : [] };
}

export function hashOf(tab: TabId, ...rest: string[]): string {
  return `#/${[tab, ...rest].map(encodeURIComponent).join("/")}`;
}

export const route = new Store<Route>(parseHash(typeof location === "undefined" ? "" : location.hash));

export function installHashRouting(): void {
  addEventListener("hashchange", () => route.set(parseHash(location.hash)));
}
