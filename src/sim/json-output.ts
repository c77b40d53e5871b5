/**
 * Structured output: a value that satisfies the request's `format` (a JSON schema), or any
 * small JSON object for `format: "json"`. Supported schema keywords: type (incl. type lists),
 * properties/required, items/prefixItems, minItems/maxItems, enum, const, anyOf/oneOf (first
 * branch), allOf (merged), $ref into $defs/definitions, string min/maxLength and common formats,
 * number/integer minimum/maximum (also exclusive) and multipleOf. `pattern` is not honoured.
 *
 * A *hint* (a JSON value shaped like the expected answer) makes the content plausible: wherever
 * the hint has a value the schema allows there, it is kept (strings cut or padded to their length
 * limits, numbers clamped, arrays cut or padded to their item limits, enums matched ignoring
 * case); everything else is generated as without a hint. So the output is always an instance of
 * the schema, and as close to the hint as the schema lets it be.
 */
import type { Rng } from "./rng.js";

export type JsonSchema = Record<string, unknown>;
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const MAX_DEPTH = 8;
const WORDS = [
  "alpha",
  "bravo",
  "cluster",
  "delta",
  "echo",
  "node",
  "model",
  "stream",
  "vector",
  "signal",
  "river",
  "stone",
];

/**
 * A JSON value for `format`: a schema object, or "json" for free-form JSON. `hint` (schemas only)
 * is the content to keep where the schema allows it (see the module comment).
 */
export function generateStructured(
  format: "json" | JsonSchema,
  rng: Rng,
  keywords: readonly string[],
  hint?: unknown,
): Json {
  if (format === "json") return freeFormObject(rng, keywords);
  return new SchemaValueGenerator(format, rng, keywords).value(format, 0, hint);
}

function freeFormObject(rng: Rng, keywords: readonly string[]): Json {
  const topic = keywords[0] ?? rng.pick(WORDS);
  return {
    answer: sentence(rng, keywords, rng.int(4, 9)),
    topic,
    confidence: Math.round(rng.float(0.5, 0.99) * 100) / 100,
    items: Array.from({ length: rng.int(1, 3) }, () => rng.pick(keywords.length > 0 ? keywords : WORDS)),
  };
}

function sentence(rng: Rng, keywords: readonly string[], words: number): string {
  const pool = keywords.length > 0 ? [...WORDS, ...keywords] : WORDS;
  const text = Array.from({ length: words }, () => rng.pick(pool)).join(" ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

class SchemaValueGenerator {
  constructor(
    private readonly root: JsonSchema,
    private readonly rng: Rng,
    private readonly keywords: readonly string[],
  ) {}

  value(schemaIn: unknown, depth: number, hint?: unknown): Json {
    if (schemaIn === true || schemaIn === undefined) {
      return hint !== undefined ? (hint as Json) : this.string({}, "value");
    }
    if (!isObject(schemaIn)) return null;
    let schema = schemaIn;
    if (typeof schema.$ref === "string") {
      const target = this.resolveRef(schema.$ref);
      if (depth >= MAX_DEPTH) return this.minimal(target ?? {});
      return this.value(target ?? {}, depth + 1, hint);
    }
    if ("const" in schema) return schema.const as Json;
    if (Array.isArray(schema.enum) && schema.enum.length > 0) {
      const hinted = hint === undefined ? undefined : enumMatch(schema.enum, hint);
      return hinted !== undefined ? hinted : (this.rng.pick(schema.enum) as Json);
    }
    for (const key of ["anyOf", "oneOf"] as const) {
      const options = schema[key];
      if (Array.isArray(options) && options.length > 0) return this.value(options[0], depth + 1, hint);
    }
    if (Array.isArray(schema.allOf)) schema = this.mergeAllOf(schema);
    if (depth >= MAX_DEPTH) return this.minimal(schema);
    switch (this.typeOf(schema)) {
      case "object":
        return this.object(schema, depth, isObject(hint) ? hint : undefined);
      case "array":
        return this.array(schema, depth, Array.isArray(hint) ? hint : undefined);
      case "integer":
        return this.number(schema, true, numberHint(hint));
      case "number":
        return this.number(schema, false, numberHint(hint));
      case "boolean":
        return typeof hint === "boolean" ? hint : this.rng.chance(0.5);
      case "null":
        return null;
      default:
        return this.string(schema, "text", typeof hint === "string" ? hint : undefined);
    }
  }

  private typeOf(schema: JsonSchema): string {
    const type = schema.type;
    if (typeof type === "string") return type;
    if (Array.isArray(type)) {
      const first = type.find((t) => t !== "null") ?? type[0];
      return typeof first === "string" ? first : "string";
    }
    if (isObject(schema.properties)) return "object";
    if (schema.items !== undefined || schema.prefixItems !== undefined) return "array";
    if (typeof schema.minimum === "number" || typeof schema.maximum === "number") return "number";
    return "string";
  }

  private object(schema: JsonSchema, depth: number, hint?: Record<string, unknown>): Json {
    const out: { [key: string]: Json } = {};
    const properties = isObject(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required)
      ? schema.required.filter((r) => typeof r === "string")
      : [];
    // Required keys first (in their listed order), then the rest: a grammar-constrained model
    // fills every property it is shown, so optional ones appear too.
    const keys = [...new Set([...required, ...Object.keys(properties)])];
    for (const key of keys) out[key] = this.value(properties[key] ?? {}, depth + 1, hint?.[key]);
    return out;
  }

  private array(schema: JsonSchema, depth: number, hint?: readonly unknown[]): Json {
    const min = typeof schema.minItems === "number" ? schema.minItems : hint ? 0 : 1;
    const max = typeof schema.maxItems === "number" ? schema.maxItems : Math.max(min, 3);
    const count = hint
      ? Math.min(Math.max(hint.length, min), typeof schema.maxItems === "number" ? max : hint.length)
      : this.rng.int(min, Math.max(min, max));
    const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
    return Array.from({ length: count }, (_, i) =>
      this.value(i < prefix.length ? prefix[i] : schema.items, depth + 1, hint?.[i]),
    );
  }

  private number(schema: JsonSchema, integer: boolean, hint?: number): number {
    let low = typeof schema.minimum === "number" ? schema.minimum : undefined;
    let high = typeof schema.maximum === "number" ? schema.maximum : undefined;
    const step = integer ? 1 : 0.01;
    // Draft 6+: exclusiveMinimum is a number; draft 4: a boolean modifying minimum.
    if (typeof schema.exclusiveMinimum === "number") low = schema.exclusiveMinimum + step;
    else if (schema.exclusiveMinimum === true && low !== undefined) low += step;
    if (typeof schema.exclusiveMaximum === "number") high = schema.exclusiveMaximum - step;
    else if (schema.exclusiveMaximum === true && high !== undefined) high -= step;
    if (low === undefined) low = high !== undefined ? Math.min(0, high) : 0;
    if (high === undefined) high = low + 100;
    let value: number;
    if (hint !== undefined) value = integer ? Math.round(hint) : hint;
    else if (integer) value = this.rng.int(Math.ceil(low), Math.floor(high));
    else value = Math.round(this.rng.float(low, high) * 100) / 100;
    const multipleOf =
      typeof schema.multipleOf === "number" && schema.multipleOf > 0 ? schema.multipleOf : undefined;
    if (multipleOf !== undefined && (hint === undefined || !isMultiple(value, multipleOf))) {
      const candidate = Math.ceil(low / multipleOf) * multipleOf;
      value = candidate <= high ? candidate : value;
    }
    if (hint !== undefined && integer) return Math.min(Math.floor(high), Math.max(Math.ceil(low), value));
    return Math.min(high, Math.max(low, value));
  }

  private string(schema: JsonSchema, fallback: string, hint?: string): string {
    const format = schema.format;
    if (hint !== undefined && format === undefined) return fitLength(hint, schema, this.rng);
    if (format === "date-time")
      return new Date(Date.UTC(2024, this.rng.int(0, 11), this.rng.int(1, 28), 12)).toISOString();
    if (format === "date") return `2024-${pad(this.rng.int(1, 12))}-${pad(this.rng.int(1, 28))}`;
    if (format === "time") return `${pad(this.rng.int(0, 23))}:${pad(this.rng.int(0, 59))}:00`;
    if (format === "email") return `${this.rng.pick(WORDS)}@example.com`;
    if (format === "uri" || format === "url") return `https://example.com/${this.rng.pick(WORDS)}`;
    if (format === "uuid") return uuid(this.rng);
    const minLength = typeof schema.minLength === "number" ? schema.minLength : 0;
    const maxLength = typeof schema.maxLength === "number" ? schema.maxLength : Number.POSITIVE_INFINITY;
    let text = sentence(this.rng, this.keywords, this.rng.int(1, 5)) || fallback;
    while ([...text].length < minLength) text += ` ${this.rng.pick(WORDS)}`;
    if ([...text].length > maxLength) text = [...text].slice(0, maxLength).join("").trimEnd();
    while ([...text].length < minLength) text += "x";
    return text;
  }

  private minimal(schema: JsonSchema): Json {
    const type = this.typeOf(schema);
    if (Array.isArray(schema.type) && schema.type.includes("null")) return null;
    if (type === "object") return {};
    if (type === "array") return [];
    if (type === "integer" || type === "number") return this.number(schema, type === "integer");
    if (type === "boolean") return false;
    if (type === "null") return null;
    return this.string(schema, "");
  }

  private mergeAllOf(schema: JsonSchema): JsonSchema {
    const merged: JsonSchema = { ...schema, allOf: undefined };
    const properties: Record<string, unknown> = isObject(schema.properties) ? { ...schema.properties } : {};
    const required = new Set<unknown>(Array.isArray(schema.required) ? schema.required : []);
    for (const part of schema.allOf as unknown[]) {
      const resolved = isObject(part) && typeof part.$ref === "string" ? this.resolveRef(part.$ref) : part;
      if (!isObject(resolved)) continue;
      for (const [key, value] of Object.entries(resolved)) {
        if (key === "properties" && isObject(value)) Object.assign(properties, value);
        else if (key === "required" && Array.isArray(value)) for (const r of value) required.add(r);
        else if (!(key in merged) || merged[key] === undefined) merged[key] = value;
      }
    }
    if (Object.keys(properties).length > 0) merged.properties = properties;
    if (required.size > 0) merged.required = [...required];
    return merged;
  }

  /** Local JSON pointers only ("#", "#/$defs/X", "#/definitions/X/properties/y"). */
  private resolveRef(ref: string): JsonSchema | undefined {
    if (!ref.startsWith("#")) return undefined;
    let current: unknown = this.root;
    for (const raw of ref.slice(1).split("/").filter(Boolean)) {
      const part = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
      if (!isObject(current)) return undefined;
      current = current[part];
    }
    return isObject(current) ? current : undefined;
  }
}

/** The enum value a hint names (exactly, or ignoring case for strings). */
function enumMatch(values: readonly unknown[], hint: unknown): Json | undefined {
  if (values.some((v) => v === hint)) return hint as Json;
  if (typeof hint !== "string") return undefined;
  const lower = hint.toLowerCase();
  return values.find((v) => typeof v === "string" && v.toLowerCase() === lower) as Json | undefined;
}

/** Numbers, and numeric strings (a hinted id "2" where the schema wants an integer). */
function numberHint(hint: unknown): number | undefined {
  if (typeof hint === "number" && Number.isFinite(hint)) return hint;
  if (typeof hint === "string" && /^-?\d+(?:\.\d+)?$/.test(hint)) return Number(hint);
  return undefined;
}

function isMultiple(value: number, of: number): boolean {
  const ratio = value / of;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}

/** A hinted string cut or padded to the schema's length limits. */
function fitLength(text: string, schema: JsonSchema, rng: Rng): string {
  const minLength = typeof schema.minLength === "number" ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === "number" ? schema.maxLength : Number.POSITIVE_INFINITY;
  let out = text;
  if ([...out].length > maxLength) out = [...out].slice(0, maxLength).join("").trimEnd();
  while ([...out].length < minLength) out += ` ${rng.pick(WORDS)}`;
  if ([...out].length > maxLength) out = [...out].slice(0, maxLength).join("");
  while ([...out].length < minLength) out += "x";
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

function uuid(rng: Rng): string {
  const hex = Array.from({ length: 32 }, () => rng.int(0, 15).toString(16)).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}
