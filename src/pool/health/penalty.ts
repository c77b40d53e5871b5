/**
 * The overload penalty: a node that answers 429/503 is alive but busy, so instead of ejecting it
 * the router scores it lower for a while. Pure: a small value plus functions of `now`.
 *
 * The penalty is in [0, 1]: 0 = none, 1 = as low as it goes (a router multiplies a score by
 * `1 - penalty`). Each overload compounds: p' = 1 - (1 - p)(1 - step). Without Retry-After it
 * fades linearly to 0 over `decayMs`; with Retry-After it holds until that time, then drops to 0,
 * since the node said when it expects to cope again.
 */
export interface Penalty {
  readonly level: number;
  /** When `level` was set. */
  readonly from: number;
  /** When the penalty is gone. */
  readonly until: number;
  /** Held at `level` until `until` (Retry-After) rather than fading. */
  readonly hold: boolean;
}

export const NO_PENALTY: Penalty = { level: 0, from: 0, until: 0, hold: false };

export interface PenaltyPolicy {
  /** What one overload adds, in [0, 1]. */
  step: number;
  /** Fade time without Retry-After. */
  decayMs: number;
}

export function penaltyAt(penalty: Penalty, now: number): number {
  if (now >= penalty.until || penalty.level <= 0) return 0;
  if (penalty.hold || now <= penalty.from) return penalty.level;
  return (penalty.level * (penalty.until - now)) / (penalty.until - penalty.from);
}

export function addOverload(
  penalty: Penalty,
  now: number,
  policy: PenaltyPolicy,
  retryAfterMs?: number,
): Penalty {
  const level = Math.min(1, 1 - (1 - penaltyAt(penalty, now)) * (1 - policy.step));
  const hold = retryAfterMs !== undefined && retryAfterMs > 0;
  const until = now + (hold ? retryAfterMs : policy.decayMs);
  // An earlier Retry-After that reaches further still stands: the node's word beats our guess.
  if (penalty.hold && penalty.until > until) return { level, from: now, until: penalty.until, hold: true };
  return { level, from: now, until, hold };
}
