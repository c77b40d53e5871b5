/** Helpers shared by the sim's integration tests (not part of the library API). */
import type { SimNodeInput } from "./config.js";

/** A node fast enough for tests that still streams token by token through real timers. */
export function fastNode(overrides: SimNodeInput = {}): SimNodeInput {
  return {
    name: "test-node",
    num_parallel: 4,
    vram_mb: 16_000,
    prefill_tps: 1_000_000,
    decode_tps: 5_000,
    load_mbps: 1_000_000,
    pull_mbps: 1_000_000,
    response_tokens: { min: 12, max: 24 },
    ...overrides,
  };
}

/** Polls a condition on the event loop until it holds (for states a test cannot await directly). */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
