import { describe, expect, it } from "vitest";
import { type Fault, FaultInjector, faultListSchema } from "./faults.js";

function injector(faults: unknown[], clock = { now: 0 }): FaultInjector {
  const fi = new FaultInjector(7, () => clock.now);
  fi.replace(faultListSchema.parse(faults));
  return fi;
}

const chat = { path: "/api/chat", model: "llama3.2" };

describe("fault definitions", () => {
  it("fill in probability 1 and validate each type's fields", () => {
    const [fault] = faultListSchema.parse([{ type: "status", status: 503 }]) as [Fault];
    expect(fault).toMatchObject({ type: "status", status: 503, probability: 1 });
    expect(faultListSchema.safeParse([{ type: "status", status: 200 }]).success).toBe(false);
    expect(faultListSchema.safeParse([{ type: "cut_stream" }]).success).toBe(false);
    expect(faultListSchema.safeParse([{ type: "flap", period_ms: 100, down_ms: 200 }]).success).toBe(false);
    expect(faultListSchema.safeParse([{ type: "reset", probability: 2 }]).success).toBe(false);
  });
});

describe("FaultInjector", () => {
  it("matches a model by Ollama's name rules and ignores other models", () => {
    const fi = injector([{ type: "status", status: 500, model: "llama3.2:latest" }]);
    expect(fi.takeRequestFault({ path: "/api/chat", model: "qwen2.5:7b" })).toBeUndefined();
    expect(fi.takeRequestFault(chat)?.type).toBe("status");
  });

  it("applies request faults to inference paths by default, and to listed paths when given", () => {
    const fi = injector([{ type: "reset" }, { type: "hang", paths: ["/api/tags"] }]);
    expect(fi.takeRequestFault({ path: "/api/tags" })?.type).toBe("hang");
    expect(fi.takeRequestFault({ path: "/api/version" })).toBeUndefined();
    expect(fi.takeRequestFault(chat)?.type).toBe("reset");
  });

  it("stops after `times` hits and reports its counts", () => {
    const fi = injector([{ id: "twice", type: "status", status: 429, times: 2 }]);
    expect(fi.takeRequestFault(chat)).toBeDefined();
    expect(fi.takeRequestFault(chat)).toBeDefined();
    expect(fi.takeRequestFault(chat)).toBeUndefined();
    expect(fi.list()[0]).toMatchObject({ id: "twice", hits: 2, remaining: 0 });
  });

  it("draws probabilities from a seeded RNG, the same sequence every run", () => {
    const hits = () => {
      const fi = injector([{ type: "status", status: 500, probability: 0.5 }]);
      return Array.from({ length: 40 }, () => (fi.takeRequestFault(chat) ? 1 : 0)).join("");
    };
    const first = hits();
    expect(hits()).toBe(first);
    const count = [...first].filter((c) => c === "1").length;
    expect(count).toBeGreaterThan(10);
    expect(count).toBeLessThan(30);
  });

  it("flaps: down for down_ms at the start of every period", () => {
    const clock = { now: 0 };
    const fi = injector([{ type: "flap", period_ms: 1000, down_ms: 200 }], clock);
    const downAt = (t: number) => {
      clock.now = t;
      return fi.takeDown({ path: "/api/tags" }) !== undefined;
    };
    expect([downAt(0), downAt(199), downAt(200), downAt(999), downAt(1000), downAt(1250)]).toEqual([
      true,
      true,
      false,
      false,
      true,
      false,
    ]);
  });

  it("goes down for a window after a delay", () => {
    const clock = { now: 0 };
    const fi = injector([{ type: "down", start_ms: 100, duration_ms: 50 }], clock);
    const downAt = (t: number) => {
      clock.now = t;
      return fi.takeDown({ path: "/api/chat" }) !== undefined;
    };
    expect([downAt(50), downAt(100), downAt(149), downAt(150)]).toEqual([false, true, true, false]);
  });

  it("keeps stream faults to generation paths and takes the first that matches", () => {
    const fi = injector([
      { type: "stall", after_tokens: 3, model: "other" },
      { type: "cut_stream", after_tokens: 2 },
    ]);
    expect(fi.takeStreamFault({ path: "/api/embed", model: "llama3.2" })).toBeUndefined();
    expect(fi.takeStreamFault(chat)).toMatchObject({ type: "cut_stream", after_tokens: 2 });
  });

  it("adds a slow first token delay", () => {
    const fi = injector([{ type: "slow_first_token", delay_ms: 300 }]);
    expect(fi.takeFirstTokenDelay(chat)).toBe(300);
    expect(fi.takeFirstTokenDelay({ path: "/api/tags" })).toBe(0);
  });
});
