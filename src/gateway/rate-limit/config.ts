/**
 * Rate-limit configuration. Everything is optional and off by default: a limit applies only
 * where a rate is set.
 */
import { z } from "zod";

export const rateLimitsSchema = z.strictObject({
  /** Sustained requests per second (fractions allowed: 0.5 is one request every 2 s). */
  requestsPerSecond: z.number().positive().optional(),
  /** Prompt + generated tokens per minute, charged after each response. */
  tokensPerMinute: z.number().int().positive().optional(),
  /** Requests allowed at once after a quiet period; default requestsPerSecond (at least 1). Needs requestsPerSecond. */
  burst: z.number().int().positive().optional(),
});

export const rateLimitConfigSchema = z.strictObject({
  /** One budget shared by every request to the gateway. */
  global: rateLimitsSchema.optional(),
  /** A budget of its own for each API key. Requests without a key count against `global` only. */
  perKey: rateLimitsSchema.optional(),
  /** Per API key overrides, merged over `perKey` field by field. */
  keys: z.record(z.string().min(1), rateLimitsSchema).optional(),
});

export type RateLimits = z.infer<typeof rateLimitsSchema>;
export type RateLimitConfig = z.infer<typeof rateLimitConfigSchema>;
