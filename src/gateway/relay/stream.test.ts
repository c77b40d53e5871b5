import { describe, expect, it } from "vitest";
import { ndjsonEncoder, StreamTracker } from "./stream.js";

const chunk = (content: string) =>
  JSON.stringify({ model: "m", message: { role: "assistant", content }, done: false });
const final = JSON.stringify({
  model: "m",
  message: { role: "assistant", content: "" },
  done: true,
  eval_count: 2,
});

function track(lines: string[], end = false) {
  let firstTokens = 0;
  const tracker = new StreamTracker(
    () => "n1",
    ndjsonEncoder,
    () => firstTokens++,
  );
  const out: (string | Buffer)[] = [];
  const outcomes = lines.map((line) => tracker.line(line, out));
  if (end) outcomes.push(tracker.end(out));
  return { tracker, out, outcomes, firstTokens };
}

describe("StreamTracker", () => {
  it("rewrites the final object of a continued answer", () => {
    let firstTokens = 0;
    const tracker = new StreamTracker(
      () => "n1",
      ndjsonEncoder,
      () => firstTokens++,
    );
    tracker.rewriteFinal = (value) => ({ ...value, eval_count: 10 });
    const out: (string | Buffer)[] = [];
    expect(tracker.line(final, out)).toBe("done");
    expect(JSON.parse(String(out[0])).eval_count).toBe(10);
    expect(tracker.stats?.eval_count).toBe(10);
  });

  it("forwards lines unchanged and completes on the final object, with its stats", () => {
    const { out, outcomes, tracker, firstTokens } = track([chunk("a"), chunk("b"), final]);
    expect(out.join("")).toBe(`${chunk("a")}\n${chunk("b")}\n${final}\n`);
    expect(outcomes).toEqual(["more", "more", "done"]);
    expect(tracker.stats?.eval_count).toBe(2);
    expect(tracker.failure).toBeUndefined();
    expect(firstTokens).toBe(1);
  });

  it("does not count empty content as the first token", () => {
    const { firstTokens } = track([chunk(""), chunk("")]);
    expect(firstTokens).toBe(0);
  });

  it("fails on a malformed line without passing it on", () => {
    const { out, outcomes, tracker } = track([chunk("a"), '{"model":"m","mess']);
    expect(outcomes).toEqual(["more", "failed"]);
    expect(tracker.failure).toMatch(/malformed chunk/);
    expect(out).toEqual([`${chunk("a")}\n`]);
  });

  it("treats a JSON value that is not an object as malformed", () => {
    expect(track(["[1,2]"]).tracker.failure).toMatch(/malformed chunk/);
  });

  it("fails on a node's in-band error, keeping its message", () => {
    const { out, outcomes, tracker } = track([chunk("a"), '{"error":"out of memory"}']);
    expect(outcomes.at(-1)).toBe("failed");
    expect(tracker.failure).toBe("node n1 reported: out of memory");
    expect(out).toHaveLength(1);
  });

  it("fails when the body ends before the final object", () => {
    const { outcomes, tracker } = track([chunk("a")], true);
    expect(outcomes.at(-1)).toBe("failed");
    expect(tracker.failure).toMatch(/before the final "done" object/);
  });

  it("recognises a final object written with spaces when the body ends", () => {
    const spaced =
      '{"model": "m", "message": {"role": "assistant", "content": ""}, "done": true, "eval_count": 1}';
    const { outcomes, tracker } = track([chunk("a"), spaced], true);
    expect(outcomes).toEqual(["more", "more", "done"]);
    expect(tracker.stats?.eval_count).toBe(1);
  });

  it("is not fooled by a done marker inside generated text", () => {
    const { outcomes } = track([chunk('{"done":true}')]);
    expect(outcomes).toEqual(["more"]);
  });

  it("reports a broken connection", () => {
    const tracker = new StreamTracker(
      () => "n1",
      ndjsonEncoder,
      () => {},
    );
    tracker.broken(new Error("other side closed"));
    expect(tracker.failure).toBe("node n1 broke the stream: other side closed");
  });
});
