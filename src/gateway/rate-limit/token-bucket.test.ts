import { describe, expect, it } from "vitest";
import { TokenBucket } from "./token-bucket.js";

const bucket = (capacity: number, refillPerSecond: number, now = 0) =>
  new TokenBucket({ capacity, refillPerSecond }, now);

describe("TokenBucket", () => {
  it("starts full and takes until empty", () => {
    const b = bucket(3, 1);
    expect([b.take(1, 0), b.take(1, 0), b.take(1, 0), b.take(1, 0)]).toEqual([true, true, true, false]);
    expect(b.available(0)).toBe(0);
  });

  it("takes several tokens at once only when all are there", () => {
    const b = bucket(5, 1);
    expect(b.take(4, 0)).toBe(true);
    expect(b.take(2, 0)).toBe(false);
    expect(b.available(0)).toBe(1);
    expect(b.take(1, 0)).toBe(true);
  });

  it("refills continuously at its rate and never beyond capacity", () => {
    const b = bucket(10, 2);
    b.take(10, 0);
    expect(b.available(250)).toBe(0.5);
    expect(b.available(1_000)).toBe(2);
    expect(b.available(60_000)).toBe(10);
  });

  it("supports rates below one per second", () => {
    const b = bucket(1, 0.5);
    expect(b.take(1, 0)).toBe(true);
    expect(b.take(1, 1_999)).toBe(false);
    expect(b.take(1, 2_000)).toBe(true);
  });

  it("says how long until n tokens are there: 0 now, exact ms later, Infinity never", () => {
    const b = bucket(4, 2);
    expect(b.retryAfterMs(1, 0)).toBe(0);
    b.take(4, 0);
    expect(b.retryAfterMs(1, 0)).toBe(500);
    expect(b.retryAfterMs(3, 0)).toBe(1_500);
    expect(b.retryAfterMs(1, 400)).toBe(100);
    expect(b.retryAfterMs(1, 500)).toBe(0);
    expect(b.retryAfterMs(5, 500)).toBe(Number.POSITIVE_INFINITY);
  });

  it("rounds partial milliseconds up, so a retry at that time succeeds", () => {
    const b = bucket(1, 3);
    b.take(1, 0);
    const wait = b.retryAfterMs(1, 0);
    expect(wait).toBe(334);
    expect(b.take(1, wait)).toBe(true);
  });

  it("goes into debt when charged more than it holds, and blocks until the debt is paid", () => {
    const b = bucket(60, 1);
    b.charge(90, 0);
    expect(b.available(0)).toBe(-30);
    expect(b.retryAfterMs(1, 0)).toBe(31_000);
    expect(b.take(1, 30_000)).toBe(false);
    expect(b.take(1, 31_000)).toBe(true);
  });

  it("refunds tokens, never above capacity", () => {
    const b = bucket(3, 1);
    b.take(2, 0);
    b.refund(1, 0);
    expect(b.available(0)).toBe(2);
    b.refund(5, 0);
    expect(b.available(0)).toBe(3);
  });

  it("reports the time until full", () => {
    const b = bucket(10, 5);
    expect(b.msUntilFull(0)).toBe(0);
    b.take(10, 0);
    expect(b.msUntilFull(0)).toBe(2_000);
    expect(b.msUntilFull(1_000)).toBe(1_000);
  });

  it("neither mints nor loses tokens when the clock steps back", () => {
    const b = bucket(10, 1, 10_000);
    b.take(10, 10_000);
    expect(b.available(5_000)).toBe(0);
    expect(b.available(11_000)).toBe(1);
  });

  it("refuses a capacity or rate that is not positive", () => {
    expect(() => bucket(0, 1)).toThrow(RangeError);
    expect(() => bucket(1, 0)).toThrow(RangeError);
    expect(() => bucket(1, Number.NaN)).toThrow(/positive capacity and refill rate/);
  });
});
