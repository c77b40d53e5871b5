/**
 * Plausible content for the orchestrator's structured questions, derived from the prompt:
 * an analysis (`complexity`, `taskType`, reasons) and a decomposition (`subtasks` with ids,
 * descriptions, types and dependencies that form a valid DAG). The result is a *hint*: the
 * JSON-schema generator (json-output.ts) keeps every hinted value the schema allows and fills
 * the rest itself, so the output is always an instance of the caller's schema.
 */
import { asksForTests, asksForTestsToo, focusText, matchTasks } from "./match.js";
import type { BankTask } from "./types.js";

export type Complexity = "SIMPLE" | "MODERATE" | "COMPLEX";

export interface RequestFacts {
  /** The part of the prompt being asked about (see match.ts). */
  focus: string;
  /** Bank tasks the focus mentions, in order. */
  tasks: BankTask[];
  wantsTests: boolean;
  complexity: Complexity;
  taskType: string;
  words: number;
}

export interface PlannedSubtask {
  id: string;
  description: string;
  type: string;
  dependencies: string[];
}

const CODE_WORDS =
  /\b(?:code|function|implement|program|script|class|method|bug|debug|refactor|compile|python|javascript|typescript|regex|sql|api)\b/i;
const REASONING_WORDS =
  /\b(?:why|prove|explain|reason|compare|calculate|solve|estimate|how many|analy[sz]e)\b/i;
const DOCS_WORDS = /\b(?:document|documentation|docs|readme|docstring|comments?)\b/i;
const LANGUAGE_NAMES = { python: "Python", javascript: "JavaScript" } as const;

function typeOfText(text: string): string {
  if (asksForTests(text)) return "test";
  if (CODE_WORDS.test(text)) return "code";
  if (DOCS_WORDS.test(text)) return "docs";
  if (REASONING_WORDS.test(text)) return "reasoning";
  return "general";
}

/**
 * What the sim "understands" of a prompt. Complexity: two or more bank tasks, three or more
 * steps (sentences/clauses of 3+ words) or over 150 words → COMPLEX; one bank task, two steps,
 * over 40 words, or code work over 12 words → MODERATE; else SIMPLE.
 */
export function requestFacts(prompt: string): RequestFacts {
  const focus = focusText(prompt);
  const tasks = matchTasks(focus);
  const words = focus.split(/\s+/).filter(Boolean).length;
  const steps = clauses(focus).length;
  const wantsTests = asksForTests(focus) || asksForTestsToo(focus);
  const code = tasks.length > 0 || CODE_WORDS.test(focus);
  const complexity: Complexity =
    tasks.length >= 2 || steps >= 3 || words > 150
      ? "COMPLEX"
      : tasks.length === 1 || steps === 2 || words > 40 || (code && words > 12)
        ? "MODERATE"
        : "SIMPLE";
  const taskType = tasks.length > 0 && !asksForTests(focus) ? "code" : typeOfText(focus);
  return { focus, tasks, wantsTests, complexity, taskType, words };
}

const SEQUENTIAL_START = /^(?:then|finally|afterwards|after that|next|lastly|using|based on)\b/i;

/** The steps of a request: sentences and "..., then ..." clauses of 3+ words, in order. */
function clauses(focus: string): { text: string; afterPrevious: boolean }[] {
  const out: { text: string; afterPrevious: boolean }[] = [];
  for (const sentence of focus.split(/(?<=[.!?])\s+|\n+|;\s*/)) {
    sentence.split(/,?\s+(?:and\s+)?then\s+/i).forEach((part, i) => {
      const text = part.trim();
      if (text.split(/\s+/).length < 3) return;
      out.push({ text, afterPrevious: out.length > 0 && (i > 0 || SEQUENTIAL_START.test(text)) });
    });
  }
  return out;
}

/**
 * Subtasks for the request: per bank task one "code" subtask whose description is the task's
 * prompt (so a sim model given it answers that task), plus a "test" subtask ("Write tests for
 * `fn` ...", depending on the code) when the request asks for tests. Otherwise one subtask per
 * sentence or clause: a test or docs step depends on all steps before it, a step introduced by
 * "then", "finally", "next" ... on the one before it, the others on nothing.
 */
export function planSubtasks(
  facts: RequestFacts,
  limits: { min?: number; max?: number } = {},
): PlannedSubtask[] {
  const plan: PlannedSubtask[] = [];
  const nextId = () => String(plan.length + 1);
  if (facts.tasks.length > 0) {
    for (const task of facts.tasks) {
      const codeId = nextId();
      plan.push({ id: codeId, description: task.prompt, type: "code", dependencies: [] });
      if (facts.wantsTests) {
        plan.push({
          id: nextId(),
          description: `Write tests for \`${task.functionName}\` (${LANGUAGE_NAMES[task.language]}): assert-style checks of typical and edge cases.`,
          type: "test",
          dependencies: [codeId],
        });
      }
    }
  } else {
    const parts = clauses(facts.focus);
    const steps =
      parts.length > 0
        ? parts
        : [{ text: facts.focus.trim() || "Answer the request.", afterPrevious: false }];
    for (const { text, afterPrevious } of steps) {
      const type = typeOfText(text);
      const before = plan.map((p) => p.id);
      const previous = before.slice(-1);
      plan.push({
        id: nextId(),
        description: text,
        type,
        dependencies: type === "test" || type === "docs" ? before : afterPrevious ? previous : [],
      });
    }
  }
  const max = Math.max(1, limits.max ?? 8);
  const kept = plan.slice(0, max);
  const ids = new Set(kept.map((p) => p.id));
  for (const subtask of kept) subtask.dependencies = subtask.dependencies.filter((d) => ids.has(d));
  while (kept.length < (limits.min ?? 1)) {
    const previous = kept[kept.length - 1];
    kept.push({
      id: String(kept.length + 1),
      description: previous
        ? `Review the result of subtask ${previous.id} and fix any mistakes.`
        : "Answer the request.",
      type: previous ? "reasoning" : facts.taskType,
      dependencies: previous ? [previous.id] : [],
    });
  }
  return kept;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Schema = Record<string, unknown>;

function isObject(value: unknown): value is Schema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Follows local $refs and takes the first anyOf/oneOf branch, as the generator does. */
function resolve(schema: unknown, root: Schema, depth = 0): Schema | undefined {
  if (!isObject(schema) || depth > 8) return undefined;
  if (typeof schema.$ref === "string" && schema.$ref.startsWith("#")) {
    let current: unknown = root;
    for (const raw of schema.$ref.slice(1).split("/").filter(Boolean)) {
      const part = decodeURIComponent(raw).replaceAll("~1", "/").replaceAll("~0", "~");
      current = isObject(current) ? current[part] : undefined;
    }
    return resolve(current, root, depth + 1);
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) return resolve(options[0], root, depth + 1);
  }
  return schema;
}

function property(schema: Schema | undefined, key: string, root: Schema): Schema | undefined {
  return schema && isObject(schema.properties) ? resolve(schema.properties[key], root) : undefined;
}

/** Keys the orchestrator might use for the same idea; all get the same hinted value. */
const SUBTASK_LIST_KEYS = ["subtasks", "sub_tasks", "subTasks", "steps", "tasks", "plan"];
const DESCRIPTION_KEYS = ["description", "task", "prompt", "instruction", "instructions", "title", "goal"];
const TYPE_KEYS = ["type", "taskType", "task_type", "kind", "category"];
const DEPENDENCY_KEYS = ["dependencies", "depends_on", "dependsOn", "deps", "after"];
const REASON_KEYS = ["reasoning", "rationale", "explanation", "reason", "summary", "justification"];

const TYPE_SYNONYMS: Record<string, readonly string[]> = {
  code: ["code", "coding", "programming", "implementation", "implement"],
  test: ["test", "tests", "testing", "verification", "code"],
  docs: ["docs", "documentation", "doc", "writing", "general"],
  reasoning: ["reasoning", "analysis", "math", "general"],
  general: ["general", "other", "writing", "reasoning"],
};

/** A hinted type the schema's enum accepts (via synonyms), or the plain value without an enum. */
function typeFor(wanted: string, schema: Schema | undefined): string {
  const allowed = Array.isArray(schema?.enum) ? schema.enum.filter((v) => typeof v === "string") : undefined;
  if (!allowed || allowed.length === 0) return wanted;
  for (const candidate of TYPE_SYNONYMS[wanted] ?? [wanted]) {
    const hit = allowed.find((v) => v.toLowerCase() === candidate.toLowerCase());
    if (hit !== undefined) return hit;
  }
  return allowed[0] as string;
}

function complexityFor(wanted: Complexity, schema: Schema | undefined): Json {
  const allowed = Array.isArray(schema?.enum) ? schema.enum : undefined;
  if (schema?.type === "integer" || schema?.type === "number") {
    return { SIMPLE: 1, MODERATE: 2, COMPLEX: 3 }[wanted];
  }
  if (!allowed) return wanted;
  return (allowed.find((v) => typeof v === "string" && v.toUpperCase() === wanted) as Json) ?? wanted;
}

function reasonFor(facts: RequestFacts): string {
  if (facts.tasks.length > 0) {
    const names = facts.tasks.map((t) => `\`${t.functionName}\` (${LANGUAGE_NAMES[t.language]})`).join(", ");
    return `The request asks for ${names}${facts.wantsTests ? " with tests" : ""}; rated ${facts.complexity}.`;
  }
  return `A ${facts.taskType} request of ${facts.words} words; rated ${facts.complexity}.`;
}

function numberLike(schema: Schema | undefined): boolean {
  return schema?.type === "integer" || schema?.type === "number";
}

/** The schema asks for an analysis (complexity, task type) or a list of subtasks. */
function isPlanningSchema(root: Schema, schema: Schema): boolean {
  if (["complexity", "taskType", "task_type"].some((k) => property(root, k, schema) !== undefined))
    return true;
  return SUBTASK_LIST_KEYS.some((k) => {
    const list = property(root, k, schema);
    return list !== undefined && resolve(list.items, schema)?.properties !== undefined;
  });
}

/**
 * A hint for a structured answer to `prompt` under `schema`, for the orchestrator's analysis
 * and decomposition schemas (undefined for any other schema): known keys (complexity, task
 * type, reasons, subtasks and their fields, counts, flags) get values from the prompt; other
 * keys are left to the generator. Subtask ids are "1", "2", ... (numbers when the schema wants
 * numbers).
 */
export function structuredHint(schema: Schema, prompt: string): Json | undefined {
  const root = resolve(schema, schema) ?? schema;
  if (!isPlanningSchema(root, schema)) return undefined;
  const facts = requestFacts(prompt);
  const hint: { [key: string]: Json } = {};
  const rootType = TYPE_KEYS.map((k) => property(root, k, schema)).find((s) => s !== undefined);
  hint.complexity = complexityFor(facts.complexity, property(root, "complexity", schema));
  for (const key of TYPE_KEYS) hint[key] = typeFor(facts.taskType, property(root, key, schema) ?? rootType);
  for (const key of REASON_KEYS) hint[key] = reasonFor(facts);
  hint.language = facts.tasks[0]?.language ?? (facts.taskType === "code" ? "python" : "none");
  hint.confidence = facts.tasks.length > 0 ? 0.9 : 0.7;
  for (const key of ["requires_tests", "requiresTests", "needs_tests", "needsTests"])
    hint[key] = facts.wantsTests;
  const decompose = facts.complexity !== "SIMPLE";
  for (const key of ["needs_decomposition", "needsDecomposition", "requires_decomposition", "decompose"])
    hint[key] = decompose;

  const listKey = SUBTASK_LIST_KEYS.find((k) => property(root, k, schema) !== undefined) ?? "subtasks";
  const listSchema = property(root, listKey, schema);
  const itemSchema = resolve(listSchema?.items, schema);
  const limits = {
    min: typeof listSchema?.minItems === "number" ? listSchema.minItems : 1,
    max: typeof listSchema?.maxItems === "number" ? listSchema.maxItems : 8,
  };
  const plan = planSubtasks(facts, limits);
  const numericIds = numberLike(property(itemSchema, "id", schema));
  const idOf = (id: string): Json => (numericIds ? Number(id) : id);
  const itemType = TYPE_KEYS.map((k) => property(itemSchema, k, schema)).find((s) => s !== undefined);
  const items: Json[] = plan.map((subtask) => {
    const item: { [key: string]: Json } = { id: idOf(subtask.id), name: `subtask-${subtask.id}` };
    for (const key of DESCRIPTION_KEYS) item[key] = subtask.description;
    for (const key of TYPE_KEYS)
      item[key] = typeFor(subtask.type, property(itemSchema, key, schema) ?? itemType);
    for (const key of DEPENDENCY_KEYS) item[key] = subtask.dependencies.map(idOf);
    const task = facts.tasks.find((t) => subtask.description.includes(t.functionName));
    if (task) item.language = task.language;
    return item;
  });
  for (const key of SUBTASK_LIST_KEYS) hint[key] = items;
  for (const key of ["estimated_subtasks", "estimatedSubtasks", "subtask_count", "num_subtasks"])
    hint[key] = plan.length;
  return hint;
}
