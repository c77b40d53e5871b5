/**
 * The requests a gateway is serving, so a drain can wait for them to finish and
 * stop the ones that outlive it, telling each client why.
 */
export class Ticket {
  readonly abort = new AbortController();
  #stopReason: string | undefined;

  /** Why the gateway stopped the request, if it did. */
  get stopReason(): string | undefined {
    return this.#stopReason;
  }

  stop(reason: string): void {
    this.#stopReason ??= reason;
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

  stopAll(reason: string): number {
    for (const ticket of this.#tickets) ticket.stop(reason);
    return this.#tickets.size;
  }
}
