/** Queue depth over the last minutes, sampled from each cluster snapshot, for the Queue tab's chart. */
import type { ClusterSnapshot } from "../api/types.js";
import { cluster } from "./cluster.js";
import { Store } from "./store.js";

export const QUEUE_HISTORY_POINTS = 300;

export interface QueueHistory {
  /** Seconds since the epoch (uPlot's x unit). */
  times: number[];
  depths: number[];
}

export const queueHistory = new Store<QueueHistory>({ times: [], depths: [] });

/** The history with one more sample, the oldest dropped past `limit`; a repeated snapshot adds nothing. */
export function appendSample(
  history: QueueHistory,
  snapshot: Pick<ClusterSnapshot, "at" | "queue">,
  limit: number,
): QueueHistory {
  const t = snapshot.at / 1000;
  const last = history.times[history.times.length - 1];
  if (last !== undefined && t <= last) return history;
  const from = Math.max(0, history.times.length + 1 - limit);
  return {
    times: [...history.times.slice(from), t],
    depths: [...history.depths.slice(from), snapshot.queue.depth],
  };
}

export function startQueueHistory(): void {
  cluster.subscribe(({ data }) => {
    if (data !== undefined) queueHistory.set(appendSample(queueHistory.get(), data, QUEUE_HISTORY_POINTS));
  });
}
