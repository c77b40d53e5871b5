/**
 * The run log in PostgreSQL (pg): shared by every gateway using the same database and schema, so
 * a run started on one can be read (and, after that gateway is gone, resumed) on another. Tables
 * are created by the project's migration runner (component "workflow", under the schema's advisory
 * lock). A single step change is one UPDATE, atomic on its own; changes with a cache entry or
 * several steps run in one explicit transaction. Acknowledged writes are committed (with the
 * server's synchronous_commit, on by default).
 */
import { createHash } from "node:crypto";
import type { Pool, PoolClient, QueryConfig, QueryResultRow } from "pg";
import { type Migration, quoteIdentifier } from "../../memory/postgres/migrations.js";
import { openMigratedPool } from "../../memory/postgres/pool.js";
import { inTransaction } from "../../memory/postgres/transaction.js";
import { WorkflowRunExistsError, WorkflowStoreError } from "../errors.js";
import {
  asChanges,
  type CachedOutput,
  type CacheEntry,
  DEFAULT_LIST_LIMIT,
  type NewRun,
  type RunChange,
  type RunQuery,
  type RunStore,
  type StepChange,
} from "../run-log.js";
import type { JsonValue, RunRecord, RunSummary } from "../types.js";
import {
  errorText,
  RUN_COLUMNS,
  type RunRow,
  type RunRowWithSpec,
  STEP_COLUMNS,
  type StepRow,
  stepValues,
  toRunRecord,
  toSummary,
} from "./rows.js";

/** The workflow engine's tables; `json` (not jsonb) keeps outputs byte for byte and accepts \u0000. */
export const WORKFLOW_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "workflow runs, steps and step cache",
    sql: `CREATE TABLE workflow_runs (
            id text PRIMARY KEY,
            name text NOT NULL,
            state text NOT NULL,
            spec json NOT NULL,
            input json NOT NULL,
            error json,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL,
            finished_at bigint
          );
          CREATE INDEX workflow_runs_created ON workflow_runs (created_at);
          CREATE INDEX workflow_runs_state ON workflow_runs (state, created_at);
          CREATE TABLE workflow_steps (
            run_id text NOT NULL REFERENCES workflow_runs (id) ON DELETE CASCADE,
            step_id text NOT NULL,
            position integer NOT NULL,
            state text NOT NULL,
            attempt integer NOT NULL,
            output json,
            error json,
            cached boolean NOT NULL,
            started_at bigint,
            finished_at bigint,
            PRIMARY KEY (run_id, step_id)
          );
          CREATE TABLE workflow_cache (
            handler text NOT NULL,
            key text NOT NULL,
            output json NOT NULL,
            run_id text NOT NULL,
            step_id text NOT NULL,
            created_at bigint NOT NULL,
            PRIMARY KEY (handler, key)
          );`,
  },
];

export interface PostgresRunStoreOptions {
  url: string;
  schema: string;
  maxConnections: number;
  /** Errors of idle connections (a restarted server); the pool reconnects by itself. */
  onError?: (error: Error) => void;
}

// Columns read back as text, so both SQL stores share one row mapping (rows.ts).
const RUN_SELECT = RUN_COLUMNS.replace("error", "error::text AS error");
const STEP_SELECT = STEP_COLUMNS.replace("output", "output::text AS output").replace(
  "error",
  "error::text AS error",
);

export async function openPostgresRunStore(options: PostgresRunStoreOptions): Promise<PostgresRunStore> {
  const pool = await openMigratedPool({
    url: options.url,
    maxConnections: options.maxConnections,
    applicationName: "hydra-workflow",
    schema: options.schema,
    component: "workflow",
    migrations: WORKFLOW_MIGRATIONS,
    setting: "workflow.postgres.url",
    hint: "or remove workflow.postgres.url to use SQLite",
    onError: options.onError,
  });
  return new PostgresRunStore(pool, options.schema);
}

export class PostgresRunStore implements RunStore {
  readonly backend = "postgres" as const;
  readonly schema: string;
  readonly #pool: Pool;
  readonly #runs: string;
  readonly #steps: string;
  readonly #cache: string;
  /**
   * Prepared statements are named per connection and must differ per schema (two stores in one
   * process); a hash keeps the name under PostgreSQL's 63 characters whatever the schema's length.
   */
  readonly #prefix: string;

  constructor(pool: Pool, schema: string) {
    this.#pool = pool;
    this.schema = schema;
    const quoted = quoteIdentifier(schema);
    this.#runs = `${quoted}.workflow_runs`;
    this.#steps = `${quoted}.workflow_steps`;
    this.#cache = `${quoted}.workflow_cache`;
    this.#prefix = `hydra_wf_${createHash("sha256").update(schema).digest("hex").slice(0, 12)}`;
  }

  async createRun(run: NewRun): Promise<void> {
    try {
      await this.#transaction(async (client) => {
        await client.query(
          `INSERT INTO ${this.#runs} (id, name, state, spec, input, created_at, updated_at)
           VALUES ($1, $2, 'running', $3::json, $4::json, $5, $5)`,
          [run.id, run.spec.name, JSON.stringify(run.spec), JSON.stringify(run.input), run.createdAt],
        );
        await client.query(
          `INSERT INTO ${this.#steps} (run_id, step_id, position, state, attempt, cached)
           SELECT $1, s.id, s.position - 1, 'pending', 0, false
           FROM unnest($2::text[]) WITH ORDINALITY AS s (id, position)`,
          [run.id, run.spec.steps.map((step) => step.id)],
        );
      });
    } catch (error) {
      if ((error as { code?: string }).code === "23505") throw new WorkflowRunExistsError(run.id);
      throw new WorkflowStoreError(this.backend, `store run ${run.id}`, error);
    }
  }

  async loadRun(runId: string): Promise<RunRecord | undefined> {
    return this.#guard(`read run ${runId}`, async () => {
      const runs = await this.#pool.query<RunRowWithSpec & QueryResultRow>({
        name: `${this.#prefix}_run`,
        text: `SELECT ${RUN_SELECT}, spec::text AS spec, input::text AS input FROM ${this.#runs} WHERE id = $1`,
        values: [runId],
      });
      const row = runs.rows[0];
      if (row === undefined) return undefined;
      const steps = await this.#pool.query<StepRow & QueryResultRow>({
        name: `${this.#prefix}_steps`,
        text: `SELECT ${STEP_SELECT} FROM ${this.#steps} WHERE run_id = $1 ORDER BY position`,
        values: [runId],
      });
      return toRunRecord(row, steps.rows);
    });
  }

  async listRuns(query: RunQuery = {}): Promise<RunSummary[]> {
    return this.#guard("list runs", async () => {
      const result = await this.#pool.query<RunRow & QueryResultRow>({
        name: `${this.#prefix}_list`,
        text: `SELECT ${RUN_SELECT} FROM ${this.#runs}
               WHERE ($1::text IS NULL OR state = $1) AND created_at < $2
               ORDER BY created_at DESC, id DESC LIMIT $3`,
        values: [
          query.state ?? null,
          query.before ?? Number.MAX_SAFE_INTEGER,
          query.limit ?? DEFAULT_LIST_LIMIT,
        ],
      });
      return result.rows.map(toSummary);
    });
  }

  async recordStepState(
    runId: string,
    changes: StepChange | readonly StepChange[],
    cache?: CacheEntry,
  ): Promise<number> {
    const list = asChanges(changes);
    return this.#guard(`record the steps of run ${runId}`, async () => {
      if (list.length === 1 && cache === undefined) {
        return this.#updateStep(this.#pool, runId, list[0] as StepChange);
      }
      return this.#transaction(async (client) => {
        let changed = 0;
        for (const change of list) changed += await this.#updateStep(client, runId, change);
        if (cache !== undefined) {
          await client.query({
            name: `${this.#prefix}_put_cache`,
            text: `INSERT INTO ${this.#cache} (handler, key, output, run_id, step_id, created_at)
                   VALUES ($1, $2, $3::json, $4, $5, $6)
                   ON CONFLICT (handler, key) DO UPDATE SET output = excluded.output, run_id = excluded.run_id,
                     step_id = excluded.step_id, created_at = excluded.created_at`,
            values: [cache.handler, cache.key, cache.outputJson, runId, cache.stepId, Date.now()],
          });
        }
        return changed;
      });
    });
  }

  async recordRunState(
    runId: string,
    change: RunChange,
    steps: readonly StepChange[] = [],
  ): Promise<boolean> {
    return this.#guard(`record the state of run ${runId}`, () =>
      this.#transaction(async (client) => {
        const result = await client.query({
          name: `${this.#prefix}_update_run`,
          text: `UPDATE ${this.#runs} SET state = $1, error = $2::json, updated_at = $3, finished_at = $4
                 WHERE id = $5 AND state = 'running'`,
          values: [
            change.state,
            errorText(change.error),
            change.at,
            change.state === "running" ? null : change.at,
            runId,
          ],
        });
        if (result.rowCount === 0) return false;
        for (const step of steps) await this.#updateStep(client, runId, step);
        return true;
      }),
    );
  }

  async getCached(handler: string, key: string): Promise<CachedOutput | undefined> {
    return this.#guard("read the step cache", async () => {
      const result = await this.#pool.query<{
        output: string;
        run_id: string;
        step_id: string;
        created_at: string;
      }>({
        name: `${this.#prefix}_get_cache`,
        text: `SELECT output::text AS output, run_id, step_id, created_at FROM ${this.#cache} WHERE handler = $1 AND key = $2`,
        values: [handler, key],
      });
      const row = result.rows[0];
      if (row === undefined) return undefined;
      return {
        output: JSON.parse(row.output) as JsonValue,
        runId: row.run_id,
        stepId: row.step_id,
        createdAt: Number(row.created_at),
      };
    });
  }

  async deleteRun(runId: string): Promise<boolean> {
    return this.#guard(`delete run ${runId}`, async () => {
      // The steps go with it (ON DELETE CASCADE).
      const result = await this.#pool.query(`DELETE FROM ${this.#runs} WHERE id = $1`, [runId]);
      return (result.rowCount ?? 0) > 0;
    });
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #updateStep(client: Pool | PoolClient, runId: string, change: StepChange): Promise<number> {
    const query: QueryConfig = {
      name: `${this.#prefix}_update_step`,
      text: `UPDATE ${this.#steps} SET state = $1, attempt = $2, output = $3::json, error = $4::json, cached = $5,
               started_at = $6, finished_at = $7
             WHERE run_id = $8 AND step_id = $9 AND state <> 'succeeded'`,
      values: [...stepValues(change), runId, change.stepId],
    };
    const result = await client.query(query);
    return result.rowCount ?? 0;
  }

  #transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.#pool, work);
  }

  async #guard<T>(action: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof WorkflowStoreError) throw error;
      throw new WorkflowStoreError(this.backend, action, error);
    }
  }
}
