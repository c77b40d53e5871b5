import { describe, expect, it } from "vitest";
import { hydraConfigSchema } from "../config/schema.js";
import { agentOptionsSchema, agentsConfigSchema } from "./config.js";

describe("agents config (gateway side)", () => {
  it("has working defaults and no secret: agents are off until one is set", () => {
    expect(hydraConfigSchema.parse({}).agents).toEqual({
      heartbeatIntervalMs: 5_000,
      staleAfterMs: 15_000,
      forgetAfterMs: 600_000,
      maxClockSkewMs: 30_000,
    });
  });

  it("refuses a short secret, suggesting how to make a good one", () => {
    const result = agentsConfigSchema.safeParse({ secret: "short" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toContain("openssl rand");
  });

  it("refuses a staleAfterMs that a healthy agent cannot meet", () => {
    const result = agentsConfigSchema.safeParse({ heartbeatIntervalMs: 5_000, staleAfterMs: 5_000 });
    expect(result.error?.issues.map((issue) => issue.path.join("."))).toEqual(["staleAfterMs"]);
  });

  it("refuses forgetting an agent before it went stale", () => {
    const result = agentsConfigSchema.safeParse({ staleAfterMs: 20_000, forgetAfterMs: 10_000 });
    expect(result.error?.issues.map((issue) => issue.path.join("."))).toEqual(["forgetAfterMs"]);
  });
});

describe("agent options", () => {
  it("defaults to port 8002 on every address, reporting the root filesystem", () => {
    const options = agentOptionsSchema.parse({
      gatewayUrl: "http://gateway:8000",
      secret: "0123456789abcdef",
      ollamaUrl: "http://127.0.0.1:11434",
    });
    expect(options).toMatchObject({ host: "0.0.0.0", port: 8002, diskPath: "/", tags: [] });
    expect(options.intervalMs).toBeUndefined();
  });

  it("refuses a gateway URL that is not http(s)", () => {
    const result = agentOptionsSchema.safeParse({
      gatewayUrl: "ftp://gateway",
      secret: "0123456789abcdef",
      ollamaUrl: "http://127.0.0.1:11434",
    });
    expect(result.error?.issues[0]).toMatchObject({ path: ["gatewayUrl"] });
  });
});
