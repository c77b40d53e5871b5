/**
 * The node's speed model. Time to first token = queue wait + load time (when the model is not
 * in VRAM) + prompt tokens / prefill rate; after that one token per decode interval. A model's
 * `speed` multiplies both rates on this node.
 */
import type { SimNodeConfig } from "./config.js";

export interface Latency {
  /** Time to read a model of `sizeMb` from disk into VRAM. */
  loadMs(sizeMb: number): number;
  /** Time to process `tokens` prompt tokens. */
  prefillMs(tokens: number, speed: number): number;
  /** Time per generated token. */
  tokenMs(speed: number): number;
  /** Time to download `bytes` for /api/pull. */
  pullMs(bytes: number): number;
}

export function latencyOf(
  config: Pick<SimNodeConfig, "load_mbps" | "prefill_tps" | "decode_tps" | "pull_mbps">,
): Latency {
  return {
    loadMs: (sizeMb) => (sizeMb / config.load_mbps) * 1000,
    prefillMs: (tokens, speed) => (tokens / (config.prefill_tps * speed)) * 1000,
    tokenMs: (speed) => 1000 / (config.decode_tps * speed),
    pullMs: (bytes) => (bytes / (config.pull_mbps * 1024 * 1024)) * 1000,
  };
}

/** Milliseconds → the nanosecond integers Ollama reports in *_duration fields. */
export function toNanos(ms: number): number {
  return Math.max(0, Math.round(ms * 1e6));
}
