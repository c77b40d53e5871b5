/**
 * Fan-out of the gateway's events to subscribers (event-stream clients, the dashboard), with
 * the most recent ones kept so a client that reconnects with Last-Event-ID misses nothing.
 * Publishing costs nothing while no one listens: callers ask `wants(type)` before they build
 * an event, so the request path stays as fast without subscribers as before.
 */
import type { HydraEvent, HydraEventMap, HydraEventType } from "./types.js";

export type EventListener = (event: HydraEvent) => void;

interface Subscription {
  types: ReadonlySet<HydraEventType> | undefined;
  listener: EventListener;
}

export class EventBus {
  readonly #history: HydraEvent[] = [];
  readonly #historySize: number;
  readonly #subscriptions = new Set<Subscription>();
  /** Subscriptions to every type, and per type the ones that chose it: `wants` without a loop. */
  #allTypes = 0;
  readonly #byType = new Map<HydraEventType, number>();
  readonly #now: () => number;
  #seq = 0;

  constructor(options: { historySize?: number; now?: () => number } = {}) {
    this.#historySize = options.historySize ?? 500;
    this.#now = options.now ?? Date.now;
  }

  /** The sequence number of the latest event (0 before the first). */
  get latestSeq(): number {
    return this.#seq;
  }

  get subscribers(): number {
    return this.#subscriptions.size;
  }

  /** Whether anyone would receive an event of this type (build it only then). */
  wants(type: HydraEventType): boolean {
    return this.#allTypes > 0 || (this.#byType.get(type) ?? 0) > 0;
  }

  publish<T extends HydraEventType>(type: T, data: HydraEventMap[T]): void {
    const event: HydraEvent<T> = { seq: ++this.#seq, type, at: this.#now(), data };
    this.#history.push(event);
    if (this.#history.length > this.#historySize) this.#history.shift();
    for (const subscription of this.#subscriptions) {
      if (subscription.types === undefined || subscription.types.has(type)) subscription.listener(event);
    }
  }

  /**
   * Calls `listener` for every later event of the given types (all when undefined), after
   * replaying those kept since `afterSeq`. Returns the unsubscribe function.
   */
  subscribe(
    listener: EventListener,
    options: { types?: ReadonlySet<HydraEventType>; afterSeq?: number } = {},
  ): () => void {
    const subscription: Subscription = { types: options.types, listener };
    if (options.afterSeq !== undefined) {
      for (const event of this.#history) {
        if (event.seq > options.afterSeq && (options.types === undefined || options.types.has(event.type)))
          listener(event);
      }
    }
    this.#subscriptions.add(subscription);
    this.#count(subscription.types, 1);
    return () => {
      if (this.#subscriptions.delete(subscription)) this.#count(subscription.types, -1);
    };
  }

  #count(types: ReadonlySet<HydraEventType> | undefined, change: 1 | -1): void {
    if (types === undefined) this.#allTypes += change;
    else for (const type of types) this.#byType.set(type, (this.#byType.get(type) ?? 0) + change);
  }

  /** The kept events, oldest first. */
  recent(): readonly HydraEvent[] {
    return this.#history;
  }
}
