/**
 * A closed-loop load generator: `concurrency` workers each send a request, wait
 * for the whole answer, and send the next, for a fixed time.
 */
import { Pool } from "undici";

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  /** Per-request latencies in ms, sorted. */
  latencies: number[];
  /** NDJSON lines received before the final one, summed: streamed tokens. */
  tokens: number;
}

export interface LoadOptions {
  url: string;
  path: string;
  body: string;
  concurrency: number;
  durationMs: number;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const origin = new URL(options.url).origin;
  const pool = new Pool(origin, { connections: options.concurrency, pipelining: 1 });
  const latencies: number[] = [];
  let errors = 0;
  let tokens = 0;
  const started = performance.now();
  const deadline = started + options.durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const response = await pool.request({
          method: "POST",
          path: options.path,
          body: options.body,
          headers: { "content-type": "application/json" },
        });
        let lines = 0;
        for await (const chunk of response.body) lines += countNewlines(chunk as Buffer);
        if (response.statusCode !== 200) errors++;
        else tokens += Math.max(0, lines - 1);
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return { requests: latencies.length, errors, seconds, latencies, tokens };
}

function countNewlines(chunk: Buffer): number {
  let count = 0;
  let index = chunk.indexOf(10);
  while (index !== -1) {
    count++;
    index = chunk.indexOf(10, index + 1);
  }
  return count;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}
