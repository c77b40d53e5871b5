import { describe, expect, it } from "vitest";
import { formatTable } from "./table.js";

describe("formatTable", () => {
  it("pads columns to the widest cell and underlines the header", () => {
    expect(
      formatTable(
        ["NAME", "UP"],
        [
          ["gpu-1", "yes"],
          ["a", "no"],
        ],
      ),
    ).toBe(["NAME   UP", "-----  ---", "gpu-1  yes", "a      no"].join("\n"));
  });

  it("prints only the header for no rows", () => {
    expect(formatTable(["A", "B"], [])).toBe("A  B\n-  -");
  });
});
