import { describe, expect, it } from "vitest";
import { seededRandom } from "../../random/seeded-random.js";
import { orderByKey } from "./stable-order.js";

describe("orderByKey", () => {
  it("orders by key, ties in turn order from the start", () => {
    const items = ["a", "b", "c", "d"];
    const keys = Float64Array.from([2, 1, 2, 2]);
    expect(orderByKey(items, keys, 0)).toEqual(["b", "a", "c", "d"]);
    expect(orderByKey(items, keys, 3)).toEqual(["b", "d", "a", "c"]);
    expect(orderByKey(items, keys, -2)).toEqual(["b", "c", "d", "a"]);
  });

  it("matches a comparator sort on long lists (merge passes) and handles empty ones", () => {
    const random = seededRandom(3);
    for (const count of [0, 1, 15, 16, 17, 100, 1000]) {
      const items = Array.from({ length: count }, (_, i) => i);
      const keys = Float64Array.from(items, () => Math.floor(random() * 10));
      const start = 5;
      const turn = (i: number) => (((i - start) % count) + count) % count;
      const expected = [...items].sort((x, y) => (keys[x] ?? 0) - (keys[y] ?? 0) || turn(x) - turn(y));
      expect(orderByKey(items, keys, start)).toEqual(expected);
    }
  });
});
