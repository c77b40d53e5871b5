import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { type HydraError, NoNodeAvailableError } from "../../errors.js";
import { type AdmissionConfigInput, admissionConfigSchema } from "./config.js";
import { AdmissionController, type Slot } from "./controller.js";
import { AdmissionClosedError, BadPriorityError, QueueFullError, QueueTimeoutError } from "./errors.js";

// Timers and Date are fake; setImmediate stays real so `flush` can let every settled promise run.
beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000, toFake: ["setTimeout", "clearTimeout", "Date"] });
});
afterEach(() => {
  vi.useRealTimers();
});

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

function controller(config: AdmissionConfigInput = {}): AdmissionController {
  return new AdmissionController({ config: admissionConfigSchema.parse(config), now: () => Date.now() });
}

interface Tracked<T> {
  status: "pending" | "resolved" | "rejected";
  value: T | undefined;
  error: unknown;
}

function track<T>(promise: Promise<T>): Tracked<T> {
  const tracked: Tracked<T> = { status: "pending", value: undefined, error: undefined };
  promise.then(
    (value) => Object.assign(tracked, { status: "resolved", value }),
    (error: unknown) => Object.assign(tracked, { status: "rejected", error }),
  );
  return tracked;
}

/** A controller with one node of `slots` slots, all taken. */
async function saturated(slots = 1, config: AdmissionConfigInput = {}) {
  const ctl = controller(config);
  ctl.setSlots("a", slots);
  const held: Slot[] = [];
  for (let i = 0; i < slots; i++) held.push(await ctl.admit({ candidates: ["a"], priority: 5 }));
  return { ctl, held };
}

describe("AdmissionController: immediate admission", () => {
  it("takes the first candidate, in the given order, that has a free slot", async () => {
    const ctl = controller();
    ctl.setSlots("a", 1);
    ctl.setSlots("b", 1);
    ctl.setSlots("c", 1);
    expect((await ctl.admit({ candidates: ["b", "a", "c"], priority: 5 })).node).toBe("b");
    expect((await ctl.admit({ candidates: ["b", "a", "c"], priority: 5 })).node).toBe("a");
    const third = await ctl.admit({ candidates: ["b", "a", "c"], priority: 5 });
    expect(third).toMatchObject({ node: "c", waitedMs: 0 });
  });

  it("takes the slot synchronously, so concurrent callers see each other", () => {
    const ctl = controller();
    ctl.setSlots("a", 1);
    void ctl.admit({ candidates: ["a"], priority: 5 });
    expect(ctl.snapshot().nodes).toEqual([{ node: "a", slots: 1, busy: 1 }]);
  });

  it("gives nodes it has not been told about defaultSlots", async () => {
    const ctl = controller({ defaultSlots: 2 });
    await ctl.admit({ candidates: ["new"], priority: 5 });
    expect(ctl.snapshot().nodes).toEqual([{ node: "new", slots: 2, busy: 1 }]);
  });

  it("rejects an invalid priority and an empty candidate list", async () => {
    const ctl = controller();
    await expect(ctl.admit({ candidates: ["a"], priority: 0 })).rejects.toBeInstanceOf(BadPriorityError);
    await expect(ctl.admit({ candidates: ["a"], priority: 5.5 })).rejects.toBeInstanceOf(BadPriorityError);
    await expect(ctl.admit({ candidates: [], priority: 5 })).rejects.toBeInstanceOf(NoNodeAvailableError);
  });
});

describe("AdmissionController: queueing and hand-off", () => {
  it("queues when every candidate is busy and hands the released slot over", async () => {
    const { ctl, held } = await saturated();
    const waiting = track(ctl.admit({ candidates: ["a"], priority: 5 }));
    await flush();
    expect(waiting.status).toBe("pending");
    expect(ctl.snapshot().queue.depth).toBe(1);

    vi.advanceTimersByTime(1_500);
    held[0]!.release();
    await flush();
    expect(waiting.status).toBe("resolved");
    expect(waiting.value).toMatchObject({ node: "a", waitedMs: 1_500 });
    expect(ctl.snapshot()).toMatchObject({ nodes: [{ node: "a", busy: 1 }], queue: { depth: 0 } });
  });

  it("gives a freed slot to the highest priority waiter", async () => {
    const { ctl, held } = await saturated();
    const order: number[] = [];
    const slots: Slot[] = [];
    for (const priority of [3, 9, 1, 7]) {
      void ctl.admit({ candidates: ["a"], priority }).then((slot) => {
        order.push(priority);
        slots.push(slot);
      });
    }
    let current = held[0]!;
    for (let i = 0; i < 4; i++) {
      current.release();
      await flush();
      current = slots[i]!;
    }
    expect(order).toEqual([9, 7, 3, 1]);
  });

  it("serves equal priorities first come, first served", async () => {
    const { ctl, held } = await saturated();
    const order: string[] = [];
    for (const name of ["first", "second", "third"]) {
      void ctl.admit({ candidates: ["a"], priority: 5 }).then((slot) => {
        order.push(name);
        slot.release();
      });
      vi.advanceTimersByTime(10);
    }
    held[0]!.release();
    for (let i = 0; i < 3; i++) await flush();
    expect(order).toEqual(["first", "second", "third"]);
  });

  it("gives a slot freed on node N to the best waiter that can use N, skipping better ones that cannot", async () => {
    const ctl = controller();
    ctl.setSlots("a", 1);
    ctl.setSlots("b", 1);
    const onA = await ctl.admit({ candidates: ["a"], priority: 5 });
    await ctl.admit({ candidates: ["b"], priority: 5 });
    const wantsB = track(ctl.admit({ candidates: ["b"], priority: 10 }));
    const wantsAOrB = track(ctl.admit({ candidates: ["b", "a"], priority: 4 }));
    const wantsA = track(ctl.admit({ candidates: ["a"], priority: 6 }));
    onA.release();
    await flush();
    expect([wantsB.status, wantsAOrB.status, wantsA.status]).toEqual(["pending", "pending", "resolved"]);
    expect(wantsA.value?.node).toBe("a");
  });

  it("hands a slot to a waiter on any of its candidates, whichever frees first", async () => {
    const ctl = controller();
    ctl.setSlots("a", 1);
    ctl.setSlots("b", 1);
    await ctl.admit({ candidates: ["a"], priority: 5 });
    const onB = await ctl.admit({ candidates: ["b"], priority: 5 });
    const waiting = track(ctl.admit({ candidates: ["a", "b"], priority: 5 }));
    onB.release();
    await flush();
    expect(waiting.value?.node).toBe("b");
  });

  it("admits a newcomer at once to a free node no waiter can use", async () => {
    const ctl = controller();
    ctl.setSlots("a", 1);
    ctl.setSlots("b", 1);
    await ctl.admit({ candidates: ["a"], priority: 5 });
    const waiting = track(ctl.admit({ candidates: ["a"], priority: 10 }));
    const slot = await ctl.admit({ candidates: ["a", "b"], priority: 1 });
    expect(slot.node).toBe("b");
    expect(waiting.status).toBe("pending");
  });

  it("releases a slot only once, however often release is called", async () => {
    const { ctl, held } = await saturated(2);
    const first = track(ctl.admit({ candidates: ["a"], priority: 5 }));
    const second = track(ctl.admit({ candidates: ["a"], priority: 5 }));
    held[0]!.release();
    held[0]!.release();
    held[0]!.release();
    await flush();
    expect([first.status, second.status]).toEqual(["resolved", "pending"]);
    expect(ctl.snapshot().nodes[0]).toEqual({ node: "a", slots: 2, busy: 2 });
  });
});

describe("AdmissionController: aging", () => {
  /**
   * One single-slot node, always busy: every 100 ms a priority-10 request arrives and the running
   * request finishes. Returns when (and whether) a priority-1 request queued at the start was served.
   */
  async function lowPriorityUnderLoad(agingMs: number) {
    const ctl = controller({ agingMs, maxWaitMs: 3_600_000, maxQueue: 100_000 });
    ctl.setSlots("a", 1);
    let current = await ctl.admit({ candidates: ["a"], priority: 10 });
    let highServed = 0;
    let low: Slot | undefined;
    void ctl.admit({ candidates: ["a"], priority: 1 }).then((slot) => {
      low = slot;
      current = slot;
    });
    const start = Date.now();
    while (low === undefined && Date.now() - start < 60_000) {
      vi.advanceTimersByTime(100);
      void ctl.admit({ candidates: ["a"], priority: 10 }).then((slot) => {
        highServed++;
        current = slot;
      });
      current.release();
      await flush();
    }
    return { low, highServed, queued: ctl.snapshot().queue.depth };
  }

  it("serves a priority-1 request before a continuous stream of priority-10 arrivals within (10 - 1) × agingMs", async () => {
    const { low, highServed } = await lowPriorityUnderLoad(1_000);
    // Priority-10 requests arriving before 9 × agingMs go first; from then on the old request outranks newcomers.
    expect(low?.waitedMs).toBe(9_000);
    expect(highServed).toBe(89);
  });

  it("would starve the priority-1 request without aging (the test above can fail)", async () => {
    const { low, highServed } = await lowPriorityUnderLoad(1_000_000_000);
    expect(low).toBeUndefined();
    expect(highServed).toBe(600);
  });
});

describe("AdmissionController: limits", () => {
  it("rejects with 429 QueueFullError once maxQueue requests wait", async () => {
    const { ctl } = await saturated(1, { maxQueue: 2 });
    void ctl.admit({ candidates: ["a"], priority: 5 }).catch(() => {});
    void ctl.admit({ candidates: ["a"], priority: 5 }).catch(() => {});
    const error: unknown = await ctl.admit({ candidates: ["a"], priority: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueueFullError);
    expect(error).toMatchObject({ status: 429, code: "HYDRA_ERR_QUEUE_FULL", retryAfterSeconds: 1 });
    expect((error as HydraError).message).toContain("2 requests are already queued");
    expect(ctl.snapshot().queue.depth).toBe(2);
  });

  it("rejects at once when maxQueue is 0 and the node is busy", async () => {
    const { ctl } = await saturated(1, { maxQueue: 0 });
    await expect(ctl.admit({ candidates: ["a"], priority: 5 })).rejects.toBeInstanceOf(QueueFullError);
  });

  it("rejects with 503 QueueTimeoutError after maxWaitMs", async () => {
    const { ctl } = await saturated(1, { maxWaitMs: 2_000 });
    const waiting = track(ctl.admit({ candidates: ["a"], priority: 5 }));
    vi.advanceTimersByTime(1_999);
    await flush();
    expect(waiting.status).toBe("pending");
    vi.advanceTimersByTime(1);
    await flush();
    expect(waiting.error).toBeInstanceOf(QueueTimeoutError);
    expect(waiting.error).toMatchObject({
      status: 503,
      code: "HYDRA_ERR_QUEUE_TIMEOUT",
      retryAfterSeconds: 1,
    });
    expect((waiting.error as QueueTimeoutError).waitedMs).toBe(2_000);
    expect(ctl.snapshot().queue.depth).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("honours a per-request deadline", async () => {
    const { ctl } = await saturated(1, { maxWaitMs: 60_000 });
    const waiting = track(ctl.admit({ candidates: ["a"], priority: 5, deadline: Date.now() + 300 }));
    vi.advanceTimersByTime(300);
    await flush();
    expect(waiting.error).toBeInstanceOf(QueueTimeoutError);
  });

  it("rejects at once a request whose deadline has passed when it would have to wait", async () => {
    const { ctl } = await saturated(1);
    await expect(ctl.admit({ candidates: ["a"], priority: 5, deadline: Date.now() })).rejects.toBeInstanceOf(
      QueueTimeoutError,
    );
    ctl.setSlots("b", 1);
    const slot = await ctl.admit({ candidates: ["b"], priority: 5, deadline: Date.now() - 1 });
    expect(slot.node).toBe("b");
  });

  it("keeps waiting when the timer fires before the injected clock reaches the deadline", async () => {
    let clock = 0;
    const ctl = new AdmissionController({ config: admissionConfigSchema.parse({}), now: () => clock });
    ctl.setSlots("a", 1);
    await ctl.admit({ candidates: ["a"], priority: 5 });
    const waiting = track(ctl.admit({ candidates: ["a"], priority: 5, deadline: 1_000 }));
    clock = 400;
    vi.advanceTimersByTime(1_000);
    await flush();
    expect(waiting.status).toBe("pending");
    clock = 1_000;
    vi.advanceTimersByTime(600);
    await flush();
    expect(waiting.error).toBeInstanceOf(QueueTimeoutError);
  });
});

describe("AdmissionController: cancellation", () => {
  it("removes an aborted waiter and rejects it with the signal's reason", async () => {
    const { ctl, held } = await saturated();
    const abort = new AbortController();
    const cancelled = track(ctl.admit({ candidates: ["a"], priority: 10, signal: abort.signal }));
    const next = track(ctl.admit({ candidates: ["a"], priority: 1 }));
    const reason = new Error("client went away");
    abort.abort(reason);
    await flush();
    expect(cancelled.error).toBe(reason);
    expect(ctl.snapshot().queue.depth).toBe(1);

    held[0]!.release();
    await flush();
    expect(next.status).toBe("resolved");
    expect(ctl.snapshot().nodes[0]?.busy).toBe(1);
  });

  it("rejects an already aborted request without taking a free slot", async () => {
    const ctl = controller();
    const error = await ctl
      .admit({ candidates: ["a"], priority: 5, signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "AbortError" });
    expect(ctl.snapshot().nodes).toEqual([]);
  });

  it("ignores an abort after the slot was handed over, and stops listening to the signal", async () => {
    const { ctl, held } = await saturated();
    const abort = new AbortController();
    const removeListener = vi.spyOn(abort.signal, "removeEventListener");
    const waiting = track(ctl.admit({ candidates: ["a"], priority: 5, signal: abort.signal }));
    held[0]!.release();
    await flush();
    abort.abort();
    await flush();
    expect(waiting.status).toBe("resolved");
    expect(removeListener).toHaveBeenCalledOnce();
    expect(ctl.snapshot().nodes[0]?.busy).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe("AdmissionController: nodes", () => {
  it("rejects waiters whose only candidate is removed, and keeps those that have another", async () => {
    const ctl = controller();
    ctl.setSlots("a", 1);
    ctl.setSlots("b", 1);
    await ctl.admit({ candidates: ["a"], priority: 5 });
    const onB = await ctl.admit({ candidates: ["b"], priority: 5 });
    const onlyA = track(ctl.admit({ candidates: ["a"], priority: 5 }));
    const aOrB = track(ctl.admit({ candidates: ["a", "b"], priority: 5 }));
    ctl.removeNode("a");
    await flush();
    expect(onlyA.error).toBeInstanceOf(NoNodeAvailableError);
    expect(onlyA.error).toMatchObject({ status: 503, retryAfterSeconds: 1 });
    expect((onlyA.error as Error).message).toContain('node "a" left the pool');
    expect(aOrB.status).toBe("pending");
    expect(ctl.snapshot().nodes).toEqual([{ node: "b", slots: 1, busy: 1 }]);

    onB.release();
    await flush();
    expect(aOrB.value?.node).toBe("b");
  });

  it("lets slots held on a removed node be released harmlessly, also after the node comes back", async () => {
    const ctl = controller();
    ctl.setSlots("a", 1);
    const old = await ctl.admit({ candidates: ["a"], priority: 5 });
    ctl.removeNode("a");
    ctl.setSlots("a", 1);
    await ctl.admit({ candidates: ["a"], priority: 5 });
    const waiting = track(ctl.admit({ candidates: ["a"], priority: 5 }));
    old.release();
    await flush();
    expect(waiting.status).toBe("pending");
    expect(ctl.snapshot().nodes).toEqual([{ node: "a", slots: 1, busy: 1 }]);
    ctl.removeNode("never-seen");
  });

  it("hands new slots to waiters at once when a node's slots grow", async () => {
    const { ctl } = await saturated(1);
    const waiting = [1, 2, 3].map(() => track(ctl.admit({ candidates: ["a"], priority: 5 })));
    ctl.setSlots("a", 3);
    await flush();
    expect(waiting.map((w) => w.status)).toEqual(["resolved", "resolved", "pending"]);
  });

  it("lets running requests finish when slots shrink, and hands over only below the new count", async () => {
    const { ctl, held } = await saturated(3);
    const waiting = track(ctl.admit({ candidates: ["a"], priority: 5 }));
    ctl.setSlots("a", 1);
    held[0]!.release();
    held[1]!.release();
    await flush();
    expect(waiting.status).toBe("pending");
    held[2]!.release();
    await flush();
    expect(waiting.status).toBe("resolved");
  });

  it("pauses a node with 0 slots", async () => {
    const ctl = controller();
    ctl.setSlots("a", 0);
    const waiting = track(ctl.admit({ candidates: ["a"], priority: 5 }));
    await flush();
    expect(waiting.status).toBe("pending");
    ctl.setSlots("a", 1);
    await flush();
    expect(waiting.status).toBe("resolved");
  });

  it("refuses slot counts that are not non-negative integers", () => {
    const ctl = controller();
    expect(() => ctl.setSlots("a", -1)).toThrow(RangeError);
    expect(() => ctl.setSlots("a", 1.5)).toThrow(/non-negative integer/);
  });
});

describe("AdmissionController: snapshot, events and shutdown", () => {
  it("reports slots, busy counts and the queue per priority level", async () => {
    const { ctl } = await saturated(1);
    ctl.setSlots("b", 2);
    void ctl.admit({ candidates: ["a"], priority: 3 });
    vi.advanceTimersByTime(400);
    void ctl.admit({ candidates: ["a"], priority: 3 });
    void ctl.admit({ candidates: ["a"], priority: 8 });
    vi.advanceTimersByTime(100);
    expect(ctl.snapshot()).toEqual({
      nodes: [
        { node: "a", slots: 1, busy: 1 },
        { node: "b", slots: 2, busy: 0 },
      ],
      queue: {
        depth: 3,
        maxQueue: 1024,
        byPriority: [
          { priority: 8, depth: 1, oldestWaitMs: 100 },
          { priority: 3, depth: 2, oldestWaitMs: 500 },
        ],
      },
    });
  });

  it("emits queue depth, admissions and rejections as they happen", async () => {
    const { ctl, held } = await saturated(1, { maxWaitMs: 1_000 });
    const depths: number[] = [];
    const admitted: unknown[] = [];
    const rejected: unknown[] = [];
    ctl.on("queue", ({ depth }) => depths.push(depth));
    ctl.on("admitted", (event) => admitted.push(event));
    ctl.on("rejected", (event) => rejected.push(event));
    void ctl.admit({ candidates: ["a"], priority: 7 });
    void ctl.admit({ candidates: ["a"], priority: 2 }).catch(() => {});
    vi.advanceTimersByTime(250);
    held[0]!.release();
    vi.advanceTimersByTime(750);
    await flush();
    expect(depths).toEqual([1, 2, 1, 0]);
    expect(admitted).toEqual([{ node: "a", priority: 7, waitedMs: 250, queued: true }]);
    expect(rejected).toEqual([{ reason: "timeout", priority: 2, waitedMs: 1_000 }]);
  });

  it("rejects every waiter and later request when closed, and still accepts releases", async () => {
    const { ctl, held } = await saturated(1);
    const waiting = track(ctl.admit({ candidates: ["a"], priority: 5 }));
    ctl.close();
    await flush();
    expect(waiting.error).toBeInstanceOf(AdmissionClosedError);
    expect(waiting.error).toMatchObject({ status: 503, code: "HYDRA_ERR_SHUTTING_DOWN" });
    await expect(ctl.admit({ candidates: ["a"], priority: 5 })).rejects.toBeInstanceOf(AdmissionClosedError);
    held[0]!.release();
    expect(ctl.snapshot().nodes[0]?.busy).toBe(0);
    expect(vi.getTimerCount()).toBe(0);
  });
});
