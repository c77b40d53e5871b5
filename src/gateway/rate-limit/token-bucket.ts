/**
 * A token bucket: holds up to `capacity` tokens and refills continuously at a fixed rate. Time is
 * passed in by the caller (no clock inside), so behaviour is exact and tests need no timers.
 *
 * Tokens can go below zero through `charge`: a cost only known afterwards (the tokens a
 * generation produced) is billed in full, and the debt blocks `take` until refilled.
 */
export interface TokenBucketOptions {
  /** Most tokens the bucket holds: the burst allowed after a quiet period. */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
}

export class TokenBucket {
  readonly capacity: number;
  readonly refillPerSecond: number;
  readonly #refillPerMs: number;
  #tokens: number;
  #updatedAt: number;

  /** Starts full at time `now` (ms). */
  constructor(options: TokenBucketOptions, now: number) {
    if (!(options.capacity > 0) || !(options.refillPerSecond > 0)) {
      throw new RangeError(
        `a token bucket needs a positive capacity and refill rate, got ${options.capacity} and ${options.refillPerSecond}`,
      );
    }
    this.capacity = options.capacity;
    this.refillPerSecond = options.refillPerSecond;
    this.#refillPerMs = options.refillPerSecond / 1_000;
    this.#tokens = options.capacity;
    this.#updatedAt = now;
  }

  /** Tokens in the bucket at `now`; negative while in debt. */
  available(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** Takes `n` tokens if the bucket holds that many, and says whether it did. */
  take(n: number, now: number): boolean {
    this.#refill(now);
    if (this.#tokens < n) return false;
    this.#tokens -= n;
    return true;
  }

  /** Takes `n` tokens whatever the balance, going into debt if needed. */
  charge(n: number, now: number): void {
    this.#refill(now);
    this.#tokens -= n;
  }

  /** Gives back `n` tokens taken for something that did not happen; never above capacity. */
  refund(n: number, now: number): void {
    this.#refill(now);
    this.#tokens = Math.min(this.capacity, this.#tokens + n);
  }

  /** Milliseconds from `now` until `n` tokens are available: 0 if they are, Infinity if never (n > capacity). */
  retryAfterMs(n: number, now: number): number {
    this.#refill(now);
    if (this.#tokens >= n) return 0;
    if (n > this.capacity) return Number.POSITIVE_INFINITY;
    return Math.ceil((n - this.#tokens) / this.#refillPerMs);
  }

  /** Milliseconds from `now` until the bucket is full again (what `x-ratelimit-reset-*` reports). */
  msUntilFull(now: number): number {
    this.#refill(now);
    return Math.ceil((this.capacity - this.#tokens) / this.#refillPerMs);
  }

  #refill(now: number): void {
    // A clock that steps back (NTP) must neither mint nor destroy tokens.
    if (now <= this.#updatedAt) return;
    this.#tokens = Math.min(this.capacity, this.#tokens + (now - this.#updatedAt) * this.#refillPerMs);
    this.#updatedAt = now;
  }
}
