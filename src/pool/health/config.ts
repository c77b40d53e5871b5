/**
 * Configuration of node health: active checks, outlier ejection, the circuit breaker and the
 * overload penalty. Every key has a default, so `healthConfigSchema.parse({})` is a working setup.
 */
import { z } from "zod";

const ms = (what: string) =>
  z
    .number({ error: `${what} must be a number of milliseconds` })
    .int({ error: `${what} must be a whole number of milliseconds` })
    .positive({ error: `${what} must be > 0 milliseconds` });
const count = (what: string) =>
  z
    .number({ error: `${what} must be a whole number >= 1` })
    .int({ error: `${what} must be a whole number >= 1` })
    .min(1, { error: `${what} must be a whole number >= 1` });
const fraction = (what: string) =>
  z
    .number({ error: `${what} must be a number between 0 and 1` })
    .min(0, { error: `${what} must be between 0 and 1` })
    .max(1, { error: `${what} must be between 0 and 1` });

export const healthConfigSchema = z
  .strictObject({
    /**
     * Time between two active checks of one node. Once a second: a node that dies is out of
     * rotation (and red on the dashboard) within about a second even with no traffic; a check is
     * one tiny GET, nothing next to a generation.
     */
    intervalMs: ms("intervalMs").default(1_000),
    /** Each interval is drawn from intervalMs × (1 ± jitter), so checks of many nodes spread out. */
    jitter: fraction("jitter").default(0.2),
    /** Deadline for `GET /` ("Ollama is running"). */
    livenessTimeoutMs: ms("livenessTimeoutMs").default(2_000),
    /**
     * Every Nth check also asks `GET /api/ps` (the first check always does). Ollama answers `/`
     * while its scheduler is wedged, so readiness is the signal that catches a hung node.
     */
    readinessEvery: count("readinessEvery").default(3),
    /** Deadline for `GET /api/ps`. */
    readinessTimeoutMs: ms("readinessTimeoutMs").default(3_000),
    /** Consecutive failed active checks that eject a node (1: a node that fails a check is out). */
    checkFailureThreshold: count("checkFailureThreshold").default(1),
    /** Consecutive failed requests (connect, timeout, stall, 5xx) that eject a node. */
    failureThreshold: count("failureThreshold").default(3),
    /** First ejection time; it doubles with each ejection in a row. */
    baseEjectionMs: ms("baseEjectionMs").default(1_000),
    /**
     * Longest ejection time. Short by default: an ejected node is re-probed when it
     * ends, so a long ejection only delays the return of a node that came back.
     */
    maxEjectionMs: ms("maxEjectionMs").default(5_000),
    /** A node closed this long without trouble starts again from baseEjectionMs. */
    ejectionResetMs: ms("ejectionResetMs").default(60_000),
    /** Largest share of the cluster ejected at once; one node always stays in whatever the share. */
    maxEjectedShare: fraction("maxEjectedShare").default(0.5),
    /**
     * How long a live request may hold a half-open node's single probe slot before another probe
     * may go (a request the pool never reports on must not keep the node out for ever).
     */
    probeLeaseMs: ms("probeLeaseMs").default(30_000),
    /** Penalty each 429/503 adds (compounding: two give 1 - (1 - p)²), for the router to score with. */
    overloadPenalty: fraction("overloadPenalty").default(0.5),
    /** Without Retry-After, the overload penalty fades linearly to 0 over this time. */
    overloadPenaltyMs: ms("overloadPenaltyMs").default(10_000),
    /** Consecutive 429/503 answers that turn the penalty into an ejection. */
    overloadThreshold: count("overloadThreshold").default(5),
  })
  .refine((config) => config.maxEjectionMs >= config.baseEjectionMs, {
    error: "maxEjectionMs must be >= baseEjectionMs",
    path: ["maxEjectionMs"],
  });

export type HealthConfig = z.infer<typeof healthConfigSchema>;
/** What a config file may hold before defaults are applied. */
export type HealthConfigInput = z.input<typeof healthConfigSchema>;
