/**
 * The orchestrator's and workflow engine's events as `orchestration` events on the gateway's
 * stream: one small line each (what happened, to which run and step), never the step outputs,
 * which can be large; a client reads `GET /v1/hydra/runs/:id` for those.
 */
import type { OrchestratorEvent } from "../../orchestrator/orchestrator.js";
import type { HydraEventMap } from "./types.js";

export function orchestrationEvent(event: OrchestratorEvent): HydraEventMap["orchestration"] {
  const { runId } = event;
  switch (event.type) {
    case "analysis":
      return {
        runId,
        kind: "analysis",
        summary: `analysed: ${event.analysis.complexity} ${event.analysis.taskType}`,
      };
    case "plan":
      return { runId, kind: "plan", summary: `planned ${event.plan.subtasks.length} subtask(s)` };
    case "memory":
      return { runId, kind: "memory", summary: `${event.solutions.length} past solution(s) as examples` };
    case "cache":
      return {
        runId,
        kind: "cache",
        summary: `answered from run ${event.cachedRunId} (similarity ${event.similarity.toFixed(3)})`,
      };
    case "final":
      return { runId, kind: "final", summary: `answer ready (confidence ${event.confidence.toFixed(2)})` };
    case "workflow":
      return workflowSummary(event.event);
  }
}

function workflowSummary(event: Extract<OrchestratorEvent, { type: "workflow" }>["event"]) {
  const base = { runId: event.runId, kind: event.type };
  switch (event.type) {
    case "run.started":
      return { ...base, summary: `run ${event.resumed ? "resumed" : "started"} with ${event.steps} step(s)` };
    case "run.succeeded":
      return { ...base, summary: `run succeeded in ${event.durationMs} ms` };
    case "run.failed":
      return { ...base, summary: `run failed: ${event.error.message}` };
    case "run.cancelled":
      return { ...base, summary: "run cancelled" };
    case "step.started":
      return {
        ...base,
        stepId: event.stepId,
        summary: `step ${event.stepId} started (attempt ${event.attempt})`,
      };
    case "step.progress":
      return { ...base, stepId: event.stepId, summary: `step ${event.stepId} progressed` };
    case "step.retrying":
      return {
        ...base,
        stepId: event.stepId,
        summary: `step ${event.stepId} failed (${event.error.message}); retry in ${event.delayMs} ms`,
      };
    case "step.succeeded":
      return {
        ...base,
        stepId: event.stepId,
        summary: `step ${event.stepId} succeeded in ${event.durationMs} ms`,
      };
    case "step.cached":
      return { ...base, stepId: event.stepId, summary: `step ${event.stepId} answered from the step cache` };
    case "step.failed":
      return {
        ...base,
        stepId: event.stepId,
        summary: `step ${event.stepId} failed: ${event.error.message}`,
      };
    case "step.skipped":
      return { ...base, stepId: event.stepId, summary: `step ${event.stepId} skipped: ${event.reason}` };
    case "step.cancelled":
      return { ...base, stepId: event.stepId, summary: `step ${event.stepId} cancelled` };
  }
}
