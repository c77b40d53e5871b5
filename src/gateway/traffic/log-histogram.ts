/**
 * A histogram over logarithmic buckets: constant memory whatever the number of samples, and
 * quantiles within ±2 % of the true value (each bucket spans a factor of 1.04). Deterministic,
 * unlike reservoir sampling, so the same traffic always draws the same chart.
 */
const GROWTH = 1.04;
const LOG_GROWTH = Math.log(GROWTH);
/** Values below this (ms) share bucket 0: sub-0.01 ms differences do not matter here. */
const FLOOR = 0.01;

export class LogHistogram {
  readonly #counts = new Map<number, number>();
  #total = 0;

  get count(): number {
    return this.#total;
  }

  add(value: number): void {
    const index = value <= FLOOR ? 0 : Math.floor(Math.log(value / FLOOR) / LOG_GROWTH) + 1;
    this.#counts.set(index, (this.#counts.get(index) ?? 0) + 1);
    this.#total++;
  }

  /** The q-quantile (0 < q ≤ 1): the middle of the bucket holding it; null when empty. */
  quantile(q: number): number | null {
    if (this.#total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * this.#total));
    const indices = [...this.#counts.keys()].sort((a, b) => a - b);
    let seen = 0;
    for (const index of indices) {
      seen += this.#counts.get(index) ?? 0;
      if (seen >= rank) return bucketMiddle(index);
    }
    return bucketMiddle(indices[indices.length - 1] ?? 0);
  }
}

function bucketMiddle(index: number): number {
  if (index === 0) return FLOOR;
  const low = FLOOR * GROWTH ** (index - 1);
  return (low + low * GROWTH) / 2;
}
