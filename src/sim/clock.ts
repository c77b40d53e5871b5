/**
 * Time for the simulator. The engine never calls Date.now or setTimeout itself, so unit tests
 * can drive it with ManualClock and the zero-latency mode can skip timers entirely.
 */
import { setTimeout as delay } from "node:timers/promises";
import { AbortedError } from "./scheduler.js";

export interface SimClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Wall-clock milliseconds since the epoch (for created_at / expires_at). */
  wallNow(): number;
  /** Resolves after `ms`; rejects with AbortedError when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: SimClock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  async sleep(ms, signal) {
    if (signal?.aborted) throw new AbortedError();
    if (ms <= 0) return;
    try {
      await delay(ms, undefined, signal ? { signal } : undefined);
    } catch {
      throw new AbortedError();
    }
  },
};

/** A clock that only moves when told to; sleeps resolve as advance() passes their deadline. */
export class ManualClock implements SimClock {
  private current = 0;
  private readonly sleepers: { at: number; resolve: () => void }[] = [];

  constructor(private readonly epochMs = Date.UTC(2025, 0, 1)) {}

  now(): number {
    return this.current;
  }

  wallNow(): number {
    return this.epochMs + this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const sleeper = { at: this.current + ms, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener(
        "abort",
        () => {
          const i = this.sleepers.indexOf(sleeper);
          if (i >= 0) this.sleepers.splice(i, 1);
          reject(new AbortedError());
        },
        { once: true },
      );
    });
  }

  /** Number of pending sleeps (lets a test wait until the engine is parked). */
  get pending(): number {
    return this.sleepers.length;
  }

  /**
   * Moves time forward by `ms`, waking sleepers in deadline order and letting each woken task
   * run (microtasks) before the next deadline.
   */
  async advance(ms: number): Promise<void> {
    const target = this.current + ms;
    for (;;) {
      await flushMicrotasks();
      this.sleepers.sort((a, b) => a.at - b.at);
      const next = this.sleepers[0];
      if (!next || next.at > target) break;
      this.sleepers.shift();
      this.current = Math.max(this.current, next.at);
      next.resolve();
    }
    this.current = target;
    await flushMicrotasks();
  }
}

/** Lets pending promise callbacks run (several rounds, for chains of awaits). */
export async function flushMicrotasks(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve();
}
