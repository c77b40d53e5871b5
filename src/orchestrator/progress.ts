/**
 * One line of human progress per orchestration event: what `hydra ask` prints on stderr and
 * what the model "hydra" streams as thinking.
 */
export interface Progress {
  type: string;
  analysis?: { complexity: string; taskType: string; source: string };
  plan?: { subtasks: { id: string; description: string; dependencies: string[] }[] };
  models?: Record<string, string[]>;
  stepId?: string;
  durationMs?: number;
  attempt?: number;
  error?: { message: string } | string;
  output?: { strategy?: string; chosen?: { model: string; node: string } | null; reason?: string };
  answer?: string;
  solutions?: { id: string; score: number }[];
  cachedRunId?: string;
  similarity?: number;
  confidence?: number;
}

/** One line of progress for an event (empty for those not worth a line). */
export function describeProgress(event: string, progress: Progress): string {
  switch (event) {
    case "analysis":
      return `analysis: ${progress.analysis?.complexity} ${progress.analysis?.taskType} (${progress.analysis?.source})\n`;
    case "memory":
      return `memory: ${progress.solutions?.length ?? 0} similar past solution(s) as guidance\n`;
    case "cache":
      return `cache: reusing run ${progress.cachedRunId} (similarity ${(progress.similarity ?? 0).toFixed(3)})\n`;
    case "plan": {
      const subtasks = progress.plan?.subtasks ?? [];
      const lines = subtasks.map((subtask) => {
        const after = subtask.dependencies.length > 0 ? ` after ${subtask.dependencies.join(", ")}` : "";
        const models = progress.models?.[subtask.id]?.join(", ") ?? "";
        return `  ${subtask.id}: ${subtask.description.slice(0, 70)}${after} [${models}]\n`;
      });
      return `plan: ${subtasks.length} subtask(s)\n${lines.join("")}`;
    }
    case "step.started":
      return `${progress.stepId}: started${(progress.attempt ?? 1) > 1 ? ` (attempt ${progress.attempt})` : ""}\n`;
    case "step.succeeded": {
      const output = progress.output;
      const chosen = output?.chosen ? ` chose ${output.chosen.model} on ${output.chosen.node}` : "";
      return `${progress.stepId}: done in ${Math.round(progress.durationMs ?? 0)} ms, ${output?.strategy ?? ""}${chosen}\n`;
    }
    case "step.retrying":
    case "step.failed":
      return `${progress.stepId}: ${event === "step.failed" ? "FAILED" : "retrying"}: ${typeof progress.error === "string" ? progress.error : progress.error?.message}\n`;
    case "final":
      return `confidence ${Math.round((progress.confidence ?? 0) * 100)} %\n\n`;
    default:
      return "";
  }
}
