/**
 * Parallel request slots with a FIFO queue behind them, like Ollama's OLLAMA_NUM_PARALLEL and
 * OLLAMA_MAX_QUEUE: a request either takes a free slot, waits its turn, or is refused with
 * "server busy" when the queue is full. No timers; callers await promises.
 */

/** Ollama's ErrMaxQueue text, spacing included. */
export const SERVER_BUSY_MESSAGE = "server busy, please try again.  maximum pending requests exceeded";

export class QueueFullError extends Error {
  constructor() {
    super(SERVER_BUSY_MESSAGE);
    this.name = "QueueFullError";
  }
}

export class AbortedError extends Error {
  constructor(message = "request canceled") {
    super(message);
    this.name = "AbortedError";
  }
}

/** A held slot; release() hands it to the next waiter. Releasing twice is harmless. */
export interface SlotLease {
  release(): void;
}

interface Waiter {
  resolve(lease: SlotLease): void;
  reject(error: Error): void;
  cleanup(): void;
}

export class SlotScheduler {
  private busySlots = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    readonly slots: number,
    readonly maxQueue: number,
  ) {}

  get busy(): number {
    return this.busySlots;
  }

  get queued(): number {
    return this.waiters.length;
  }

  /** Takes a slot now or joins the queue; rejects with QueueFullError or AbortedError. */
  acquire(signal?: AbortSignal): Promise<SlotLease> {
    if (signal?.aborted) return Promise.reject(new AbortedError());
    if (this.busySlots < this.slots && this.waiters.length === 0) {
      this.busySlots++;
      return Promise.resolve(this.lease());
    }
    if (this.waiters.length >= this.maxQueue) return Promise.reject(new QueueFullError());
    return new Promise<SlotLease>((resolve, reject) => {
      const onAbort = () => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        reject(new AbortedError());
      };
      const waiter: Waiter = {
        resolve,
        reject,
        cleanup: () => signal?.removeEventListener("abort", onAbort),
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Rejects every waiter (node shutting down). */
  rejectAll(error: Error): void {
    for (const waiter of this.waiters.splice(0)) {
      waiter.cleanup();
      waiter.reject(error);
    }
  }

  private lease(): SlotLease {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const next = this.waiters.shift();
        if (next) {
          // The slot passes straight to the next request in line; busySlots stays the same.
          next.cleanup();
          next.resolve(this.lease());
        } else {
          this.busySlots--;
        }
      },
    };
  }
}
