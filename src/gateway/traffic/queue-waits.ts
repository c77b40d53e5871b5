/**
 * How long requests of each priority waited for a node slot over the last minute: the
 * dashboard's queue panel. One counter pair per priority per second in a ring, so a busy
 * gateway's thousands of admissions a second cost the same memory as a quiet one's.
 */
const WINDOW_S = 60;

interface Second {
  second: number;
  /** priority → [admitted, summed wait ms] */
  byPriority: Map<number, [number, number]>;
}

export class QueueWaits {
  readonly #slots: (Second | undefined)[] = new Array(WINDOW_S);
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  record(priority: number, waitedMs: number): void {
    const second = Math.floor(this.#now() / 1000);
    const index = second % WINDOW_S;
    let slot = this.#slots[index];
    if (slot === undefined || slot.second !== second) {
      slot = { second, byPriority: new Map() };
      this.#slots[index] = slot;
    }
    const entry = slot.byPriority.get(priority) ?? [0, 0];
    entry[0]++;
    entry[1] += waitedMs;
    slot.byPriority.set(priority, entry);
  }

  /** Per priority: requests admitted in the last minute and their mean wait (ms). */
  recent(): Map<number, { admitted: number; meanWaitMs: number }> {
    const oldest = Math.floor(this.#now() / 1000) - WINDOW_S + 1;
    const sums = new Map<number, [number, number]>();
    for (const slot of this.#slots) {
      if (slot === undefined || slot.second < oldest) continue;
      for (const [priority, [admitted, waited]] of slot.byPriority) {
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
