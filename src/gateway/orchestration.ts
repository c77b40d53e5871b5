/**
 * The orchestrator inside the gateway, opened on first use: its workflow engine with the run
 * log (SQLite under the data dir, or PostgreSQL), model calls through the pool, and the
 * evidence-based synthesis. Opening it also resumes the orchestrations a previous process left
 * unfinished (`workflow.resumeOnStart`). With semantic memory, every result is remembered as a
 * solution (examples for later plans, and the opt-in semantic cache).
 */

import { join } from "node:path";
import type { FastifyBaseLogger } from "fastify";
import type { HydraConfig } from "../config/schema.js";
import type { SemanticMemory } from "../memory/vector/semantic-memory.js";
import { createEvidenceSynthesizer } from "../orchestrator/evidence-synthesizer.js";
import { poolModelCaller } from "../orchestrator/model-client.js";
import { Orchestrator } from "../orchestrator/orchestrator.js";
import { fileReliabilityStore } from "../orchestrator/synthesis/reliability-store.js";
import type { NodePool } from "../pool/pool.js";
import { modelKey } from "../protocol/ollama/model-name.js";
import { OrchestrationTracer } from "../telemetry/orchestration-spans.js";
import type { Tracing } from "../telemetry/tracing.js";
import { openWorkflowEngine } from "../workflow/open.js";
import { type Lazy, lazy } from "./memory.js";

export function lazyOrchestrator(
  config: HydraConfig,
  pool: NodePool,
  log: FastifyBaseLogger,
  /** Semantic memory for solution memory and the semantic cache (`lazySemanticMemory`'s getter). */
  memory?: () => Promise<SemanticMemory | undefined>,
  /** Told of the orchestrator once it is open, before it resumes old runs (metrics attach here). */
  onOpen?: (orchestrator: Orchestrator) => void,
  /** The gateway's tracer: runs and their steps become spans (absent: tracing is off). */
  tracing?: Tracing,
): Lazy<Orchestrator> {
  return lazy(
    async () => {
      const engine = await openWorkflowEngine(config.workflow, {
        dataDir: config.dataDir,
        log: log.child({ component: "workflow" }),
      });
      // Each model's track record in verified syntheses, kept across restarts: verify weighs
      // candidates by it (bench:orchestrate measures what that adds).
      const reliability = fileReliabilityStore(join(config.dataDir, "synthesis-reliability.json"));
      if (reliability.loadProblem !== undefined) log.warn(reliability.loadProblem);
      const orchestrator = new Orchestrator({
        engine,
        call: poolModelCaller(pool),
        config: config.orchestrator,
        availableModels: async () => {
          await pool.whenReady();
          return new Set(pool.installedModels().map((model) => modelKey(model.name)));
        },
        synthesize: createEvidenceSynthesizer({ reliability }),
        ...(memory === undefined ? {} : { memory }),
        log: log.child({ component: "orchestrator" }),
        ...(tracing === undefined ? {} : { tracing: new OrchestrationTracer(tracing, engine) }),
      });
      onOpen?.(orchestrator);
      if (config.workflow.resumeOnStart) {
        const { resumed, failed } = await engine.resumeAll();
        if (resumed.length > 0) log.info({ runs: resumed }, "resumed unfinished orchestrations");
        for (const { runId, error } of failed) log.warn({ runId, err: error }, "could not resume a run");
      }
      return orchestrator;
    },
    (orchestrator) => orchestrator.engine.close(),
  );
}
