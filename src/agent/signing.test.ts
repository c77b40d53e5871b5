import { describe, expect, it } from "vitest";
import { ReplayGuard, SIGNATURE_HEADERS, signRequest, type VerifyInput, verifySignature } from "./signing.js";

const SECRET = "a-cluster-secret-of-some-length";
const NOW = 1_750_000_000_000;
const PATH = "/v1/hydra/agents/heartbeat";
const BODY = '{"agentId":"gpu-1"}';

function signed(overrides: Partial<Parameters<typeof signRequest>[0]> = {}) {
  return signRequest({ secret: SECRET, method: "POST", path: PATH, body: BODY, now: NOW, ...overrides });
}

function verify(overrides: Partial<VerifyInput> = {}) {
  return verifySignature({
    secret: SECRET,
    method: "POST",
    path: PATH,
    body: BODY,
    headers: signed(),
    now: NOW,
    maxSkewMs: 30_000,
    ...overrides,
  });
}

describe("signRequest", () => {
  it("sends the timestamp in ms, a 16-byte hex nonce and a hex HMAC-SHA256", () => {
    const headers = signed();
    expect(headers[SIGNATURE_HEADERS.timestamp]).toBe(String(NOW));
    expect(headers[SIGNATURE_HEADERS.nonce]).toMatch(/^[0-9a-f]{32}$/);
    expect(headers[SIGNATURE_HEADERS.signature]).toMatch(/^[0-9a-f]{64}$/);
  });

  it("uses a fresh nonce every time", () => {
    expect(signed()[SIGNATURE_HEADERS.nonce]).not.toBe(signed()[SIGNATURE_HEADERS.nonce]);
  });
});

describe("verifySignature", () => {
  it("accepts a request signed with the same secret", () => {
    expect(verify()).toEqual({ ok: true });
  });

  it("accepts a lowercase method signed as uppercase (methods compare case-insensitively)", () => {
    expect(verify({ method: "post" })).toEqual({ ok: true });
  });

  it.each([
    ["a tampered body", { body: '{"agentId":"gpu-2"}' }],
    ["an empty body", { body: "" }],
    ["another path", { path: "/v1/hydra/agents/register" }],
    ["another method", { method: "PUT" }],
    ["the wrong secret", { secret: "another-secret-entirely-1234" }],
  ] as const)("refuses %s as a bad signature", (_what, overrides) => {
    expect(verify(overrides)).toMatchObject({ ok: false, reason: "bad_signature" });
  });

  it("refuses a tampered timestamp (within the allowed skew) as a bad signature", () => {
    const headers = { ...signed(), [SIGNATURE_HEADERS.timestamp]: String(NOW + 1) };
    expect(verify({ headers })).toMatchObject({ ok: false, reason: "bad_signature" });
  });

  it("refuses a tampered nonce as a bad signature", () => {
    const headers = { ...signed(), [SIGNATURE_HEADERS.nonce]: "0".repeat(32) };
    expect(verify({ headers })).toMatchObject({ ok: false, reason: "bad_signature" });
  });

  it("refuses a signature of another length without throwing", () => {
    const headers = { ...signed(), [SIGNATURE_HEADERS.signature]: "ab".repeat(16) };
    expect(verify({ headers })).toMatchObject({ ok: false, reason: "missing_headers" });
  });

  it("tells the secret is to be checked, and never what the right signature was", () => {
    const result = verify({ secret: "another-secret-entirely-1234" });
    if (result.ok) throw new Error("expected a refusal");
    expect(result.message).toContain("same cluster secret");
    expect(result.message).not.toContain(signed()[SIGNATURE_HEADERS.signature] ?? "");
  });

  it.each([SIGNATURE_HEADERS.timestamp, SIGNATURE_HEADERS.nonce, SIGNATURE_HEADERS.signature])(
    "refuses a request without %s",
    (name) => {
      const headers: Record<string, string> = { ...signed() };
      delete headers[name];
      const result = verify({ headers });
      expect(result).toMatchObject({ ok: false, reason: "missing_headers" });
      if (!result.ok) expect(result.message).toContain("HYDRA_CLUSTER_SECRET");
    },
  );

  it("refuses a header sent twice", () => {
    const headers = { ...signed(), [SIGNATURE_HEADERS.nonce]: ["a".repeat(32), "b".repeat(32)] };
    expect(verify({ headers })).toMatchObject({ ok: false, reason: "missing_headers" });
  });

  it("refuses a timestamp that is not ms since the epoch", () => {
    const headers = { ...signed(), [SIGNATURE_HEADERS.timestamp]: "2025-06-15T00:00:00Z" };
    expect(verify({ headers })).toMatchObject({ ok: false, reason: "missing_headers" });
  });

  it("accepts a clock difference up to the limit, both ways", () => {
    expect(verify({ headers: signed({ now: NOW - 30_000 }) })).toEqual({ ok: true });
    expect(verify({ headers: signed({ now: NOW + 30_000 }) })).toEqual({ ok: true });
  });

  it("refuses a sender clock behind by more than the limit, saying by how much and to check NTP", () => {
    const result = verify({ headers: signed({ now: NOW - 45_500 }) });
    expect(result).toMatchObject({ ok: false, reason: "clock_skew" });
    if (!result.ok) {
      expect(result.message).toContain("45.5 s behind");
      expect(result.message).toContain("30.0 s");
      expect(result.message).toContain("NTP");
    }
  });

  it("refuses a sender clock ahead by more than the limit", () => {
    const result = verify({ headers: signed({ now: NOW + 120_000 }) });
    expect(result).toMatchObject({ ok: false, reason: "clock_skew" });
    if (!result.ok) expect(result.message).toContain("120.0 s ahead of");
  });

  it("refuses the same signed request a second time (replay)", () => {
    const replayGuard = ReplayGuard.forSkew(30_000);
    const headers = signed();
    expect(verify({ headers, replayGuard })).toEqual({ ok: true });
    expect(verify({ headers, replayGuard, now: NOW + 1_000 })).toMatchObject({
      ok: false,
      reason: "replayed",
    });
  });

  it("does not let a forged request use up a real request's nonce", () => {
    const replayGuard = ReplayGuard.forSkew(30_000);
    const real = signed();
    const forged = { ...real, [SIGNATURE_HEADERS.signature]: "f".repeat(64) };
    expect(verify({ headers: forged, replayGuard })).toMatchObject({ ok: false, reason: "bad_signature" });
    expect(verify({ headers: real, replayGuard })).toEqual({ ok: true });
  });

  it("a replay after the nonce expired is still refused, by its old timestamp", () => {
    const replayGuard = ReplayGuard.forSkew(30_000);
    const headers = signed();
    expect(verify({ headers, replayGuard })).toEqual({ ok: true });
    expect(verify({ headers, replayGuard, now: NOW + 60_001 })).toMatchObject({
      ok: false,
      reason: "clock_skew",
    });
  });
});

describe("ReplayGuard", () => {
  it("remembers a nonce for its time to live, then forgets it", () => {
    const guard = new ReplayGuard({ ttlMs: 1_000 });
    expect(guard.remember("n1", 0)).toBe(true);
    expect(guard.remember("n1", 999)).toBe(false);
    expect(guard.remember("n1", 1_000)).toBe(true);
  });

  it("keeps 2 × the allowed skew when made for a skew", () => {
    const guard = ReplayGuard.forSkew(30_000);
    guard.remember("n1", 0);
    expect(guard.remember("n1", 59_999)).toBe(false);
    expect(guard.remember("n1", 60_000)).toBe(true);
  });

  it("drops expired nonces as time passes, so memory follows the traffic", () => {
    const guard = new ReplayGuard({ ttlMs: 100 });
    for (let i = 0; i < 50; i++) guard.remember(`n${i}`, i);
    expect(guard.size).toBe(50);
    guard.remember("later", 140);
    // n0..n40 expired at 100..140.
    expect(guard.size).toBe(10);
  });

  it("never holds more than maxEntries, forgetting the oldest first", () => {
    const guard = new ReplayGuard({ ttlMs: 60_000, maxEntries: 3 });
    for (const nonce of ["a", "b", "c", "d"]) expect(guard.remember(nonce, 0)).toBe(true);
    expect(guard.size).toBe(3);
    expect(guard.remember("d", 1)).toBe(false);
    expect(guard.remember("b", 1)).toBe(false);
    expect(guard.remember("a", 1)).toBe(true);
  });
});
