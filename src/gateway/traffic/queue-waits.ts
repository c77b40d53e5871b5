/**
 * How long requests of each priority waited for a node slot over the last minute: the
 * dashboard's queue panel. One counter pair per priority per second in a ring, so a busy
 * gateway's thousands of admissions a second cost the same memory as a quiet one's.
 */
import { SecondRing } from "./second-ring.js";

const WINDOW_S = 60;

export class QueueWaits {
  /** Per second: priority → [admitted, summed wait ms]. */
  readonly #seconds = new SecondRing<Map<number, [number, number]>>(WINDOW_S, () => new Map());
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  record(priority: number, waitedMs: number): void {
    const byPriority = this.#seconds.at(Math.floor(this.#now() / 1000));
    const entry = byPriority.get(priority) ?? [0, 0];
    entry[0]++;
    entry[1] += waitedMs;
    byPriority.set(priority, entry);
  }

  /** Per priority: requests admitted in the last minute and their mean wait (ms). */
  recent(): Map<number, { admitted: number; meanWaitMs: number }> {
    const now = Math.floor(this.#now() / 1000);
    const sums = new Map<number, [number, number]>();
    for (let second = now - WINDOW_S + 1; second <= now; second++) {
      for (const [priority, [admitted, waited]] of this.#seconds.get(second) ?? []) {
        const sum = sums.get(priority) ?? [0, 0];
        sum[0] += admitted;
        sum[1] += waited;
        sums.set(priority, sum);
      }
    }
    return new Map(
      [...sums].map(([priority, [admitted, waited]]) => [
        priority,
        { admitted, meanWaitMs: admitted === 0 ? 0 : Math.round(waited / admitted) },
      ]),
    );
  }
}
