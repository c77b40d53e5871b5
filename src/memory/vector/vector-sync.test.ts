import { describe, expect, it } from "vitest";
import type { SharedRow } from "./shared-log.js";
import { canonicalJson, planRow } from "./vector-sync.js";

function row(fields: Partial<SharedRow>): SharedRow {
  return {
    seq: 1,
    id: "x",
    model: "nomic-embed-text",
    namespace: "default",
    text: "hello",
    metadata: undefined,
    dimension: 3,
    embedding: Float32Array.from([1, 0, 0]),
    deleted: false,
    origin: "gw",
    ...fields,
  };
}

const here = { id: "x", namespace: "default", text: "hello", metadata: undefined };

describe("planRow", () => {
  it("takes a row of its own model and dimension as it is", () => {
    expect(planRow(row({}), undefined, "nomic-embed-text:latest", 3)).toMatchObject({ kind: "upsert" });
    expect(planRow(row({}), here, "nomic-embed-text", undefined)).toMatchObject({ kind: "upsert" });
  });

  it("removes a deleted entry only when it is here", () => {
    const tombstone = row({ deleted: true, embedding: undefined, text: undefined });
    expect(planRow(tombstone, here, "nomic-embed-text", 3)).toEqual({ kind: "delete" });
    expect(planRow(tombstone, undefined, "nomic-embed-text", 3)).toEqual({ kind: "skip" });
  });

  it("embeds a row of another model again from its text", () => {
    expect(planRow(row({ model: "mxbai-embed-large" }), undefined, "nomic-embed-text", 3)).toEqual({
      kind: "reembed",
      text: "hello",
    });
  });

  it("embeds again a row of its own model name whose vectors have another dimension", () => {
    expect(planRow(row({ embedding: Float32Array.from([1, 0]) }), undefined, "nomic-embed-text", 3)).toEqual({
      kind: "reembed",
      text: "hello",
    });
  });

  it("skips another model's row when the same entry is here already, and one without text", () => {
    expect(planRow(row({ model: "other" }), here, "nomic-embed-text", 3)).toEqual({ kind: "skip" });
    expect(planRow(row({ model: "other", text: undefined }), undefined, "nomic-embed-text", 3)).toEqual({
      kind: "skip",
    });
  });

  it("embeds another model's row again when its text, namespace or metadata changed", () => {
    for (const changed of [{ text: "bye" }, { namespace: "n2" }, { metadata: { a: 1 } }]) {
      expect(planRow(row({ model: "other", ...changed }), here, "nomic-embed-text", 3).kind).toBe("reembed");
    }
  });
});

describe("canonicalJson", () => {
  it("writes objects with sorted keys, at every depth, so jsonb's reordering compares equal", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}',
    );
    expect(
      planRow(
        row({ model: "other", metadata: { b: 2, a: 1 } }),
        { ...here, metadata: { a: 1, b: 2 } },
        "m",
        3,
      ),
    ).toEqual({
      kind: "skip",
    });
  });
});
