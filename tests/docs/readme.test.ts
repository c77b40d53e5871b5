/** The README's configuration example is a valid hydra.yaml, so the documentation stays true. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { hydraConfigSchema } from "../../src/config/schema.js";

const README = fileURLToPath(new URL("../../README.md", import.meta.url));

describe("README", () => {
  it("shows a hydra.yaml that the gateway accepts", () => {
    const block = readFileSync(README, "utf8").split("```yaml")[1]?.split("```")[0];
    expect(block).toBeDefined();
    const result = hydraConfigSchema.safeParse(parse(block ?? ""));
    expect(result.error?.issues ?? []).toEqual([]);
  });
});
