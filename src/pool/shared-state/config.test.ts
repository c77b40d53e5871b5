import { describe, expect, it } from "vitest";
import { redactUrl } from "../../config/redact-url.js";
import { redisConfigSchema, sharedStateNames } from "./config.js";

describe("redisConfigSchema", () => {
  it("shares nothing by default: no url, the hydra: prefix, a snapshot every 10 s", () => {
    expect(redisConfigSchema.parse({})).toEqual({ keyPrefix: "hydra:", snapshotIntervalMs: 10_000 });
  });

  it("accepts redis:// and rediss:// URLs, with credentials and a database", () => {
    for (const url of ["redis://127.0.0.1:6379", "rediss://user:secret@cache.internal:6380/2", "redis://h"]) {
      expect(redisConfigSchema.parse({ url }).url).toBe(url);
    }
  });

  it("rejects other schemes, non-URLs, unknown keys and bad intervals with a message that says what to write", () => {
    for (const url of ["http://127.0.0.1:6379", "127.0.0.1:6379", "", "redis://"]) {
      const result = redisConfigSchema.safeParse({ url });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.message).toContain("redis://127.0.0.1:6379");
    }
    expect(redisConfigSchema.safeParse({ host: "x" }).success).toBe(false);
    for (const snapshotIntervalMs of [0, -1, 1.5, "10"]) {
      expect(redisConfigSchema.safeParse({ snapshotIntervalMs }).success).toBe(false);
    }
  });
});

describe("sharedStateNames", () => {
  it("puts the prefix in front of every key and channel", () => {
    expect(sharedStateNames("t1:")).toEqual({
      statsKey: "t1:stats",
      ejectionsKey: "t1:ejections",
      samplesChannel: "t1:samples",
      healthChannel: "t1:health",
    });
  });
});

describe("redactUrl", () => {
  it("hides the password and keeps the rest", () => {
    expect(redactUrl("redis://user:secret@h:6379/1")).toBe("redis://user:***@h:6379/1");
    expect(redactUrl("redis://h:6379")).toBe("redis://h:6379");
    expect(redactUrl("not a url")).toBe("(invalid URL)");
  });
});
