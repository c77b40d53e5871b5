import { describe, expect, it } from "vitest";
import { isUnloadRequest, parseGoDuration, parseKeepAlive } from "./keep-alive.js";

describe("keep_alive", () => {
  it("reads Go duration strings", () => {
    expect(parseGoDuration("5m")).toBe(300_000);
    expect(parseGoDuration("1h30m")).toBe(5_400_000);
    expect(parseGoDuration("250ms")).toBe(250);
    expect(parseGoDuration("1.5s")).toBe(1500);
    expect(parseGoDuration("0")).toBe(0);
  });

  it("fails with Go's wording, as Ollama returns it", () => {
    expect(() => parseGoDuration("300")).toThrow('time: missing unit in duration "300"');
    expect(() => parseGoDuration("soon")).toThrow('time: invalid duration "soon"');
  });

  it("treats numbers as seconds and negatives as forever", () => {
    expect(parseKeepAlive(30, 1)).toBe(30_000);
    expect(parseKeepAlive(-1, 1)).toBe(Number.POSITIVE_INFINITY);
    expect(parseKeepAlive("-1m", 1)).toBe(Number.POSITIVE_INFINITY);
    expect(parseKeepAlive(undefined, 42)).toBe(42);
  });

  it("knows an explicit 0 means unload", () => {
    expect(isUnloadRequest(0)).toBe(true);
    expect(isUnloadRequest("0s")).toBe(true);
    expect(isUnloadRequest(undefined)).toBe(false);
    expect(isUnloadRequest("5m")).toBe(false);
  });
});
