import { describe, expect, it } from "vitest";
import { flushMicrotasks } from "./clock.js";
import { AbortedError, QueueFullError, SERVER_BUSY_MESSAGE, SlotScheduler } from "./scheduler.js";

describe("SlotScheduler", () => {
  it("hands out free slots at once, then queues in arrival order", async () => {
    const scheduler = new SlotScheduler(2, 10);
    const a = await scheduler.acquire();
    const b = await scheduler.acquire();
    const order: string[] = [];
    const c = scheduler.acquire().then((lease) => {
      order.push("c");
      return lease;
    });
    const d = scheduler.acquire().then((lease) => {
      order.push("d");
      return lease;
    });
    await flushMicrotasks();
    expect([scheduler.busy, scheduler.queued]).toEqual([2, 2]);
    b.release();
    await flushMicrotasks();
    expect(order).toEqual(["c"]);
    a.release();
    await flushMicrotasks();
    expect(order).toEqual(["c", "d"]);
    (await c).release();
    (await d).release();
    expect([scheduler.busy, scheduler.queued]).toEqual([0, 0]);
  });

  it("refuses with Ollama's server-busy error once the queue is full", async () => {
    const scheduler = new SlotScheduler(1, 1);
    await scheduler.acquire();
    void scheduler.acquire();
    await expect(scheduler.acquire()).rejects.toBeInstanceOf(QueueFullError);
    await expect(scheduler.acquire()).rejects.toThrow(SERVER_BUSY_MESSAGE);
  });

  it("drops a waiter whose request is aborted, keeping the others in line", async () => {
    const scheduler = new SlotScheduler(1, 5);
    const held = await scheduler.acquire();
    const controller = new AbortController();
    const aborted = scheduler.acquire(controller.signal);
    const next = scheduler.acquire();
    controller.abort();
    await expect(aborted).rejects.toBeInstanceOf(AbortedError);
    expect(scheduler.queued).toBe(1);
    held.release();
    await expect(next).resolves.toBeDefined();
  });

  it("ignores a second release of the same lease", async () => {
    const scheduler = new SlotScheduler(1, 5);
    const lease = await scheduler.acquire();
    lease.release();
    lease.release();
    expect(scheduler.busy).toBe(0);
  });
});
