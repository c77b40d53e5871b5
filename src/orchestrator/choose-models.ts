/**
 * Step 3, model choice: per subtask, the configured models for its type (else `general`) that the
 * cluster has, up to the fan-out. The router then places each call on a node.
 */
import { BadRequestError } from "../errors.js";
import { modelKey } from "../protocol/ollama/model-name.js";
import type { OrchestratorConfig, SubtaskType } from "./config.js";

/**
 * `requested` (the request's own `models`) wins over config; models no node has are left out.
 * Throws a 400 naming what to do when none is left.
 */
export function chooseModels(
  type: SubtaskType,
  config: Pick<OrchestratorConfig, "models" | "fanOut">,
  available: ReadonlySet<string>,
  requested?: readonly string[],
): string[] {
  const wanted = requested ?? config.models[type] ?? config.models.general ?? [];
  const present = [...new Set(wanted.map(modelKey))].filter((model) => available.has(model));
  if (present.length === 0) {
    const list = wanted.length > 0 ? wanted.join(", ") : "(none configured)";
    throw new BadRequestError(
      `no node has any model for ${type} subtasks (${list}); pull one with /api/pull, or set orchestrator.models.${type} ` +
        `to models the cluster has: ${[...available].join(", ") || "none"}`,
    );
  }
  return present.slice(0, config.fanOut);
}
