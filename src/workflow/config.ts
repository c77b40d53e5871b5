/**
 * The `workflow:` section of the configuration. Every key has a default, so an empty config gives
 * the embedded engine: steps run in this process, the run log is SQLite under the data dir.
 * With `workflow.postgres.url` the run log is in PostgreSQL instead (shared by gateways).
 */
import { z } from "zod";
import { postgresSchemaNameSchema, postgresUrlSchema } from "../config/postgres.js";

const wholeMs = (what: string) =>
  z
    .number({ error: `must be a number of milliseconds (${what})` })
    .int({ error: "must be a whole number of milliseconds" })
    .nonnegative({ error: `must be >= 0 milliseconds (${what})` });

export const workflowRetryConfigSchema = z.strictObject({
  /** Tries per step, the first included, unless the step sets its own `retry`. */
  maxAttempts: z.number().int().min(1).max(100).default(3),
  /** Back-off before try n+1: full jitter up to min(maxDelayMs, baseDelayMs·2^(n-1)). */
  baseDelayMs: wholeMs("0 = retry at once").default(500),
  maxDelayMs: wholeMs("the longest back-off").default(30_000),
});

export const workflowPostgresConfigSchema = z.strictObject({
  /** `postgres://user[:password]@host:port/database`; absent: the run log is SQLite. */
  url: postgresUrlSchema.optional(),
  /** Schema holding the workflow tables (it may be the memory's); created and migrated at start. */
  schema: postgresSchemaNameSchema,
  maxConnections: z.number().int().positive().default(4),
});

export const workflowConfigSchema = z.strictObject({
  /** Steps executing at once in this process, across all runs. */
  concurrency: z.number().int().min(1).max(10_000).default(8),
  /** Longest one attempt of a step may take, unless the step sets `timeoutMs`; 0 = no limit. */
  timeoutMs: wholeMs("0 = no limit").default(600_000),
  retry: workflowRetryConfigSchema.default(workflowRetryConfigSchema.parse({})),
  /** The SQLite run log; default `<dataDir>/workflows.db`. Unused with `postgres.url`. */
  file: z.string().min(1).optional(),
  postgres: workflowPostgresConfigSchema.default(workflowPostgresConfigSchema.parse({})),
  /** Resume the runs left unfinished (by a crash or a restart) when the gateway starts. */
  resumeOnStart: z.boolean().default(true),
});

export type WorkflowConfig = z.infer<typeof workflowConfigSchema>;
export type WorkflowConfigInput = z.input<typeof workflowConfigSchema>;
