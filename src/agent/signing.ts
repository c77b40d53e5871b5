/**
 * Request signing between the gateway and its node agents: HMAC-SHA256 with the shared
 * cluster secret over the timestamp, a random nonce, the method, the path and the body's
 * hash. A request is accepted only when its signature matches, its timestamp is within
 * the allowed clock skew, and its nonce was not seen before (no replays).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

export const SIGNATURE_HEADERS = {
  timestamp: "x-hydra-agent-timestamp",
  nonce: "x-hydra-agent-nonce",
  signature: "x-hydra-agent-signature",
} as const;

/** Default largest difference between the sender's and the receiver's clocks. */
export const DEFAULT_MAX_SKEW_MS = 30_000;

export interface SignInput {
  secret: string;
  method: string;
  /** The request path as sent, query string included (e.g. "/v1/hydra/agents/heartbeat"). */
  path: string;
  /** The exact body text sent ("" for none). */
  body: string;
  /** ms since the epoch; default Date.now(). */
  now?: number;
  /** 32 hex characters; default 16 random bytes. */
  nonce?: string;
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The exact text the signature covers: any change to one of its parts changes the signature. */
export function canonicalRequest(
  timestamp: string,
  nonce: string,
  method: string,
  path: string,
  body: string,
) {
  return `${timestamp}\n${nonce}\n${method.toUpperCase()}\n${path}\n${sha256Hex(body)}`;
}

function hmacHex(secret: string, text: string): string {
  return createHmac("sha256", secret).update(text, "utf8").digest("hex");
}

/** The three headers that authenticate a request. */
export function signRequest(input: SignInput): Record<string, string> {
  const timestamp = String(Math.trunc(input.now ?? Date.now()));
  const nonce = input.nonce ?? randomBytes(16).toString("hex");
  const signature = hmacHex(
    input.secret,
    canonicalRequest(timestamp, nonce, input.method, input.path, input.body),
  );
  return {
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: signature,
  };
}

/** Why a request was refused; the categories are all a client is told. */
export type SignatureFailure = "missing_headers" | "clock_skew" | "bad_signature" | "replayed";

export type VerifyResult = { ok: true } | { ok: false; reason: SignatureFailure; message: string };

export interface VerifyInput {
  secret: string;
  method: string;
  path: string;
  body: string;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The receiver's clock, ms since the epoch. */
  now: number;
  maxSkewMs: number;
  /** When given, a nonce seen before is refused, and a valid request's nonce is remembered. */
  replayGuard?: ReplayGuard;
}

const NONCE_PATTERN = /^[0-9a-f]{16,128}$/;
const TIMESTAMP_PATTERN = /^\d{1,16}$/;
const SIGNATURE_PATTERN = /^[0-9a-f]{64}$/;

function header(headers: VerifyInput["headers"], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? undefined : value;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/**
 * Checks a signed request. The signature is checked before the nonce is remembered, so a
 * forged request cannot use up a real one's nonce.
 */
export function verifySignature(input: VerifyInput): VerifyResult {
  const timestamp = header(input.headers, SIGNATURE_HEADERS.timestamp);
  const nonce = header(input.headers, SIGNATURE_HEADERS.nonce);
  const signature = header(input.headers, SIGNATURE_HEADERS.signature);
  if (timestamp === undefined || nonce === undefined || signature === undefined) {
    return {
      ok: false,
      reason: "missing_headers",
      message: `unsigned request: send ${Object.values(SIGNATURE_HEADERS).join(", ")} signed with the cluster secret (run the agent with --secret or HYDRA_CLUSTER_SECRET)`,
    };
  }
  if (
    !TIMESTAMP_PATTERN.test(timestamp) ||
    !NONCE_PATTERN.test(nonce) ||
    !SIGNATURE_PATTERN.test(signature)
  ) {
    return {
      ok: false,
      reason: "missing_headers",
      message:
        "malformed signature headers: the timestamp must be ms since the epoch, the nonce and the signature lowercase hex",
    };
  }
  const skew = input.now - Number(timestamp);
  if (Math.abs(skew) > input.maxSkewMs) {
    const direction = skew > 0 ? "behind" : "ahead of";
    return {
      ok: false,
      reason: "clock_skew",
      message: `clock skew too large: the sender's clock is ${seconds(Math.abs(skew))} ${direction} the receiver's (at most ${seconds(input.maxSkewMs)} allowed); check NTP on both machines`,
    };
  }
  const expected = Buffer.from(
    hmacHex(input.secret, canonicalRequest(timestamp, nonce, input.method, input.path, input.body)),
    "hex",
  );
  const presented = Buffer.from(signature, "hex");
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    return {
      ok: false,
      reason: "bad_signature",
      message:
        "bad signature: the agent and the gateway must use the same cluster secret (agents.secret / HYDRA_CLUSTER_SECRET)",
    };
  }
  if (input.replayGuard !== undefined && !input.replayGuard.remember(nonce, input.now)) {
    return {
      ok: false,
      reason: "replayed",
      message: "replayed request: this nonce was already used; sign every request with a fresh nonce",
    };
  }
  return { ok: true };
}

export interface ReplayGuardOptions {
  /** How long a nonce is remembered: 2 × the allowed skew covers every timestamp still accepted. */
  ttlMs: number;
  /**
   * Most nonces remembered at once. Past it the oldest are forgotten; at a heartbeat every 5 s
   * the default holds two minutes of traffic from ~4000 agents.
   */
  maxEntries?: number;
}

/** Remembers nonces for a while so that a captured request cannot be sent again. Pure: the caller gives the time. */
export class ReplayGuard {
  readonly #ttlMs: number;
  readonly #maxEntries: number;
  /** nonce → expiry; insertion order is expiry order while the clock runs forward. */
  readonly #seen = new Map<string, number>();

  constructor(options: ReplayGuardOptions) {
    this.#ttlMs = options.ttlMs;
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  static forSkew(maxSkewMs: number, maxEntries?: number): ReplayGuard {
    return new ReplayGuard({ ttlMs: 2 * maxSkewMs, ...(maxEntries === undefined ? {} : { maxEntries }) });
  }

  get size(): number {
    return this.#seen.size;
  }

  /** True the first time a nonce is seen within its time to live; false for a replay. */
  remember(nonce: string, now: number): boolean {
    this.#expire(now);
    const expiry = this.#seen.get(nonce);
    if (expiry !== undefined && expiry > now) return false;
    this.#seen.delete(nonce);
    this.#seen.set(nonce, now + this.#ttlMs);
    while (this.#seen.size > this.#maxEntries) {
      const oldest = this.#seen.keys().next();
      if (oldest.done) break;
      this.#seen.delete(oldest.value);
    }
    return true;
  }

  #expire(now: number): void {
    for (const [nonce, expiry] of this.#seen) {
      if (expiry > now) break;
      this.#seen.delete(nonce);
    }
  }
}
