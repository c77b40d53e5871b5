/**
 * A tiny seeded PRNG (mulberry32) and the draws a workload needs, so every run of a
 * benchmark, and every strategy within a run, sees exactly the same requests.
 */

/** The project's seeded source (mulberry32), under the name the workload code uses. */
export { seededRandom as mulberry32 } from "../../src/random/seeded-random.js";

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
