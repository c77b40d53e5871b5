/**
 * What Hydra learns, over time, about how often each model's answers survive verification:
 * per model (and per model and task type) a Beta posterior over "this model's candidate ended
 * up in the verified group". It is learned only from what a running system sees — the outcome
 * of each synthesis (the group chosen on the request's given tests, or on the agreement of the
 * models' own tests) — never from a configured skill. `verify` uses it as each candidate's
 * weight: a prior that breaks ties between groups and between equivalent-looking clusters of
 * code, and that weighs the tests a model writes by how often that model has been right.
 *
 * Why it helps: when the tests cannot tell two behaviours apart (a bug no model tested for), or
 * when two groups pass tests of equal weight, the only evidence left is who wrote each answer.
 * Without a learned prior that falls to candidate order, which is arbitrary (and in the
 * benchmark happens to put the weakest model first).
 *
 * The book is plain data (JSON-serializable); every function here is pure. Persistence lives in
 * reliability-store.ts.
 */

export interface ReliabilityCounts {
  /** Syntheses in which the model's candidate was in the verified group. */
  verified: number;
  /** Syntheses in which it was outside it (another behaviour won, or its code did not run). */
  rejected: number;
}

export interface ReliabilityBook {
  version: 1;
  /** By model ("qwen2.5-coder:7b") and by model and task type ("qwen2.5-coder:7b\u0000code"). */
  entries: Record<string, ReliabilityCounts>;
}

/** One candidate's fate in one synthesis. */
export interface ReliabilityOutcome {
  model: string;
  verified: boolean;
}

/** Beta(1, 1): no opinion until a model has a record. */
export const RELIABILITY_PRIOR = Object.freeze({ verified: 1, rejected: 1 });

/**
 * How many observations the model-wide estimate is worth as the prior of a task type's own
 * estimate: a model new to a task type starts from its overall record and moves towards its
 * record on that type as outcomes come in.
 */
export const TASK_TYPE_SHRINKAGE = 4;

export function emptyReliabilityBook(): ReliabilityBook {
  return { version: 1, entries: {} };
}

const SEPARATOR = "\u0000";

function keyOf(model: string, taskType?: string): string {
  return taskType === undefined ? model : `${model}${SEPARATOR}${taskType}`;
}

function countsOf(book: ReliabilityBook, key: string): ReliabilityCounts {
  return book.entries[key] ?? { verified: 0, rejected: 0 };
}

/**
 * The posterior mean of the model's reliability, 0..1 (0.5 for a model never seen). With a task
 * type, the type's own counts shrunk towards the model-wide mean.
 */
export function reliabilityOf(book: ReliabilityBook, model: string, taskType?: string): number {
  const all = countsOf(book, keyOf(model));
  const overall =
    (all.verified + RELIABILITY_PRIOR.verified) /
    (all.verified + all.rejected + RELIABILITY_PRIOR.verified + RELIABILITY_PRIOR.rejected);
  if (taskType === undefined) return overall;
  const typed = countsOf(book, keyOf(model, taskType));
  return (
    (typed.verified + TASK_TYPE_SHRINKAGE * overall) / (typed.verified + typed.rejected + TASK_TYPE_SHRINKAGE)
  );
}

/** How many outcomes the book holds for the model (all task types). */
export function observationsOf(book: ReliabilityBook, model: string): number {
  const all = countsOf(book, keyOf(model));
  return all.verified + all.rejected;
}

/**
 * The book after one synthesis: each model's candidates counted once per synthesis (a model
 * that answered twice counts as verified if any of its candidates was). Returns a new book.
 */
export function recordOutcomes(
  book: ReliabilityBook,
  outcomes: readonly ReliabilityOutcome[],
  taskType?: string,
): ReliabilityBook {
  const byModel = new Map<string, boolean>();
  for (const o of outcomes) byModel.set(o.model, (byModel.get(o.model) ?? false) || o.verified);
  const entries = { ...book.entries };
  const bump = (key: string, verified: boolean) => {
    const c = entries[key] ?? { verified: 0, rejected: 0 };
    entries[key] = verified ? { ...c, verified: c.verified + 1 } : { ...c, rejected: c.rejected + 1 };
  };
  for (const [model, verified] of byModel) {
    bump(keyOf(model), verified);
    if (taskType !== undefined) bump(keyOf(model, taskType), verified);
  }
  return { version: 1, entries };
}

/** A book read from storage, or undefined when it is not one (wrong shape, negative counts). */
export function parseReliabilityBook(value: unknown): ReliabilityBook | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { version, entries } = value as { version?: unknown; entries?: unknown };
  if (version !== 1 || typeof entries !== "object" || entries === null) return undefined;
  const out: Record<string, ReliabilityCounts> = {};
  for (const [key, raw] of Object.entries(entries)) {
    const { verified, rejected } = (raw ?? {}) as { verified?: unknown; rejected?: unknown };
    if (!isCount(verified) || !isCount(rejected)) return undefined;
    out[key] = { verified, rejected };
  }
  return { version: 1, entries: out };
}

function isCount(n: unknown): n is number {
  return typeof n === "number" && Number.isFinite(n) && n >= 0;
}
