import { describe, expect, it } from "vitest";
import { type RateLimitConfig, rateLimitConfigSchema } from "./config.js";
import { formatDuration, type RateLimitDecision, RateLimiter } from "./limiter.js";

function limiter(config: unknown) {
  let now = 0;
  const limiter = new RateLimiter(rateLimitConfigSchema.parse(config), { now: () => now });
  return {
    limiter,
    advance(ms: number) {
      now += ms;
    },
  };
}

const allowedCount = (decisions: RateLimitDecision[]) => decisions.filter((d) => d.allowed).length;

function denied(decision: RateLimitDecision) {
  if (decision.allowed) throw new Error("expected the request to be refused");
  return decision;
}

describe("rateLimitConfigSchema", () => {
  it("is off by default and rejects unknown keys and non-positive rates", () => {
    expect(rateLimitConfigSchema.parse({})).toEqual({});
    expect(rateLimitConfigSchema.safeParse({ global: { requestsPerSec: 1 } }).success).toBe(false);
    expect(rateLimitConfigSchema.safeParse({ perKey: { tokensPerMinute: 0 } }).success).toBe(false);
    expect(rateLimitConfigSchema.safeParse({ keys: { k: { burst: 1.5 } } }).success).toBe(false);
  });
});

describe("RateLimiter", () => {
  it("allows everything, with no headers, when no limit is configured", () => {
    const { limiter: l } = limiter({ keys: { "key-1": {} } });
    expect(l.enabled).toBe(false);
    expect(l.check("key-1")).toEqual({ allowed: true, headers: {} });
    expect(l.check(undefined)).toEqual({ allowed: true, headers: {} });
  });

  it("allows a burst of requests, then refuses with the time until the next one", () => {
    const { limiter: l, advance } = limiter({ global: { requestsPerSecond: 2, burst: 3 } });
    expect(l.enabled).toBe(true);
    expect(allowedCount([1, 2, 3].map(() => l.check(undefined)))).toBe(3);
    const refused = denied(l.check(undefined));
    expect(refused).toMatchObject({ retryAfterSeconds: 1, scope: "global", kind: "requests" });
    expect(refused.message).toBe(
      "rate limit exceeded: the gateway's limit of 2 requests per second (burst 3) is used up; retry after 1 s",
    );
    advance(500);
    expect(l.check(undefined).allowed).toBe(true);
    expect(l.check(undefined).allowed).toBe(false);
  });

  it("defaults the burst to the rate, and to at least one request", () => {
    const fast = limiter({ global: { requestsPerSecond: 5 } }).limiter;
    expect(allowedCount([1, 2, 3, 4, 5, 6].map(() => fast.check(undefined)))).toBe(5);
    const { limiter: slow, advance } = limiter({ global: { requestsPerSecond: 0.25 } });
    expect(allowedCount([1, 2].map(() => slow.check(undefined)))).toBe(1);
    expect(denied(slow.check(undefined)).retryAfterSeconds).toBe(4);
    advance(4_000);
    expect(slow.check(undefined).allowed).toBe(true);
  });

  it("does not spend tokens on refused requests, so hammering does not push the retry time out", () => {
    const { limiter: l, advance } = limiter({ global: { requestsPerSecond: 1 } });
    l.check(undefined);
    for (let i = 0; i < 50; i++) l.check(undefined);
    advance(1_000);
    expect(l.check(undefined).allowed).toBe(true);
  });

  it("keeps a separate budget per API key", () => {
    const { limiter: l } = limiter({ perKey: { requestsPerSecond: 1 } });
    expect(l.check("alice").allowed).toBe(true);
    expect(l.check("alice").allowed).toBe(false);
    expect(l.check("bob").allowed).toBe(true);
    // Requests without a key count against the global budget only, and there is none here.
    expect(allowedCount([1, 2, 3].map(() => l.check(undefined)))).toBe(3);
  });

  it("merges a key's own limits over perKey, field by field", () => {
    const { limiter: l } = limiter({
      perKey: { requestsPerSecond: 1, tokensPerMinute: 100 },
      keys: { vip: { requestsPerSecond: 3 } },
    });
    expect(allowedCount([1, 2, 3, 4].map(() => l.check("vip")))).toBe(3);
    expect(l.check("vip").headers["x-ratelimit-limit-tokens"]).toBe("100");
    expect(allowedCount([1, 2].map(() => l.check("normal")))).toBe(1);
  });

  it("applies limits for a listed key even without perKey", () => {
    const { limiter: l } = limiter({ keys: { capped: { requestsPerSecond: 1 } } });
    expect(l.check("capped").allowed).toBe(true);
    expect(l.check("capped").allowed).toBe(false);
    expect(l.check("other").allowed).toBe(true);
    expect(l.check("other").allowed).toBe(true);
    // Inherited object properties are not API keys.
    expect(l.check("toString").allowed).toBe(true);
  });

  it("takes a request from both the global and the key's budgets, and names the one that refuses", () => {
    const { limiter: l } = limiter({ global: { requestsPerSecond: 3 }, perKey: { requestsPerSecond: 2 } });
    expect(allowedCount([l.check("a"), l.check("a")])).toBe(2);
    expect(denied(l.check("a"))).toMatchObject({ scope: "key" });
    expect(l.check("b").allowed).toBe(true);
    const refused = denied(l.check("c"));
    expect(refused.scope).toBe("global");
    expect(refused.message).toContain("the gateway's limit");
  });

  it("does not take from the key's budget when the global one refuses", () => {
    const { limiter: l, advance } = limiter({
      global: { requestsPerSecond: 1 },
      perKey: { requestsPerSecond: 1 },
    });
    l.check("other");
    expect(l.check("a").allowed).toBe(false);
    advance(1_000);
    expect(l.check("a").allowed).toBe(true);
  });

  it("bills tokens after the response and refuses while the token budget is in debt", () => {
    const { limiter: l, advance } = limiter({ perKey: { tokensPerMinute: 600 } });
    expect(l.check("a").allowed).toBe(true);
    l.recordTokens("a", 900);
    const refused = denied(l.check("a"));
    expect(refused).toMatchObject({ kind: "tokens", scope: "key", retryAfterSeconds: 31 });
    expect(refused.message).toBe(
      "rate limit exceeded: this API key's limit of 600 tokens per minute is used up; retry after 31 s",
    );
    expect(refused.headers).toMatchObject({ "x-ratelimit-remaining-tokens": "0", "retry-after": "31" });
    advance(30_000);
    expect(l.check("a").allowed).toBe(false);
    advance(1_000);
    expect(l.check("a").allowed).toBe(true);
    expect(l.check("b").allowed).toBe(true);
  });

  it("bills tokens to the global budget too, and ignores meaningless counts", () => {
    const { limiter: l } = limiter({ global: { tokensPerMinute: 100 } });
    l.recordTokens(undefined, 0);
    l.recordTokens("k", -5);
    l.recordTokens("k", Number.NaN);
    expect(l.check("k").headers["x-ratelimit-remaining-tokens"]).toBe("100");
    l.recordTokens("k", 100);
    expect(denied(l.check(undefined)).kind).toBe("tokens");
  });

  it("waits for the slowest budget when several refuse", () => {
    const { limiter: l } = limiter({ global: { requestsPerSecond: 1, tokensPerMinute: 60 } });
    l.check(undefined);
    l.recordTokens(undefined, 65);
    expect(denied(l.check(undefined))).toMatchObject({ kind: "tokens", retryAfterSeconds: 6 });
  });

  it("reports OpenAI's x-ratelimit headers for the tightest budget", () => {
    const { limiter: l } = limiter({
      global: { requestsPerSecond: 100, tokensPerMinute: 10_000 },
      perKey: { requestsPerSecond: 2, burst: 5 },
    });
    const decision = l.check("a");
    expect(decision.headers).toEqual({
      "x-ratelimit-limit-requests": "5",
      "x-ratelimit-remaining-requests": "4",
      "x-ratelimit-reset-requests": "500ms",
      "x-ratelimit-limit-tokens": "10000",
      "x-ratelimit-remaining-tokens": "10000",
      "x-ratelimit-reset-tokens": "0s",
    });
  });

  it("forgets idle key budgets once too many are tracked, but never busy ones", () => {
    let now = 0;
    const config: RateLimitConfig = rateLimitConfigSchema.parse({ perKey: { requestsPerSecond: 1 } });
    const l = new RateLimiter(config, { now: () => now, maxTrackedKeys: 2 });
    l.check("a");
    l.check("b");
    l.check("c");
    // "a" and "b" are still empty at the same instant, so they were kept and still refuse.
    expect(l.check("a").allowed).toBe(false);
    now = 5_000;
    l.check("d");
    l.check("e");
    expect(l.check("e").allowed).toBe(false);
    expect(l.check("a").allowed).toBe(true);
  });
});

describe("formatDuration", () => {
  it("prints durations the way OpenAI's reset headers do", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(-5)).toBe("0s");
    expect(formatDuration(20)).toBe("20ms");
    expect(formatDuration(999.2)).toBe("1000ms");
    expect(formatDuration(1_000)).toBe("1s");
    expect(formatDuration(1_540)).toBe("1.6s");
    expect(formatDuration(59_950)).toBe("1m0s");
    expect(formatDuration(360_000)).toBe("6m0s");
    expect(formatDuration(3_723_000)).toBe("1h2m3s");
  });
});
