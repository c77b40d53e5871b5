/**
 * Recent times to first token per node and model, to know when a request has
 * waited unusually long (its p95) and deserves a hedge.
 */
export class TtftTracker {
  readonly #samples = new Map<string, number[]>();
  readonly #size: number;

  constructor(size = 100) {
    this.#size = size;
  }

  record(node: string, model: string, ms: number): void {
    const key = `${node}\u0000${model}`;
    const samples = this.#samples.get(key) ?? [];
    samples.push(ms);
    if (samples.length > this.#size) samples.shift();
    this.#samples.set(key, samples);
  }

  /** The p-th percentile of the recent samples, or undefined with fewer than `minSamples`. */
  percentile(node: string, model: string, p: number, minSamples = 5): number | undefined {
    const samples = this.#samples.get(`${node}\u0000${model}`);
    if (samples === undefined || samples.length < minSamples) return undefined;
    const sorted = [...samples].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  }
}
