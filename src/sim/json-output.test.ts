import { describe, expect, it } from "vitest";
import { generateStructured, type JsonSchema } from "./json-output.js";
import { Rng } from "./rng.js";

const gen = (schema: JsonSchema | "json", seed = 1) => generateStructured(schema, new Rng(seed), ["orbit"]);

describe("structured output", () => {
  it("fills object properties, required ones first", () => {
    const value = gen({
      type: "object",
      properties: { note: { type: "string" }, name: { type: "string" }, active: { type: "boolean" } },
      required: ["name"],
    }) as Record<string, unknown>;
    expect(Object.keys(value)).toEqual(["name", "note", "active"]);
    expect(typeof value.name).toBe("string");
    expect(typeof value.active).toBe("boolean");
  });

  it("keeps numbers and integers inside their bounds", () => {
    for (let seed = 0; seed < 50; seed++) {
      const v = gen(
        {
          type: "object",
          properties: {
            n: { type: "number", minimum: 2.5, maximum: 3 },
            i: { type: "integer", exclusiveMinimum: 0, exclusiveMaximum: 4 },
            m: { type: "integer", minimum: 10, maximum: 40, multipleOf: 7 },
          },
        },
        seed,
      ) as { n: number; i: number; m: number };
      expect(v.n).toBeGreaterThanOrEqual(2.5);
      expect(v.n).toBeLessThanOrEqual(3);
      expect(Number.isInteger(v.i) && v.i >= 1 && v.i <= 3).toBe(true);
      expect(v.m % 7).toBe(0);
    }
  });

  it("respects enums, const, and array lengths", () => {
    const v = gen({
      type: "object",
      properties: {
        color: { enum: ["red", "green"] },
        kind: { const: "fixed" },
        tags: { type: "array", items: { type: "string", maxLength: 5 }, minItems: 2, maxItems: 4 },
      },
    }) as { color: string; kind: string; tags: string[] };
    expect(["red", "green"]).toContain(v.color);
    expect(v.kind).toBe("fixed");
    expect(v.tags.length).toBeGreaterThanOrEqual(2);
    expect(v.tags.length).toBeLessThanOrEqual(4);
    for (const tag of v.tags) expect(tag.length).toBeLessThanOrEqual(5);
  });

  it("nests objects, takes the first anyOf/oneOf branch and follows $ref into $defs", () => {
    const v = gen({
      type: "object",
      properties: {
        owner: { $ref: "#/$defs/Person" },
        id: { anyOf: [{ type: "integer" }, { type: "string" }] },
        when: { oneOf: [{ type: "string", format: "date" }, { type: "null" }] },
        maybe: { type: ["null", "boolean"] },
      },
      $defs: {
        Person: {
          type: "object",
          properties: { name: { type: "string", minLength: 3 } },
          required: ["name"],
        },
      },
    }) as { owner: { name: string }; id: unknown; when: string; maybe: unknown };
    expect(v.owner.name.length).toBeGreaterThanOrEqual(3);
    expect(Number.isInteger(v.id)).toBe(true);
    expect(v.when).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(typeof v.maybe).toBe("boolean");
  });

  it("stops recursing on self-referencing schemas", () => {
    const tree: JsonSchema = {
      type: "object",
      properties: {
        label: { type: "string" },
        children: { type: "array", items: { $ref: "#" }, maxItems: 2 },
      },
    };
    expect(() => JSON.stringify(gen(tree))).not.toThrow();
  });

  it("gives some JSON object for format json", () => {
    expect(typeof gen("json")).toBe("object");
  });
});
