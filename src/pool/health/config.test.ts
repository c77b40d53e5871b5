import { describe, expect, it } from "vitest";
import { healthConfigSchema } from "./config.js";

describe("healthConfigSchema", () => {
  it("has a default for every key", () => {
    expect(healthConfigSchema.parse({})).toEqual({
      intervalMs: 1_000,
      jitter: 0.2,
      livenessTimeoutMs: 2_000,
      readinessEvery: 3,
      readinessTimeoutMs: 3_000,
      checkFailureThreshold: 1,
      failureThreshold: 3,
      baseEjectionMs: 1_000,
      maxEjectionMs: 5_000,
      ejectionResetMs: 60_000,
      maxEjectedShare: 0.5,
      probeLeaseMs: 30_000,
      overloadPenalty: 0.5,
      overloadPenaltyMs: 10_000,
      overloadThreshold: 5,
    });
  });

  it("rejects unknown keys and bad values with messages that name the key", () => {
    const issues = (input: unknown) =>
      healthConfigSchema
        .safeParse(input)
        .error?.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    expect(issues({ interval: 5 })).toEqual([': Unrecognized key: "interval"']);
    expect(issues({ jitter: 1.5 })).toEqual(["jitter: jitter must be between 0 and 1"]);
    expect(issues({ readinessEvery: 0 })).toEqual([
      "readinessEvery: readinessEvery must be a whole number >= 1",
    ]);
    expect(issues({ intervalMs: "5s" })).toEqual(["intervalMs: intervalMs must be a number of milliseconds"]);
    expect(issues({ baseEjectionMs: 5_000, maxEjectionMs: 1_000 })).toEqual([
      "maxEjectionMs: maxEjectionMs must be >= baseEjectionMs",
    ]);
  });
});
