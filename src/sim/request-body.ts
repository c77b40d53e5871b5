/**
 * Request bodies read the way Ollama (Go's encoding/json via gin) reads them, so clients see
 * the same 400 messages: "missing request body", "invalid character ...", "unexpected EOF",
 * "json: cannot unmarshal ..." and "model is required".
 */
import type { z } from "zod";
import { valueAt } from "../validation/zod-issues.js";
import { SimApiError } from "./api-error.js";
import { goJsonSyntaxError } from "./json-syntax.js";

/** Parses the raw body text as JSON; SimApiError 400 with Go's wording when it is not. */
export function readJsonBody(raw: unknown): unknown {
  if (typeof raw !== "string") return raw ?? missingBody();
  const text = raw.trim();
  if (text === "") missingBody();
  try {
    return JSON.parse(text);
  } catch {
    throw new SimApiError(400, goJsonSyntaxError(text));
  }
}

function missingBody(): never {
  throw new SimApiError(400, "missing request body");
}

const GO_TYPES: Record<string, string> = {
  string: "string",
  number: "float64",
  int: "int",
  boolean: "bool",
  array: "[]interface {}",
  object: "map[string]interface {}",
};

function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value === "object" ? "object" : typeof value;
}

/**
 * Validates a parsed body against a request schema. `goStruct` names the Go type Ollama decodes
 * into (e.g. "ChatRequest"), for its "cannot unmarshal" messages.
 */
export function parseBody<S extends z.ZodType>(schema: S, raw: unknown, goStruct: string): z.output<S> {
  const body = readJsonBody(raw);
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new SimApiError(
      400,
      `json: cannot unmarshal ${jsonKind(body)} into Go value of type api.${goStruct}`,
    );
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new SimApiError(400, "invalid request body");
  const path = issue.path.map(String);
  const value = valueAt(body, issue.path);
  if ((path[0] === "model" || path[0] === "name") && (value === undefined || value === "")) {
    throw new SimApiError(400, "model is required");
  }
  if (issue.code === "invalid_type" && value !== undefined) {
    const expected = GO_TYPES[String(issue.expected)] ?? String(issue.expected);
    throw new SimApiError(
      400,
      `json: cannot unmarshal ${jsonKind(value)} into Go struct field ${goStruct}.${path.join(".")} of type ${expected}`,
    );
  }
  throw new SimApiError(400, path.length > 0 ? `${path.join(".")}: ${issue.message}` : issue.message);
}
