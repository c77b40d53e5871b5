/**
 * A FIFO concurrency limit: at most `limit` holders at once, the rest wait in arrival order. The
 * engine shares one across all its runs, so `workflow.concurrency` bounds the steps executing in
 * the process. A waiter whose signal aborts leaves the queue at once (a cancelled run does not
 * keep its place in line).
 */
export type Release = () => void;

interface Waiter {
  grant: (release: Release) => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class ConcurrencyLimiter {
  readonly limit: number;
  #active = 0;
  /** Head index instead of shift(): O(1) dequeue for long queues. */
  #queue: (Waiter | undefined)[] = [];
  #head = 0;
  #waiting = 0;

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`concurrency must be a whole number >= 1, got ${limit}`);
    }
    this.limit = limit;
  }

  /** Holders now. */
  get active(): number {
    return this.#active;
  }

  /** Waiting now. */
  get waiting(): number {
    return this.#waiting;
  }

  /** Resolves with the release function once a slot is free; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#active < this.limit && this.#waiting === 0) {
      this.#active++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = { grant: resolve, reject, signal, onAbort: undefined };
      const index = this.#queue.length;
      this.#queue.push(waiter);
      this.#waiting++;
      if (signal !== undefined) {
        waiter.onAbort = () => {
          this.#queue[index] = undefined;
          this.#waiting--;
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
    });
  }

  #releaser(): Release {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#active--;
      this.#grantNext();
    };
  }

  #grantNext(): void {
    while (this.#active < this.limit && this.#head < this.#queue.length) {
      const waiter = this.#queue[this.#head];
      this.#queue[this.#head] = undefined;
      this.#head++;
      if (waiter === undefined) continue;
      this.#waiting--;
      if (waiter.onAbort !== undefined) waiter.signal?.removeEventListener("abort", waiter.onAbort);
      this.#active++;
      waiter.grant(this.#releaser());
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    }
  }
}
