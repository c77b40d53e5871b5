/**
 * zod issues turned into messages a person can act on: the field's path as the
 * docs name it, the value that was wrong, and what is allowed (for unknown keys,
 * the keys that are). Used for configuration files and for request bodies.
 */
import type { ZodError, ZodType, z } from "zod";

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** `messages[0].content[1].text`, the way the OpenAI docs name fields. */
export function formatPath(path: Path): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out;
}

/** A union branch whose only complaint is "wrong type at the root" is not what the client meant. */
function isTypeMismatch(branch: readonly Issue[]): boolean {
  return branch.length === 1 && branch[0]?.code === "invalid_type" && branch[0].path.length === 0;
}

/**
 * For a failed union, report the inner issues of the one branch whose type the value had (an
 * array content with one bad part should say which part), else the union's own message.
 */
function flattenIssue(issue: Issue, prefix: Path): { path: Path; message: string }[] {
  const path = [...prefix, ...issue.path];
  if (issue.code === "invalid_union") {
    const matching = issue.errors.filter((branch) => !isTypeMismatch(branch));
    const [only] = matching;
    if (matching.length === 1 && only !== undefined && only.length > 0) {
      return only.flatMap((inner) => flattenIssue(inner, path));
    }
  }
  return [{ path, message: issue.message }];
}

export function formatValidationError(error: z.ZodError): string {
  const lines = error.issues
    .flatMap((issue) => flattenIssue(issue, []))
    .map(({ path, message }) => (path.length === 0 ? message : `${formatPath(path)}: ${message}`));
  return `invalid request: ${[...new Set(lines)].join("; ")}`;
}

/** One line per problem: `where: key.path = value: what is wrong / allowed`. */
export function formatConfigIssues(error: ZodError, input: unknown, where: string, schema?: ZodType): string {
  const lines = error.issues.slice(0, 8).map((issue) => {
    const path = formatPath(issue.path);
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.map((k) => `"${k}"`).join(", ");
      const allowed = schema ? allowedKeysAt(schema, issue.path, input) : undefined;
      const hint = allowed ? `allowed keys: ${allowed.join(", ")}` : "check the spelling";
      return `${path || "(top level)"}: unknown key ${keys}; ${hint}`;
    }
    const value = valueAt(input, issue.path);
    const shown = value === undefined ? "missing" : `= ${JSON.stringify(value)}`;
    return `${path || "(top level)"} ${shown}: ${issue.message}`;
  });
  return `${where}: invalid configuration\n  ${lines.join("\n  ")}`;
}

/** The value at an issue's path in the input, to show what was wrong. */
export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const part of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<PropertyKey, unknown>)[part];
  }
  return current;
}

/** Minimal view of zod 4 schema internals, enough to walk to the object at an issue's path. */
interface SchemaDef {
  type: string;
  shape?: Record<string, ZodType>;
  element?: ZodType;
  innerType?: ZodType;
  in?: ZodType;
  options?: ZodType[];
}

function defOf(schema: ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** The keys the object schema at `path` accepts, to list them next to an unknown key. */
function allowedKeysAt(schema: ZodType, path: readonly PropertyKey[], input: unknown): string[] | undefined {
  let current: ZodType | undefined = schema;
  let value = input;
  let depth = 0;
  while (current) {
    const def = defOf(current);
    if (def.innerType) {
      current = def.innerType;
      continue;
    }
    if (def.type === "pipe" && def.in) {
      current = def.in;
      continue;
    }
    if (def.type === "union" && def.options) {
      // Discriminated unions (faults): pick the option whose literal `type` matches the input.
      const wanted = (value as { type?: unknown } | undefined)?.type;
      current = def.options.find((option) => {
        const shape = defOf(option).shape;
        const literal = shape?.type ? defOf(shape.type) : undefined;
        return (literal as { values?: unknown[] } | undefined)?.values?.includes(wanted);
      });
      continue;
    }
    if (depth === path.length) return def.shape ? Object.keys(def.shape) : undefined;
    const part = path[depth++];
    value =
      value !== null && typeof value === "object"
        ? (value as Record<PropertyKey, unknown>)[part as PropertyKey]
        : undefined;
    if (def.type === "object" && def.shape) current = def.shape[String(part)];
    else if (def.type === "array") current = def.element;
    else return undefined;
  }
  return undefined;
}
