/**
 * Step 2, decomposition: subtasks with ids, descriptions, types and dependencies, asked of the
 * heavy model with a JSON schema, then made into a valid DAG whatever the model said: unknown
 * and self dependencies dropped, cycles broken, duplicates renamed, the plan cut to the limit; a
 * plan with nothing usable becomes one subtask (the whole request). Every repair is reported.
 */
import { z } from "zod";
import { SUBTASK_TYPES, type SubtaskType } from "./config.js";

export interface Subtask {
  id: string;
  description: string;
  type: SubtaskType;
  dependencies: string[];
}

export interface Plan {
  subtasks: Subtask[];
  /** What had to be fixed in the model's plan (empty when it was valid as given). */
  repairs: string[];
  source: "model" | "fallback";
}

export const DECOMPOSITION_SCHEMA = {
  type: "object",
  properties: {
    subtasks: {
      type: "array",
      items: {
        type: "object",
        properties: {
          id: { type: "string" },
          description: { type: "string" },
          type: { type: "string", enum: [...SUBTASK_TYPES] },
          dependencies: { type: "array", items: { type: "string" } },
        },
        required: ["id", "description", "type", "dependencies"],
      },
    },
  },
  required: ["subtasks"],
} as const;

const rawPlanSchema = z.object({
  subtasks: z.array(
    z.object({
      id: z.union([z.string(), z.number()]).transform(String),
      description: z.string(),
      type: z.string(),
      dependencies: z.array(z.union([z.string(), z.number()]).transform(String)).default([]),
    }),
  ),
});

/**
 * What the planner is asked; `examples` (past solutions to similar requests, already formatted)
 * come before the request, as a guide rather than a task.
 */
export function decompositionMessages(
  prompt: string,
  maxSubtasks: number,
  examples?: string,
): { role: "system" | "user"; content: string }[] {
  const guide =
    examples === undefined || examples === ""
      ? []
      : [
          {
            role: "system" as const,
            content: `Similar requests were solved before; use them as a guide, not as the task:\n\n${examples}`,
          },
        ];
  return [
    {
      role: "system",
      content:
        `Split the user's request into at most ${maxSubtasks} subtasks that can be done by separate experts. ` +
        "Give each an id (s1, s2, ...), a self-contained description, a type (code, reasoning, general, test, docs) " +
        "and the ids of the subtasks whose results it needs (dependencies). Independent subtasks run in parallel. " +
        "Answer with JSON only.",
    },
    ...guide,
    { role: "user", content: prompt },
  ];
}

/** One subtask: the whole request. */
export function fallbackPlan(prompt: string, type: SubtaskType, reason: string): Plan {
  return {
    subtasks: [{ id: "s1", description: prompt, type, dependencies: [] }],
    repairs: [reason],
    source: "fallback",
  };
}

/** The model's answer as a valid plan, or the one-subtask fallback when nothing usable is in it. */
export function planFromAnswer(
  text: string,
  prompt: string,
  defaultType: SubtaskType,
  maxSubtasks: number,
): Plan {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fallbackPlan(prompt, defaultType, "the plan was not JSON: one subtask instead");
  }
  const parsed = rawPlanSchema.safeParse(value);
  if (!parsed.success)
    return fallbackPlan(prompt, defaultType, "the plan did not match its schema: one subtask instead");
  const repaired = repairPlan(parsed.data.subtasks, defaultType, maxSubtasks);
  if (repaired.subtasks.length === 0) {
    return fallbackPlan(prompt, defaultType, "the plan had no usable subtask: one subtask instead");
  }
  return { ...repaired, source: "model" };
}

/** Makes any list of subtasks a valid DAG (pure; see the module comment for the rules). */
export function repairPlan(
  raw: readonly { id: string; description: string; type: string; dependencies: readonly string[] }[],
  defaultType: SubtaskType,
  maxSubtasks: number,
): { subtasks: Subtask[]; repairs: string[] } {
  const repairs: string[] = [];
  const usable = raw.filter((subtask) => subtask.description.trim() !== "");
  if (usable.length < raw.length)
    repairs.push(`dropped ${raw.length - usable.length} subtask(s) without a description`);
  let kept = usable;
  if (kept.length > maxSubtasks) {
    repairs.push(`cut the plan from ${kept.length} to ${maxSubtasks} subtasks`);
    kept = kept.slice(0, maxSubtasks);
  }
  const seen = new Set<string>();
  const subtasks: Subtask[] = kept.map((subtask) => {
    let id = subtask.id.trim() || "s";
    if (seen.has(id)) {
      let n = 2;
      while (seen.has(`${id}-${n}`)) n++;
      repairs.push(`renamed a second subtask "${id}" to "${id}-${n}"`);
      id = `${id}-${n}`;
    }
    seen.add(id);
    const type = (SUBTASK_TYPES as readonly string[]).includes(subtask.type)
      ? (subtask.type as SubtaskType)
      : defaultType;
    if (type !== subtask.type)
      repairs.push(`subtask "${id}": unknown type "${subtask.type}", used ${defaultType}`);
    return { id, description: subtask.description.trim(), type, dependencies: [...subtask.dependencies] };
  });
  const ids = new Set(subtasks.map((subtask) => subtask.id));
  for (const subtask of subtasks) {
    const valid = [...new Set(subtask.dependencies)].filter((dep) => {
      if (dep === subtask.id) {
        repairs.push(`subtask "${subtask.id}" depended on itself`);
        return false;
      }
      if (!ids.has(dep)) {
        repairs.push(`subtask "${subtask.id}" depended on unknown "${dep}"`);
        return false;
      }
      return true;
    });
    subtask.dependencies = valid;
  }
  breakCycles(subtasks, repairs);
  return { subtasks, repairs };
}

/** Removes the dependencies that close a cycle (depth-first, in plan order), so the rest is a DAG. */
function breakCycles(subtasks: Subtask[], repairs: string[]): void {
  const byId = new Map(subtasks.map((subtask) => [subtask.id, subtask]));
  const state = new Map<string, "visiting" | "done">();
  const visit = (subtask: Subtask): void => {
    state.set(subtask.id, "visiting");
    subtask.dependencies = subtask.dependencies.filter((dep) => {
      const status = state.get(dep);
      if (status === "visiting") {
        repairs.push(`broke a cycle: subtask "${subtask.id}" no longer waits for "${dep}"`);
        return false;
      }
      const next = byId.get(dep);
      if (status === undefined && next !== undefined) visit(next);
      return true;
    });
    state.set(subtask.id, "done");
  };
  for (const subtask of subtasks) if (!state.has(subtask.id)) visit(subtask);
}
