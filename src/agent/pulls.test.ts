import { describe, expect, it } from "vitest";
import { PullTracker } from "./pulls.js";

describe("PullTracker", () => {
  it("reports a running pull with the latest progress line's numbers", () => {
    const pulls = new PullTracker();
    pulls.start("llama3.2:3b");
    pulls.progress("llama3.2:3b", { status: "pulling manifest" }, 0);
    pulls.progress(
      "llama3.2:3b",
      { status: "pulling 6a0746a1ec1a", digest: "sha256:6a07", total: 100, completed: 40 },
      1,
    );
    expect(pulls.list(2)).toEqual([
      { model: "llama3.2:3b", status: "pulling 6a0746a1ec1a", total: 100, completed: 40 },
    ]);
    pulls.progress("llama3.2:3b", { status: "verifying sha256 digest" }, 3);
    expect(pulls.list(4)).toEqual([{ model: "llama3.2:3b", status: "verifying sha256 digest" }]);
  });

  it("keeps a finished pull in the reports for keepFinishedMs, then drops it", () => {
    const pulls = new PullTracker({ keepFinishedMs: 1_000 });
    pulls.start("m");
    pulls.progress("m", { status: "success" }, 10);
    pulls.fail("m", "too late", 20);
    expect(pulls.list(1_010)).toEqual([{ model: "m", status: "success" }]);
    expect(pulls.list(1_011)).toEqual([]);
  });

  it("records Ollama's in-band error", () => {
    const pulls = new PullTracker();
    pulls.start("nope");
    pulls.progress("nope", { status: "pulling manifest" }, 0);
    pulls.progress("nope", { error: "pull model manifest: file does not exist" }, 1);
    expect(pulls.list(2)).toEqual([
      { model: "nope", status: "error", error: "pull model manifest: file does not exist" },
    ]);
  });

  it("a pull that ends without success is an error; one that succeeded stays a success", () => {
    const pulls = new PullTracker();
    pulls.start("a");
    pulls.start("b");
    pulls.progress("b", { status: "success" }, 0);
    pulls.fail("a", "the pull stream ended before Ollama reported success", 1);
    pulls.fail("b", "the pull stream ended before Ollama reported success", 1);
    expect(pulls.list(2)).toEqual([
      { model: "a", status: "error", error: "the pull stream ended before Ollama reported success" },
      { model: "b", status: "success" },
    ]);
  });

  it("a new pull of the same model replaces the old record", () => {
    const pulls = new PullTracker();
    pulls.start("m");
    pulls.fail("m", "cancelled", 0);
    pulls.start("m");
    expect(pulls.list(1)).toEqual([{ model: "m", status: "starting" }]);
  });
});
