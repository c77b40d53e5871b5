import { describe, expect, it } from "vitest";
import { hydraConfigSchema } from "../config/schema.js";
import { formatConfigIssues } from "../validation/zod-issues.js";
import { discoveryConfigSchema } from "./config.js";

describe("discoveryConfigSchema", () => {
  it("scans nothing by default, on Ollama's port, with bounded probes", () => {
    expect(discoveryConfigSchema.parse({})).toEqual({
      scan: [],
      ports: [11434],
      intervalMs: 60_000,
      timeoutMs: 800,
      concurrency: 64,
    });
  });

  it("is part of the gateway configuration, idle by default", () => {
    expect(hydraConfigSchema.parse({}).discovery.scan).toEqual([]);
  });

  it("accepts ranges, addresses and host names", () => {
    const config = discoveryConfigSchema.parse({ scan: ["192.168.1.0/24", "10.0.0.5", "gpu-box"] });
    expect(config.scan).toHaveLength(3);
  });

  it("fails on a bad range naming the entry and what to write instead", () => {
    const input = { discovery: { scan: ["192.168.1.0/24", "10.0.0.0/8"] } };
    const result = hydraConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    const message = formatConfigIssues(result.error!, input, "hydra.yaml", hydraConfigSchema);
    expect(message).toContain('discovery.scan[1] = "10.0.0.0/8"');
    expect(message).toContain("16,777,216 addresses");
    expect(message).not.toContain("scan[0]");
  });

  it("refuses bad ports, an empty port list, zero timeouts, too much concurrency and unknown keys", () => {
    for (const input of [
      { ports: [0] },
      { ports: [65536] },
      { ports: [1.5] },
      { ports: [] },
      { timeoutMs: 0 },
      { intervalMs: -1 },
      { concurrency: 0 },
      { concurrency: 10_000 },
      { scan: [42] },
      { range: ["10.0.0.0/24"] },
    ]) {
      expect(discoveryConfigSchema.safeParse(input).success, JSON.stringify(input)).toBe(false);
    }
  });
});
