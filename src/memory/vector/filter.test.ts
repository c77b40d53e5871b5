import { describe, expect, it } from "vitest";
import { exactTopK, recallAt } from "./exact-search.js";
import { filterToSql, matchesFilter, vectorFilterSchema } from "./filter.js";
import { cosineFromUnitDistance, toUnitVector } from "./vector-math.js";

describe("vectorFilterSchema", () => {
  it("accepts a namespace and scalar metadata equalities", () => {
    const filter = { namespace: "docs", metadata: { kind: "faq", n: 2, ok: true, gone: null } };
    expect(vectorFilterSchema.parse(filter)).toEqual(filter);
  });

  it.each([
    [{ metadata: { "a.b": 1 } }, /metadata filter keys must be 1-64 letters/],
    [{ metadata: { a: { nested: 1 } } }, /string, number, boolean or null/],
    [{ namespace: "" }, /namespace must not be empty/],
    [{ other: 1 }, /other/],
  ])("refuses %j, saying what is allowed", (filter, message) => {
    const result = vectorFilterSchema.safeParse(filter);
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error?.issues)).toMatch(message);
  });
});

describe("filterToSql", () => {
  it("is empty without a filter", () => {
    expect(filterToSql(undefined, "items")).toEqual({ clauses: "", params: [], shape: "" });
  });

  it("puts the namespace on the vec0 column and metadata in a rowid subquery, typed", () => {
    const sql = filterToSql({ namespace: "n", metadata: { a: "x", b: 2, c: false, d: null } }, "items");
    expect(sql.clauses).toMatch(/^AND v\.namespace = \? AND v\.rowid IN \(SELECT rid FROM items WHERE /);
    expect(sql.params).toEqual(["n", '$."a"', '$."a"', "x", '$."b"', '$."b"', 2, '$."c"', "false", '$."d"']);
    expect(sql.shape).toBe("ns,text,num,bool,null");
  });
});

describe("matchesFilter", () => {
  it("compares metadata by type: 1 is not true nor '1', and a missing key is not null", () => {
    const entry = { namespace: "n", metadata: { one: 1, none: null } };
    expect(matchesFilter(entry, { metadata: { one: 1 } })).toBe(true);
    expect(matchesFilter(entry, { metadata: { one: true } })).toBe(false);
    expect(matchesFilter(entry, { metadata: { one: "1" } })).toBe(false);
    expect(matchesFilter(entry, { metadata: { none: null } })).toBe(true);
    expect(matchesFilter(entry, { metadata: { missing: null } })).toBe(false);
    expect(matchesFilter(entry, { namespace: "m" })).toBe(false);
  });
});

describe("vector arithmetic", () => {
  it("normalises to unit length and turns a unit L2 distance into the cosine", () => {
    const unit = toUnitVector([3, 4]);
    expect(Array.from(unit)).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(cosineFromUnitDistance(0)).toBe(1);
    expect(cosineFromUnitDistance(Math.SQRT2)).toBeCloseTo(0, 12);
    expect(cosineFromUnitDistance(2)).toBe(-1);
  });

  it("exact search ranks by dot product and recall compares id sets", () => {
    const data = Float32Array.from([1, 0, 0, 1, 0.8, 0.6]);
    const top = exactTopK({ ids: ["x", "y", "z"], data, dimension: 2 }, Float32Array.from([1, 0]), 2);
    expect(top.map((hit) => hit.id)).toEqual(["x", "z"]);
    expect(recallAt([{ id: "x" }, { id: "y" }], top)).toBe(0.5);
  });
});
