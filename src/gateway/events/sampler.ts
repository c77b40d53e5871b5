/**
 * `?rate=N` on the event stream: at most N events per second of each per-request type
 * (request.started, route.decision, request.finished, request.retry, hedge) for this
 * subscriber, the rest left out and counted. A dashboard shows a few decisions a second at best;
 * a gateway at a thousand requests a second need not send it every one. State changes (node.*,
 * queue, routing.strategy, orchestration) are never left out.
 */
import { type HydraEvent, type HydraEventType, PER_REQUEST_EVENT_TYPES } from "./types.js";

export class EventSampler {
  readonly #rate: number;
  readonly #now: () => number;
  /** Per type: tokens left and when they were last topped up (a token bucket of size `rate`). */
  readonly #buckets = new Map<HydraEventType, { tokens: number; at: number }>();
  #left = 0;

  constructor(ratePerSecond: number, now: () => number = performance.now.bind(performance)) {
    this.#rate = ratePerSecond;
    this.#now = now;
  }

  /** Whether to send the event; every one it says no to is counted in `takeLeftOut`. */
  admit(event: HydraEvent): boolean {
    if (!PER_REQUEST_EVENT_TYPES.has(event.type)) return true;
    const now = this.#now();
    const bucket = this.#buckets.get(event.type) ?? { tokens: this.#rate, at: now };
    bucket.tokens = Math.min(this.#rate, bucket.tokens + ((now - bucket.at) / 1000) * this.#rate);
    bucket.at = now;
    this.#buckets.set(event.type, bucket);
    if (bucket.tokens < 1) {
      this.#left++;
      return false;
    }
    bucket.tokens -= 1;
    return true;
  }

  /** Events left out since the last call. */
  takeLeftOut(): number {
    const left = this.#left;
    this.#left = 0;
    return left;
  }
}
