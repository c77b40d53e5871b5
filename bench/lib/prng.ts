/**
 * A tiny seeded PRNG (mulberry32) and the draws a workload needs, so every run of a
 * benchmark, and every strategy within a run, sees exactly the same requests.
 */

/** mulberry32: 32-bit state, uniform floats in [0, 1). Not cryptographic; plenty for workloads. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An exponential draw with the given rate: the gap between two Poisson arrivals. */
export function exponential(random: () => number, ratePerUnit: number): number {
  // 1 - u lies in (0, 1], so the log is finite.
  return -Math.log(1 - random()) / ratePerUnit;
}

/** Picks an item with probability proportional to its weight. */
export function weighted<T>(random: () => number, items: readonly { value: T; weight: number }[]): T {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let left = random() * total;
  for (const item of items) {
    left -= item.weight;
    if (left < 0) return item.value;
  }
  const last = items[items.length - 1];
  if (last === undefined) throw new Error("weighted(): no items");
  return last.value;
}
