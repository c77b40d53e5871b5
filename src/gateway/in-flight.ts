/**
 * The requests a gateway is serving, so a drain can wait for them to finish and
 * stop the ones that outlive it, telling each client why.
 */
export class Ticket {
  readonly abort = new AbortController();
  #stopped: Error | undefined;
  timer: NodeJS.Timeout | undefined;

  /** Why the gateway stopped the request (drain over, total timeout), if it did. */
  get stopReason(): string | undefined {
    return this.#stopped?.message;
  }

  /** The error the client gets for a stop that happened before any answer. */
  get stopError(): Error | undefined {
    return this.#stopped;
  }

  stop(error: Error): void {
    this.#stopped ??= error;
    this.abort.abort();
  }
}

export class InFlightRequests {
  readonly #tickets = new Set<Ticket>();
  #idleWaiters: (() => void)[] = [];

  get size(): number {
    return this.#tickets.size;
  }

  open(): Ticket {
    const ticket = new Ticket();
    this.#tickets.add(ticket);
    return ticket;
  }

  close(ticket: Ticket): void {
    clearTimeout(ticket.timer);
    if (!this.#tickets.delete(ticket) || this.#tickets.size > 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }

  /** Resolves when no request is in flight. */
  whenIdle(): Promise<void> {
    if (this.#tickets.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  stopAll(error: Error): number {
    for (const ticket of this.#tickets) ticket.stop(error);
    return this.#tickets.size;
  }
}
