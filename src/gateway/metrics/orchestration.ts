/**
 * Orchestrations (POST /v1/hydra/generate and friends): runs by outcome and duration, their
 * steps by final state, and runs in progress. Fed by the orchestrator's events once it is open;
 * a gateway that never orchestrates has these metrics at zero and never opens the orchestrator.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { Orchestrator, OrchestratorEvent } from "../../orchestrator/orchestrator.js";
import type { WorkflowEvent } from "../../workflow/events.js";

/** Seconds: a cached answer, a one-step run, up to a long multi-step one. */
const RUN_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
const RUN_OUTCOMES = ["succeeded", "failed", "cancelled", "cached"] as const;
const STEP_STATES = ["succeeded", "cached", "failed", "skipped", "cancelled"] as const;

export class OrchestrationMetrics {
  readonly #runs: Counter<"outcome">;
  readonly #runDuration: Histogram<"outcome">;
  readonly #started: Counter<"resumed">;
  readonly #steps: Counter<"state">;
  readonly #stepDuration: Histogram<"state">;
  readonly #retries: Counter;
  /** Runs started and not yet finished, by id: a set, so a finish without a start cannot go below 0. */
  readonly #running = new Set<string>();
  readonly #watched = new WeakSet<Orchestrator>();

  constructor(registers: Registry[]) {
    this.#runs = new Counter({
      name: "hydra_orchestration_runs_total",
      help: "Orchestration runs finished, by outcome: succeeded, failed, cancelled, or cached (answered from the semantic cache without running)",
      labelNames: ["outcome"],
      registers,
    });
    this.#runDuration = new Histogram({
      name: "hydra_orchestration_run_duration_seconds",
      help: "Time an orchestration run took from start to its final state, by outcome (succeeded, failed, cancelled)",
      labelNames: ["outcome"],
      buckets: RUN_BUCKETS,
      registers,
    });
    this.#started = new Counter({
      name: "hydra_orchestration_runs_started_total",
      help: "Orchestration runs started (resumed: true when taken up again after a restart)",
      labelNames: ["resumed"],
      registers,
    });
    const running = this.#running;
    new Gauge({
      name: "hydra_orchestration_runs_in_progress",
      help: "Orchestration runs started and not finished yet",
      registers,
      collect() {
        this.set(running.size);
      },
    });
    this.#steps = new Counter({
      name: "hydra_orchestration_steps_total",
      help: "Orchestration steps (subtasks) that reached a final state: succeeded, cached (from the step cache), failed (retries spent), skipped (a dependency failed) or cancelled",
      labelNames: ["state"],
      registers,
    });
    this.#stepDuration = new Histogram({
      name: "hydra_orchestration_step_duration_seconds",
      help: "Time of a step's last attempt, by final state (succeeded, cached, failed)",
      labelNames: ["state"],
      buckets: RUN_BUCKETS,
      registers,
    });
    this.#retries = new Counter({
      name: "hydra_orchestration_step_retries_total",
      help: "Step attempts that failed and were tried again",
      registers,
    });
    // Every series from the start: a dashboard shows 0, not "no data", before the first run.
    for (const outcome of RUN_OUTCOMES) this.#runs.inc({ outcome }, 0);
    for (const state of STEP_STATES) this.#steps.inc({ state }, 0);
  }

  /** Listens to an orchestrator's events (once per orchestrator, however often it is called). */
  watch(orchestrator: Orchestrator): void {
    if (this.#watched.has(orchestrator)) return;
    this.#watched.add(orchestrator);
    orchestrator.on("event", (event: OrchestratorEvent) => {
      if (event.type === "workflow") this.#workflow(event.event);
      else if (event.type === "cache") this.#runs.inc({ outcome: "cached" });
    });
  }

  #workflow(event: WorkflowEvent): void {
    switch (event.type) {
      case "run.started":
        this.#running.add(event.runId);
        this.#started.inc({ resumed: String(event.resumed) });
        return;
      case "run.succeeded":
      case "run.failed":
      case "run.cancelled": {
        const outcome = event.type.slice("run.".length);
        this.#running.delete(event.runId);
        this.#runs.inc({ outcome });
        this.#runDuration.observe({ outcome }, event.durationMs / 1000);
        return;
      }
      case "step.succeeded":
      case "step.cached":
      case "step.failed": {
        const state = event.type.slice("step.".length);
        this.#steps.inc({ state });
        this.#stepDuration.observe({ state }, event.durationMs / 1000);
        return;
      }
      case "step.skipped":
      case "step.cancelled":
        this.#steps.inc({ state: event.type.slice("step.".length) });
        return;
      case "step.retrying":
        this.#retries.inc();
        return;
      default:
        return;
    }
  }
}
