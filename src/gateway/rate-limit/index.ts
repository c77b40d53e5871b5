export { type RateLimitConfig, type RateLimits, rateLimitConfigSchema, rateLimitsSchema } from "./config.js";
export { RateLimitedError } from "./errors.js";
export { bearerKeyOf, installRateLimits, rateLimitedBody } from "./hook.js";
export {
  type RateLimitDecision,
  RateLimiter,
  type RateLimiterOptions,
  type RateLimitKind,
  type RateLimitScope,
} from "./limiter.js";
export { TokenBucket, type TokenBucketOptions } from "./token-bucket.js";
