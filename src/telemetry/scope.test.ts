import { describe, expect, it } from "vitest";
import { currentScope, currentTrace, outsideScope, runInScope } from "./scope.js";

describe("call scope", () => {
  it("carries the request id through awaits", async () => {
    const seen = await runInScope({ requestId: "r1" }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return currentScope()?.requestId;
    });
    expect(seen).toBe("r1");
    expect(currentScope()).toBeUndefined();
  });

  it("lets shared resources be opened outside the request's scope", () => {
    expect(runInScope({ requestId: "r3" }, () => outsideScope(() => currentScope()))).toBeUndefined();
  });

  it("has no trace while no tracer is open in the process", () => {
    expect(runInScope({ requestId: "r2" }, () => currentTrace())).toBeUndefined();
  });
});
