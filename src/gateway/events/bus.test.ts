import { describe, expect, it } from "vitest";
import { EventBus } from "./bus.js";

describe("EventBus", () => {
  it("wants a type only while someone subscribed to it or to everything", () => {
    const bus = new EventBus();
    expect(bus.wants("queue")).toBe(false);
    const offQueue = bus.subscribe(() => {}, { types: new Set(["queue"]) });
    expect(bus.wants("queue")).toBe(true);
    expect(bus.wants("hedge")).toBe(false);
    const offAll = bus.subscribe(() => {});
    expect(bus.wants("hedge")).toBe(true);
    offAll();
    expect(bus.wants("hedge")).toBe(false);
    offQueue();
    // Unsubscribing twice changes nothing.
    offQueue();
    expect(bus.wants("queue")).toBe(false);
    expect(bus.subscribers).toBe(0);
  });

  it("hands each event to the subscribers of its type, after replaying what they missed", () => {
    const bus = new EventBus({ now: () => 7 });
    bus.publish("queue", { depth: 1, levels: [] });
    bus.publish("hedge", { model: "m", node: "a", outcome: "started" });
    const seen: string[] = [];
    bus.subscribe((event) => seen.push(`${event.seq}:${event.type}`), {
      types: new Set(["queue"]),
      afterSeq: 0,
    });
    bus.publish("queue", { depth: 0, levels: [] });
    bus.publish("hedge", { model: "m", node: "a", outcome: "primary_won" });
    expect(seen).toEqual(["1:queue", "3:queue"]);
  });
});
