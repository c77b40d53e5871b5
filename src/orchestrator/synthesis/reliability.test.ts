import { describe, expect, it } from "vitest";
import {
  emptyReliabilityBook,
  observationsOf,
  parseReliabilityBook,
  recordOutcomes,
  reliabilityOf,
  TASK_TYPE_SHRINKAGE,
} from "./reliability.js";

describe("reliability book", () => {
  it("starts with no opinion: 0.5 for every model", () => {
    const book = emptyReliabilityBook();
    expect(reliabilityOf(book, "m")).toBe(0.5);
    expect(reliabilityOf(book, "m", "code")).toBe(0.5);
    expect(observationsOf(book, "m")).toBe(0);
  });

  it("is the Beta(1, 1) posterior mean of being in the verified group", () => {
    let book = emptyReliabilityBook();
    for (const verified of [true, true, true, false]) {
      book = recordOutcomes(book, [{ model: "m", verified }]);
    }
    expect(reliabilityOf(book, "m")).toBeCloseTo(4 / 6);
    expect(observationsOf(book, "m")).toBe(4);
  });

  it("counts a model once per synthesis: verified if any of its candidates was", () => {
    const book = recordOutcomes(emptyReliabilityBook(), [
      { model: "m", verified: false },
      { model: "m", verified: true },
      { model: "n", verified: false },
    ]);
    expect(book.entries.m).toEqual({ verified: 1, rejected: 0 });
    expect(book.entries.n).toEqual({ verified: 0, rejected: 1 });
  });

  it("shrinks a task type's record towards the model's overall record", () => {
    let book = emptyReliabilityBook();
    for (let i = 0; i < 8; i++) book = recordOutcomes(book, [{ model: "m", verified: true }], "code");
    book = recordOutcomes(book, [{ model: "m", verified: false }], "test");
    const overall = reliabilityOf(book, "m");
    expect(overall).toBeCloseTo(9 / 11);
    expect(reliabilityOf(book, "m", "test")).toBeCloseTo(
      (0 + TASK_TYPE_SHRINKAGE * overall) / (1 + TASK_TYPE_SHRINKAGE),
    );
    expect(reliabilityOf(book, "m", "code")).toBeCloseTo(
      (8 + TASK_TYPE_SHRINKAGE * overall) / (8 + TASK_TYPE_SHRINKAGE),
    );
    // A type never seen is the overall record.
    expect(reliabilityOf(book, "m", "docs")).toBeCloseTo(overall);
  });

  it("never changes the book it is given", () => {
    const book = emptyReliabilityBook();
    const next = recordOutcomes(book, [{ model: "m", verified: true }], "code");
    expect(book.entries).toEqual({});
    expect(Object.keys(next.entries)).toHaveLength(2);
  });

  it("reads back what it wrote and refuses anything else", () => {
    const book = recordOutcomes(emptyReliabilityBook(), [{ model: "m", verified: true }], "code");
    expect(parseReliabilityBook(JSON.parse(JSON.stringify(book)))).toEqual(book);
    expect(parseReliabilityBook(null)).toBeUndefined();
    expect(parseReliabilityBook({ version: 2, entries: {} })).toBeUndefined();
    expect(
      parseReliabilityBook({ version: 1, entries: { m: { verified: -1, rejected: 0 } } }),
    ).toBeUndefined();
    expect(
      parseReliabilityBook({ version: 1, entries: { m: { verified: "3", rejected: 0 } } }),
    ).toBeUndefined();
  });
});
