import { describe, expect, it } from "vitest";
import { compareVersions, lowestVersion } from "./ollama-api.js";

describe("cluster version", () => {
  it("compares dotted versions numerically", () => {
    expect(compareVersions("0.12.6", "0.9.10")).toBeGreaterThan(0);
    expect(compareVersions("v0.5.1", "0.5.1")).toBe(0);
    expect(compareVersions("0.5", "0.5.1")).toBeLessThan(0);
  });

  it("reports the oldest node's version, or 0.0.0 when none is known", () => {
    expect(lowestVersion(["0.12.6", "0.9.10", undefined, "0.11.0"])).toBe("0.9.10");
    expect(lowestVersion([undefined, ""])).toBe("0.0.0");
  });
});
