import { describe, expect, it } from "vitest";
import { EventSampler } from "./sampler.js";
import type { HydraEvent, HydraEventType } from "./types.js";

const event = (type: HydraEventType, seq = 1) => ({ seq, type, at: 0, data: {} }) as unknown as HydraEvent;

describe("EventSampler", () => {
  it("lets through at most `rate` per-request events of each type per second, and counts the rest", () => {
    let now = 0;
    const sampler = new EventSampler(3, () => now);
    const decisions = Array.from({ length: 10 }, () => sampler.admit(event("route.decision")));
    expect(decisions.filter(Boolean)).toHaveLength(3);
    // Another type has its own budget.
    expect(sampler.admit(event("request.finished"))).toBe(true);
    expect(sampler.takeLeftOut()).toBe(7);
    expect(sampler.takeLeftOut()).toBe(0);
    // A third of a second later, one more decision may go.
    now += 334;
    expect(sampler.admit(event("route.decision"))).toBe(true);
    expect(sampler.admit(event("route.decision"))).toBe(false);
  });

  it("never leaves out a state change", () => {
    const sampler = new EventSampler(1, () => 0);
    for (const type of ["node.health", "queue", "orchestration", "routing.strategy", "node.drained"] as const)
      for (let i = 0; i < 5; i++) expect(sampler.admit(event(type))).toBe(true);
    expect(sampler.takeLeftOut()).toBe(0);
  });
});
