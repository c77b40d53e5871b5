import { describe, expect, it } from "vitest";
import { loadConfig } from "../config/load.js";
import { hydraConfigSchema } from "../config/schema.js";
import { telemetryConfigSchema } from "./config.js";

describe("telemetry config", () => {
  it("is off by default: no OTLP URL", () => {
    const { telemetry } = hydraConfigSchema.parse({});
    expect(telemetry).toEqual({ serviceName: "hydra", otlp: { headers: {}, timeoutMs: 10_000 } });
  });

  it("takes HYDRA_OTLP_URL as the traces endpoint, as written", () => {
    const config = loadConfig({
      env: { HYDRA_OTLP_URL: " http://collector:4318/v1/traces " },
      cwd: "/nonexistent",
    });
    expect(config.telemetry.otlp.url).toBe("http://collector:4318/v1/traces");
  });

  it("refuses a URL that is not one, and a ratio outside 0..1", () => {
    expect(telemetryConfigSchema.safeParse({ otlp: { url: "collector:4318" } }).success).toBe(false);
    expect(telemetryConfigSchema.safeParse({ sampleRatio: 1.5 }).success).toBe(false);
    expect(
      telemetryConfigSchema.parse({ sampleRatio: 0.25, otlp: { headers: { "x-api-key": "k" } } }),
    ).toMatchObject({
      sampleRatio: 0.25,
      otlp: { headers: { "x-api-key": "k" } },
    });
  });
});
