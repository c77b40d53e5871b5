import { z } from "zod";

/** Hedging is off unless `minPriority` is set: it doubles the work of the requests it applies to. */
export const hedgingConfigSchema = z.strictObject({
  /** Requests at this priority or above are hedged (1-10); absent: no hedging. */
  minPriority: z.number().int().min(1).max(10).optional(),
  /** Which percentile of the node's recent times to first token to wait before hedging. */
  percentile: z.number().min(50).max(100).default(95),
  /** The wait before a hedge while a node has too few samples to know its percentile. */
  defaultDelayMs: z.number().int().positive().default(2_000),
});

export type HedgingConfig = z.infer<typeof hedgingConfigSchema>;
