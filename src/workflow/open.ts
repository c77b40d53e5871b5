/**
 * Builds the run log and the engine from the `workflow:` configuration: SQLite at
 * `<dataDir>/workflows.db` unless `workflow.postgres.url` is set. Drivers are imported only for
 * the store in use, so the embedded setup never loads pg.
 */
import { join } from "node:path";
import type { BaseLogger } from "pino";
import type { WorkflowConfig } from "./config.js";
import { WorkflowEngine } from "./engine.js";
import type { StepExecutor } from "./executor.js";
import type { RunStore } from "./run-log.js";

export interface OpenWorkflowOptions {
  /** `config.dataDir`: the SQLite file defaults to `<dataDir>/workflows.db`. */
  dataDir: string;
  log?: Pick<BaseLogger, "warn" | "error">;
}

/** The configured run log, schema ready; ConfigError naming the setting when it cannot be opened. */
export async function openRunStore(config: WorkflowConfig, options: OpenWorkflowOptions): Promise<RunStore> {
  if (config.postgres.url !== undefined) {
    const { openPostgresRunStore } = await import("./run-log/postgres.js");
    return openPostgresRunStore({
      url: config.postgres.url,
      schema: config.postgres.schema,
      maxConnections: config.postgres.maxConnections,
      onError: (error) =>
        options.log?.warn({ err: error }, `workflow run log (PostgreSQL): ${error.message}`),
    });
  }
  const { openSqliteRunStore } = await import("./run-log/sqlite.js");
  return openSqliteRunStore({ file: config.file ?? join(options.dataDir, "workflows.db") });
}

/**
 * An engine over the configured run log, which it owns (close() closes it). Register handlers,
 * then call `resumeAll()` when `config.resumeOnStart` (the gateway does both at start).
 */
export async function openWorkflowEngine(
  config: WorkflowConfig,
  options: OpenWorkflowOptions & { executor?: StepExecutor },
): Promise<WorkflowEngine> {
  const store = await openRunStore(config, options);
  return new WorkflowEngine({
    store,
    ownsStore: true,
    concurrency: config.concurrency,
    defaults: { retry: config.retry, timeoutMs: config.timeoutMs },
    ...(options.executor === undefined ? {} : { executor: options.executor }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
}
