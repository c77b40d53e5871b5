import { describe, expect, it } from "vitest";
import { hydraConfigSchema } from "../config/schema.js";
import { workflowConfigSchema } from "./config.js";

describe("workflow config", () => {
  it("defaults to the embedded engine", () => {
    expect(workflowConfigSchema.parse({})).toEqual({
      concurrency: 8,
      timeoutMs: 600_000,
      retry: { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 30_000 },
      postgres: { schema: "hydra", maxConnections: 4 },
      resumeOnStart: true,
    });
    expect(hydraConfigSchema.parse({}).workflow).toEqual(workflowConfigSchema.parse({}));
  });

  it("accepts a PostgreSQL run log and refuses other URLs", () => {
    expect(workflowConfigSchema.parse({ postgres: { url: "postgres://u@db:5432/hydra" } }).postgres.url).toBe(
      "postgres://u@db:5432/hydra",
    );
    expect(workflowConfigSchema.safeParse({ postgres: { url: "mysql://db/hydra" } }).success).toBe(false);
    expect(workflowConfigSchema.safeParse({ postgres: { schema: "Bad-Name" } }).success).toBe(false);
  });

  it("refuses a concurrency below 1 and unknown keys", () => {
    expect(workflowConfigSchema.safeParse({ concurrency: 0 }).success).toBe(false);
    expect(workflowConfigSchema.safeParse({ concurency: 4 }).success).toBe(false);
  });
});
