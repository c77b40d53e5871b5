import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "./backoff.js";
import { classifyError, classifyStatus, parseRetryAfter } from "./classify.js";

describe("classifyStatus", () => {
  it.each([
    [429, "too many requests", "overloaded", true],
    [503, "server busy, please try again.  maximum pending requests exceeded", "overloaded", true],
    [500, "llama runner process has terminated", "server", true],
    [502, "bad gateway", "server", true],
    [404, 'model "x" not found, try pulling it first', "model_not_found", true],
    [404, "no route", "bad_request", false],
    [400, "input length exceeds maximum context length", "context_length", false],
    [400, "prompt is too long", "context_length", false],
    [400, "invalid request: messages[0].role", "bad_request", false],
    [422, "unprocessable", "bad_request", false],
  ] as const)("%i %s → %s", (status, message, kind, retryable) => {
    const failure = classifyStatus(status, message);
    expect(failure.kind).toBe(kind);
    expect(failure.retryable).toBe(retryable);
    expect(failure.status).toBe(status);
  });

  it("keeps Retry-After", () => {
    expect(classifyStatus(429, "slow down", "3").retryAfterMs).toBe(3000);
  });
});

describe("classifyError", () => {
  it("treats undici timeouts as timeouts", () => {
    const error = Object.assign(new Error("Headers Timeout Error"), { code: "UND_ERR_HEADERS_TIMEOUT" });
    expect(classifyError(error, false)).toMatchObject({ kind: "timeout", retryable: true, status: 504 });
  });

  it("treats refused connections as connect failures", () => {
    const error = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    expect(classifyError(error, false)).toMatchObject({ kind: "connect", retryable: true });
  });

  it("never retries for a client that left", () => {
    expect(classifyError(new Error("aborted"), true)).toMatchObject({ kind: "aborted", retryable: false });
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and HTTP dates", () => {
    expect(parseRetryAfter("2")).toBe(2000);
    expect(parseRetryAfter(["1.5"])).toBe(1500);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
});

describe("backoffDelayMs", () => {
  it("grows exponentially up to the cap, jittered below it", () => {
    const top = () => 0.999_999;
    expect(backoffDelayMs({ attempt: 0, baseMs: 100, maxMs: 1000, random: top })).toBe(99);
    expect(backoffDelayMs({ attempt: 2, baseMs: 100, maxMs: 1000, random: top })).toBe(399);
    expect(backoffDelayMs({ attempt: 10, baseMs: 100, maxMs: 1000, random: top })).toBe(999);
    expect(backoffDelayMs({ attempt: 3, baseMs: 100, maxMs: 1000, random: () => 0 })).toBe(0);
  });

  it("never waits less than Retry-After", () => {
    expect(
      backoffDelayMs({ attempt: 0, baseMs: 100, maxMs: 1000, retryAfterMs: 1500, random: () => 0.5 }),
    ).toBe(1500);
  });
});
