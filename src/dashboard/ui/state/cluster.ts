/**
 * The cluster snapshot, polled every second for as long as the page is open, and fetched again
 * at once when a node changes (node.* events) or the strategy is switched: a node that dies
 * looks bad on the page within the second.
 */
import { onEvents } from "../api/event-stream.js";
import { describeError, getJson } from "../api/http.js";
import type { ClusterSnapshot } from "../api/types.js";
import { Store } from "./store.js";

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  /** When the last successful answer came (ms since the epoch). */
  at: number | undefined;
}

export const cluster = new Store<Polled<ClusterSnapshot>>({
  data: undefined,
  error: undefined,
  at: undefined,
});

const POLL_MS = 1000;
let inFlight = false;
let again = false;

export async function refreshCluster(): Promise<void> {
  if (inFlight) {
    again = true;
    return;
  }
  inFlight = true;
  try {
    const data = await getJson<ClusterSnapshot>("/v1/hydra/cluster");
    cluster.set({ data, error: undefined, at: Date.now() });
  } catch (error) {
    cluster.set({ ...cluster.get(), error: describeError(error) });
  } finally {
    inFlight = false;
    if (again) {
      again = false;
      void refreshCluster();
    }
  }
}

export function startClusterPolling(): void {
  void refreshCluster();
  setInterval(() => {
    if (document.visibilityState === "visible") void refreshCluster();
  }, POLL_MS);
  onEvents(
    ["node.health", "node.added", "node.removed", "node.stale", "node.drained", "routing.strategy"],
    () => void refreshCluster(),
  );
}
