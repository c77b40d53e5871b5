/**
 * How long to wait before trying a node again: exponential back-off with full
 * jitter (a random delay up to base·2^attempt, capped), but never less than the
 * node's Retry-After.
 */
export interface BackoffInput {
  /** 0 for the first retry. */
  attempt: number;
  baseMs: number;
  maxMs: number;
  retryAfterMs?: number | undefined;
  random?: () => number;
}

export function backoffDelayMs(input: BackoffInput): number {
  const random = input.random ?? Math.random;
  const ceiling = Math.min(input.maxMs, input.baseMs * 2 ** input.attempt);
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, input.retryAfterMs ?? 0);
}
