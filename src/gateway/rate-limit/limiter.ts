/**
 * Request and token budgets for the gateway as a whole and per API key, each a pair of token
 * buckets (requests/s, tokens/min). `check` runs before a request and takes one request from
 * every budget that applies; `recordTokens` bills the tokens a response used once it is known.
 */
import type { RateLimitConfig, RateLimits } from "./config.js";
import { TokenBucket } from "./token-bucket.js";

export type RateLimitScope = "global" | "key";
export type RateLimitKind = "requests" | "tokens";

export type RateLimitDecision =
  | { allowed: true; headers: Record<string, string> }
  | {
      allowed: false;
      retryAfterSeconds: number;
      /** The x-ratelimit-* headers and `retry-after`. */
      headers: Record<string, string>;
      message: string;
      scope: RateLimitScope;
      kind: RateLimitKind;
    };

export interface RateLimiterOptions {
  /** Clock in ms; default `Date.now`. */
  now?: () => number;
  /**
   * Per-key budgets kept before idle ones are dropped. Keeps memory bounded when clients
   * present many distinct keys (auth off); a dropped budget was full, so dropping loses nothing.
   */
  maxTrackedKeys?: number;
}

/** One scope's buckets; either may be absent when its rate is not configured. */
interface Budget {
  readonly scope: RateLimitScope;
  readonly limits: RateLimits;
  readonly requests: TokenBucket | undefined;
  readonly tokens: TokenBucket | undefined;
}

/** A request needs one token; a token budget needs at least one token of credit left. */
const ONE = 1;

export class RateLimiter {
  readonly #config: RateLimitConfig;
  readonly #now: () => number;
  readonly #maxTrackedKeys: number;
  readonly #global: Budget | undefined;
  readonly #keys = new Map<string, Budget>();

  constructor(config: RateLimitConfig, options: RateLimiterOptions = {}) {
    this.#config = config;
    this.#now = options.now ?? Date.now;
    this.#maxTrackedKeys = options.maxTrackedKeys ?? 10_000;
    this.#global = createBudget("global", config.global, this.#now());
  }

  /** False when no rate is configured anywhere: the gateway can skip the hook entirely. */
  get enabled(): boolean {
    const { global, perKey, keys } = this.#config;
    return [global, perKey, ...Object.values(keys ?? {})].some(
      (limits) => limits?.requestsPerSecond !== undefined || limits?.tokensPerMinute !== undefined,
    );
  }

  /**
   * Admits or refuses one request for `key` (undefined: no API key, global budget only).
   * Admitted: one request is taken from each request bucket that applies. Refused: nothing is
   * taken, so a client hammering a 429 does not push its own retry time further out.
   */
  check(key: string | undefined, now = this.#now()): RateLimitDecision {
    const budgets = this.#budgets(key, now);
    if (budgets.length === 0) return { allowed: true, headers: {} };

    let blocker: { budget: Budget; kind: RateLimitKind; waitMs: number } | undefined;
    for (const budget of budgets) {
      for (const kind of ["requests", "tokens"] as const) {
        const waitMs = budget[kind]?.retryAfterMs(ONE, now) ?? 0;
        if (waitMs > 0 && (blocker === undefined || waitMs >= blocker.waitMs))
          blocker = { budget, kind, waitMs };
      }
    }
    if (blocker === undefined) {
      for (const budget of budgets) budget.requests?.take(ONE, now);
      return { allowed: true, headers: rateLimitHeaders(budgets, now) };
    }
    const retryAfterSeconds = Math.max(1, Math.ceil(blocker.waitMs / 1_000));
    return {
      allowed: false,
      retryAfterSeconds,
      headers: { ...rateLimitHeaders(budgets, now), "retry-after": String(retryAfterSeconds) },
      message: refusal(blocker.budget, blocker.kind, retryAfterSeconds),
      scope: blocker.budget.scope,
      kind: blocker.kind,
    };
  }

  /**
   * Bills the prompt + generated tokens of a finished response to the global and the key's
   * token budgets. They may go into debt: the next requests wait until it is paid back.
   */
  recordTokens(key: string | undefined, tokens: number, now = this.#now()): void {
    if (!Number.isFinite(tokens) || tokens <= 0) return;
    for (const budget of this.#budgets(key, now)) budget.tokens?.charge(tokens, now);
  }

  #budgets(key: string | undefined, now: number): Budget[] {
    const budgets: Budget[] = [];
    if (this.#global !== undefined) budgets.push(this.#global);
    const keyBudget = key === undefined ? undefined : this.#keyBudget(key, now);
    if (keyBudget !== undefined) budgets.push(keyBudget);
    return budgets;
  }

  #keyBudget(key: string, now: number): Budget | undefined {
    const existing = this.#keys.get(key);
    if (existing !== undefined) return existing;
    const { perKey, keys } = this.#config;
    const override = keys !== undefined && Object.hasOwn(keys, key) ? keys[key] : undefined;
    const budget = createBudget("key", perKey || override ? { ...perKey, ...override } : undefined, now);
    if (budget === undefined) return undefined;
    if (this.#keys.size >= this.#maxTrackedKeys) this.#dropIdle(now);
    this.#keys.set(key, budget);
    return budget;
  }

  /** Drops budgets that refilled completely: a fresh one would be identical. */
  #dropIdle(now: number): void {
    const isFull = (bucket: TokenBucket | undefined) =>
      bucket === undefined || bucket.available(now) >= bucket.capacity;
    for (const [key, budget] of this.#keys) {
      if (isFull(budget.requests) && isFull(budget.tokens)) this.#keys.delete(key);
    }
  }
}

function createBudget(
  scope: RateLimitScope,
  limits: RateLimits | undefined,
  now: number,
): Budget | undefined {
  if (limits === undefined) return undefined;
  const { requestsPerSecond: rps, tokensPerMinute: tpm, burst } = limits;
  const requests =
    rps === undefined
      ? undefined
      : new TokenBucket({ capacity: burst ?? Math.max(1, rps), refillPerSecond: rps }, now);
  // A minute's worth of tokens may be spent at once; the budget refills evenly over the minute.
  const tokens =
    tpm === undefined ? undefined : new TokenBucket({ capacity: tpm, refillPerSecond: tpm / 60 }, now);
  if (requests === undefined && tokens === undefined) return undefined;
  return { scope, limits, requests, tokens };
}

function refusal(budget: Budget, kind: RateLimitKind, retryAfterSeconds: number): string {
  const whose = budget.scope === "global" ? "the gateway's" : "this API key's";
  const { requestsPerSecond, tokensPerMinute } = budget.limits;
  const limit =
    kind === "requests"
      ? `${whose} limit of ${requestsPerSecond} requests per second (burst ${budget.requests?.capacity})`
      : `${whose} limit of ${tokensPerMinute} tokens per minute`;
  return `rate limit exceeded: ${limit} is used up; retry after ${retryAfterSeconds} s`;
}

/**
 * OpenAI's x-ratelimit-* headers, for the tightest budget of each kind (the one with the
 * fewest tokens left): limit = bucket capacity, remaining = whole tokens left, reset = time
 * until the bucket is full again, in OpenAI's duration format ("1s", "6m0s", "20ms").
 */
function rateLimitHeaders(budgets: readonly Budget[], now: number): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const kind of ["requests", "tokens"] as const) {
    let tightest: TokenBucket | undefined;
    for (const budget of budgets) {
      const bucket = budget[kind];
      if (
        bucket !== undefined &&
        (tightest === undefined || bucket.available(now) <= tightest.available(now))
      )
        tightest = bucket;
    }
    if (tightest === undefined) continue;
    headers[`x-ratelimit-limit-${kind}`] = String(Math.floor(tightest.capacity));
    headers[`x-ratelimit-remaining-${kind}`] = String(Math.max(0, Math.floor(tightest.available(now))));
    headers[`x-ratelimit-reset-${kind}`] = formatDuration(tightest.msUntilFull(now));
  }
  return headers;
}

/** Durations the way OpenAI (and Go) print them: "0s", "250ms", "1.5s", "6m0s", "1h0m0s". */
export function formatDuration(ms: number): string {
  if (ms <= 0) return "0s";
  if (ms < 1_000) return `${Math.ceil(ms)}ms`;
  const totalSeconds = Math.ceil(ms / 100) / 10;
  if (totalSeconds < 60) return `${totalSeconds}s`;
  const seconds = Math.ceil(totalSeconds);
  const hours = Math.floor(seconds / 3_600);
  const minutes = Math.floor((seconds % 3_600) / 60);
  const rest = seconds % 60;
  return hours > 0 ? `${hours}h${minutes}m${rest}s` : `${minutes}m${rest}s`;
}
