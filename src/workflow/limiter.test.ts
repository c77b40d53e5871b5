import { describe, expect, it } from "vitest";
import { ConcurrencyLimiter } from "./limiter.js";

describe("ConcurrencyLimiter", () => {
  it("grants up to the limit at once, then queues", async () => {
    const limiter = new ConcurrencyLimiter(2);
    const first = await limiter.acquire();
    const second = await limiter.acquire();
    let third = false;
    const waiting = limiter.acquire().then((release) => {
      third = true;
      return release;
    });
    await Promise.resolve();
    expect(limiter.active).toBe(2);
    expect(limiter.waiting).toBe(1);
    expect(third).toBe(false);
    first();
    const release = await waiting;
    expect(third).toBe(true);
    expect(limiter.active).toBe(2);
    second();
    release();
    expect(limiter.active).toBe(0);
  });

  it("serves waiters in arrival order", async () => {
    const limiter = new ConcurrencyLimiter(1);
    const hold = await limiter.acquire();
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) =>
      limiter.acquire().then((release) => {
        order.push(n);
        release();
      }),
    );
    hold();
    await Promise.all(waiters);
    expect(order).toEqual([1, 2, 3]);
  });

  it("counts a double release once", async () => {
    const limiter = new ConcurrencyLimiter(1);
    const release = await limiter.acquire();
    release();
    release();
    expect(limiter.active).toBe(0);
    await limiter.acquire();
    expect(limiter.active).toBe(1);
  });

  it("drops a waiter whose signal aborts, with the signal's reason", async () => {
    const limiter = new ConcurrencyLimiter(1);
    const hold = await limiter.acquire();
    const controller = new AbortController();
    const aborted = limiter.acquire(controller.signal);
    const next = limiter.acquire();
    controller.abort(new Error("cancelled"));
    await expect(aborted).rejects.toThrow("cancelled");
    expect(limiter.waiting).toBe(1);
    hold();
    const release = await next;
    expect(limiter.active).toBe(1);
    release();
  });

  it("refuses at once when the signal is already aborted", async () => {
    const limiter = new ConcurrencyLimiter(3);
    await expect(limiter.acquire(AbortSignal.abort(new Error("late")))).rejects.toThrow("late");
    expect(limiter.active).toBe(0);
  });

  it("rejects a limit below 1", () => {
    expect(() => new ConcurrencyLimiter(0)).toThrow(/>= 1/);
    expect(() => new ConcurrencyLimiter(1.5)).toThrow(/whole number/);
  });
});
