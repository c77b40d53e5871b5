/**
 * The admission policy as pure functions over data: which free slot a request takes, the
 * order in which waiting requests are served, and which waiter gets a slot that frees up.
 * The controller (controller.ts) holds the state and calls these; nothing here reads a clock.
 *
 * Fairness rule (aging). A waiting request's effective priority is
 *
 *     effective = priority + waitedMs / agingMs
 *
 * and the waiter with the highest effective priority is served first; among equal effective
 * priorities the one that arrived first (FIFO). Every waiter ages at the same rate, so the order
 * of two waiters never changes while they wait: `effective(a) > effective(b)` at any instant
 * exactly when `a.enqueuedAt - a.priority × agingMs < b.enqueuedAt - b.priority × agingMs`. A
 * request of priority p is therefore queued as if it had arrived p × agingMs earlier (its
 * "virtual arrival"), and the queue is an ordered list with a fixed key — no re-sorting as time
 * passes, and the comparison is exact integer arithmetic.
 *
 * No starvation: a request of priority p that arrived at t0 is served before every request
 * arriving after t0 + (10 - p) × agingMs, whatever their priority. Under a continuous stream of
 * priority-10 arrivals it waits at most for the requests that arrived before that bound.
 */

/** One node's concurrency: how many requests it may run at once and how many it runs now. */
export interface NodeSlots {
  readonly slots: number;
  readonly busy: number;
}

/** What the policy needs to know about a waiting request. */
export interface WaiterView {
  /** Increasing with arrival; breaks ties so equal effective priorities are served FIFO. */
  readonly seq: number;
  readonly priority: number;
  /** Clock time (ms) at which the request started waiting. */
  readonly enqueuedAt: number;
  /** Nodes that can serve the request, best first. */
  readonly candidates: readonly string[];
}

/** A waiter handed a slot on a node. */
export interface Assignment<W> {
  readonly waiter: W;
  readonly node: string;
}

export function effectivePriority(priority: number, waitedMs: number, agingMs: number): number {
  return priority + waitedMs / agingMs;
}

/** The fixed sort key equivalent to effective priority (see the module comment): smaller goes first. */
export function virtualArrival(waiter: Pick<WaiterView, "priority" | "enqueuedAt">, agingMs: number): number {
  return waiter.enqueuedAt - waiter.priority * agingMs;
}

/** Negative when `a` is served before `b`: higher effective priority first, then earlier arrival. */
export function compareWaiters(a: WaiterView, b: WaiterView, agingMs: number): number {
  return virtualArrival(a, agingMs) - virtualArrival(b, agingMs) || a.seq - b.seq;
}

/** A copy of `waiters` in service order. */
export function orderWaiters<W extends WaiterView>(waiters: readonly W[], agingMs: number): W[] {
  return [...waiters].sort((a, b) => compareWaiters(a, b, agingMs));
}

/** Where `waiter` goes in a queue already in service order (binary search; after its equals). */
export function insertionIndex(queue: readonly WaiterView[], waiter: WaiterView, agingMs: number): number {
  let low = 0;
  let high = queue.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareWaiters(queue[middle]!, waiter, agingMs) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

export function hasFreeSlot(node: NodeSlots | undefined): boolean {
  return node !== undefined && node.busy < node.slots;
}

/** The first candidate, in the caller's order of preference, with a free slot. */
export function firstFreeCandidate(
  candidates: readonly string[],
  nodes: ReadonlyMap<string, NodeSlots>,
): string | undefined {
  return candidates.find((name) => hasFreeSlot(nodes.get(name)));
}

/**
 * Which waiters to admit now, and where. Waiters are taken in service order, each into its
 * first candidate with a free slot; a waiter whose candidates are all full is skipped (a slot
 * on a node it cannot use must not wait for it). When a single slot frees on node N this
 * gives it to the best waiter whose candidates include N; after slots are added it fills
 * them all the same way. Keeps the invariant the controller relies on: afterwards, no
 * remaining waiter has a free slot on any of its candidates.
 *
 * `queue` must be in service order (see `orderWaiters`); `nodes` is not changed.
 */
export function planAssignments<W extends WaiterView>(
  queue: readonly W[],
  nodes: ReadonlyMap<string, NodeSlots>,
): Assignment<W>[] {
  const free = new Map<string, number>();
  for (const [name, node] of nodes) if (hasFreeSlot(node)) free.set(name, node.slots - node.busy);
  const assignments: Assignment<W>[] = [];
  for (const waiter of queue) {
    if (free.size === 0) break;
    const node = waiter.candidates.find((name) => free.has(name));
    if (node === undefined) continue;
    assignments.push({ waiter, node });
    const left = free.get(node)! - 1;
    if (left === 0) free.delete(node);
    else free.set(node, left);
  }
  return assignments;
}

/** Queue depth and the longest wait of one priority level. */
export interface PriorityLevelSummary {
  priority: number;
  depth: number;
  oldestWaitMs: number;
}

/** Per priority level present in the queue, highest priority first. */
export function summarizeQueue(
  waiters: Iterable<Pick<WaiterView, "priority" | "enqueuedAt">>,
  now: number,
): PriorityLevelSummary[] {
  const levels = new Map<number, PriorityLevelSummary>();
  for (const waiter of waiters) {
    const waited = Math.max(0, now - waiter.enqueuedAt);
    const level = levels.get(waiter.priority);
    if (level === undefined)
      levels.set(waiter.priority, { priority: waiter.priority, depth: 1, oldestWaitMs: waited });
    else {
      level.depth++;
      level.oldestWaitMs = Math.max(level.oldestWaitMs, waited);
    }
  }
  return [...levels.values()].sort((a, b) => b.priority - a.priority);
}
