import { describe, expect, it } from "vitest";
import { hashOf, parseHash } from "./hash-route.js";

describe("hash routes", () => {
  it("reads the tab and the rest of the path", () => {
    expect(parseHash("#/orchestrations/run%2F1")).toEqual({ tab: "orchestrations", rest: ["run/1"] });
    expect(parseHash("#/traffic")).toEqual({ tab: "traffic", rest: [] });
  });

  it("opens the cluster for an empty or unknown hash", () => {
    expect(parseHash("")).toEqual({ tab: "cluster", rest: [] });
    expect(parseHash("#/nope/x")).toEqual({ tab: "cluster", rest: [] });
  });

  it("writes hashes that read back", () => {
    expect(parseHash(hashOf("orchestrations", "a b"))).toEqual({ tab: "orchestrations", rest: ["a b"] });
  });
});
