import { describe, expect, it } from "vitest";
import {
  compareWaiters,
  effectivePriority,
  firstFreeCandidate,
  hasFreeSlot,
  insertionIndex,
  type NodeSlots,
  orderWaiters,
  planAssignments,
  summarizeQueue,
  virtualArrival,
  type WaiterView,
} from "./policy.js";

const AGING = 1_000;

const waiter = (seq: number, priority: number, enqueuedAt: number, candidates = ["a"]): WaiterView => ({
  seq,
  priority,
  enqueuedAt,
  candidates,
});

const nodes = (entries: Record<string, [slots: number, busy: number]>): Map<string, NodeSlots> =>
  new Map(Object.entries(entries).map(([name, [slots, busy]]) => [name, { slots, busy }]));

/** A deterministic shuffle, so "any insertion order" tests are repeatable. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe("effectivePriority", () => {
  it("adds one level per agingMs waited", () => {
    expect(effectivePriority(5, 0, AGING)).toBe(5);
    expect(effectivePriority(5, 500, AGING)).toBe(5.5);
    expect(effectivePriority(1, 9 * AGING, AGING)).toBe(10);
    expect(effectivePriority(1, 20 * AGING, AGING)).toBe(21);
  });
});

describe("compareWaiters", () => {
  it("agrees with effective priority at every instant, for every pair of priorities and arrival times", () => {
    const arrivals = [0, 1, 250, 999, 1_000, 1_001, 4_500, 9_000, 9_001, 12_345];
    const waiters: WaiterView[] = [];
    let seq = 0;
    for (let priority = 1; priority <= 10; priority++) {
      for (const at of arrivals) waiters.push(waiter(seq++, priority, at));
    }
    const mismatches: string[] = [];
    for (const now of [12_345, 20_000, 1_000_000]) {
      for (const a of waiters) {
        // effective × agingMs, in integers: the float form rounds exact ties (1 + 12.344 ≠ 10 + 3.344).
        const ea = a.priority * AGING + (now - a.enqueuedAt);
        expect(ea / AGING).toBeCloseTo(effectivePriority(a.priority, now - a.enqueuedAt, AGING), 9);
        for (const b of waiters) {
          const eb = b.priority * AGING + (now - b.enqueuedAt);
          const expected = ea !== eb ? Math.sign(eb - ea) : Math.sign(a.seq - b.seq);
          if (Math.sign(compareWaiters(a, b, AGING)) !== expected)
            mismatches.push(`${a.seq} vs ${b.seq} at ${now}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it("treats a request of priority p as if it had arrived p × agingMs earlier", () => {
    expect(virtualArrival({ priority: 3, enqueuedAt: 10_000 }, AGING)).toBe(7_000);
  });
});

describe("orderWaiters", () => {
  it("serves higher priority first", () => {
    const order = orderWaiters([waiter(0, 1, 0), waiter(1, 10, 0), waiter(2, 5, 0)], AGING);
    expect(order.map((w) => w.priority)).toEqual([10, 5, 1]);
  });

  it("serves equal priorities first come, first served", () => {
    const order = orderWaiters([waiter(2, 5, 20), waiter(0, 5, 0), waiter(1, 5, 10)], AGING);
    expect(order.map((w) => w.seq)).toEqual([0, 1, 2]);
  });

  it("serves equal arrival times and priorities in sequence order", () => {
    const order = orderWaiters([waiter(7, 5, 0), waiter(3, 5, 0), waiter(5, 5, 0)], AGING);
    expect(order.map((w) => w.seq)).toEqual([3, 5, 7]);
  });

  it("puts a priority-1 request ahead of priority-10 requests arriving more than 9 × agingMs later", () => {
    const old = waiter(0, 1, 0);
    const order = orderWaiters([waiter(1, 10, 8_999), waiter(2, 10, 9_001), old], AGING);
    expect(order.map((w) => w.seq)).toEqual([1, 0, 2]);
  });

  it("breaks an exact effective-priority tie by arrival: the older request goes first", () => {
    const order = orderWaiters([waiter(1, 10, 9_000), waiter(0, 1, 0)], AGING);
    expect(order.map((w) => w.seq)).toEqual([0, 1]);
  });

  it("does not change the given array", () => {
    const input = [waiter(0, 1, 0), waiter(1, 10, 0)];
    orderWaiters(input, AGING);
    expect(input.map((w) => w.seq)).toEqual([0, 1]);
  });
});

describe("insertionIndex", () => {
  it("builds the same order as sorting, whatever the insertion order", () => {
    const all: WaiterView[] = [];
    let seq = 0;
    for (const priority of [1, 2, 5, 5, 9, 10, 10]) {
      for (const at of [0, 500, 3_000, 3_000, 8_000]) all.push(waiter(seq++, priority, at));
    }
    const expected = orderWaiters(all, AGING).map((w) => w.seq);
    for (let seed = 1; seed <= 20; seed++) {
      const queue: WaiterView[] = [];
      for (const w of shuffled(all, seed)) queue.splice(insertionIndex(queue, w, AGING), 0, w);
      expect(queue.map((w) => w.seq)).toEqual(expected);
    }
  });

  it("places a newcomer after everyone it ties with", () => {
    const queue = [waiter(0, 5, 0), waiter(1, 5, 0)];
    expect(insertionIndex(queue, waiter(2, 5, 0), AGING)).toBe(2);
    expect(insertionIndex([], waiter(0, 5, 0), AGING)).toBe(0);
    expect(insertionIndex(queue, waiter(2, 6, 0), AGING)).toBe(0);
  });
});

describe("hasFreeSlot and firstFreeCandidate", () => {
  it("knows free, full, over-full, paused and unknown nodes", () => {
    expect(hasFreeSlot({ slots: 2, busy: 1 })).toBe(true);
    expect(hasFreeSlot({ slots: 2, busy: 2 })).toBe(false);
    expect(hasFreeSlot({ slots: 1, busy: 3 })).toBe(false);
    expect(hasFreeSlot({ slots: 0, busy: 0 })).toBe(false);
    expect(hasFreeSlot(undefined)).toBe(false);
  });

  it("takes the first candidate in the caller's order that has a free slot", () => {
    const state = nodes({ a: [1, 1], b: [2, 0], c: [2, 0] });
    expect(firstFreeCandidate(["a", "c", "b"], state)).toBe("c");
    expect(firstFreeCandidate(["b", "c"], state)).toBe("b");
    expect(firstFreeCandidate(["zz", "a"], state)).toBeUndefined();
    expect(firstFreeCandidate([], state)).toBeUndefined();
  });
});

describe("planAssignments", () => {
  it("gives a freed slot to the best waiter whose candidates include the node", () => {
    const queue = orderWaiters(
      [waiter(0, 10, 0, ["b"]), waiter(1, 7, 0, ["c", "a"]), waiter(2, 9, 0, ["c"]), waiter(3, 8, 0, ["a"])],
      AGING,
    );
    const plan = planAssignments(queue, nodes({ a: [1, 0], b: [1, 1], c: [1, 1] }));
    expect(plan.map(({ waiter, node }) => [waiter.seq, node])).toEqual([[3, "a"]]);
  });

  it("lets each waiter take its own first free candidate, in service order", () => {
    const queue = orderWaiters(
      [waiter(0, 10, 0, ["a", "b"]), waiter(1, 9, 0, ["a", "b"]), waiter(2, 8, 0, ["a", "b"])],
      AGING,
    );
    const plan = planAssignments(queue, nodes({ a: [2, 1], b: [1, 0] }));
    expect(plan.map(({ waiter, node }) => [waiter.seq, node])).toEqual([
      [0, "a"],
      [1, "b"],
    ]);
  });

  it("fills every slot added at once", () => {
    const queue = orderWaiters(
      [0, 1, 2, 3].map((seq) => waiter(seq, 5, seq)),
      AGING,
    );
    const plan = planAssignments(queue, nodes({ a: [3, 0] }));
    expect(plan.map(({ waiter }) => waiter.seq)).toEqual([0, 1, 2]);
  });

  it("assigns nothing when no waiter can use the free slots", () => {
    const queue = [waiter(0, 5, 0, ["b"])];
    expect(planAssignments(queue, nodes({ a: [4, 0], b: [1, 1] }))).toEqual([]);
    expect(planAssignments([], nodes({ a: [4, 0] }))).toEqual([]);
    expect(planAssignments(queue, nodes({}))).toEqual([]);
  });

  it("ignores candidates the controller does not know", () => {
    const plan = planAssignments([waiter(0, 5, 0, ["gone", "a"])], nodes({ a: [1, 0] }));
    expect(plan.map(({ node }) => node)).toEqual(["a"]);
  });

  it("does not change the node states it is given", () => {
    const state = nodes({ a: [1, 0] });
    planAssignments([waiter(0, 5, 0)], state);
    expect(state.get("a")).toEqual({ slots: 1, busy: 0 });
  });
});

describe("summarizeQueue", () => {
  it("counts waiters and their longest wait per priority, highest priority first", () => {
    const summary = summarizeQueue(
      [waiter(0, 5, 100), waiter(1, 10, 900), waiter(2, 5, 400), waiter(3, 1, 1_000)],
      1_000,
    );
    expect(summary).toEqual([
      { priority: 10, depth: 1, oldestWaitMs: 100 },
      { priority: 5, depth: 2, oldestWaitMs: 900 },
      { priority: 1, depth: 1, oldestWaitMs: 0 },
    ]);
  });

  it("is empty for an empty queue and never reports negative waits", () => {
    expect(summarizeQueue([], 0)).toEqual([]);
    expect(summarizeQueue([waiter(0, 5, 2_000)], 1_000)).toEqual([
      { priority: 5, depth: 1, oldestWaitMs: 0 },
    ]);
  });
});
