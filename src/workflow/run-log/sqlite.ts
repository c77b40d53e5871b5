/**
 * The run log in SQLite (better-sqlite3): the embedded default, one file under the data dir
 * (`<dataDir>/workflows.db`), WAL journal. Every change is one transaction; a single step change
 * is one UPDATE statement (its own transaction), a change with a cache entry or several steps is
 * an explicit transaction.
 *
 * Durability: `synchronous = NORMAL` in WAL mode: a committed transaction is in the WAL file
 * before the call returns, so it survives the process being killed (SIGKILL included; tested). A
 * power loss or OS crash may lose the last commits (never corrupt the file): a step then runs
 * again, as if the process had died before it finished. `synchronous = FULL` would fsync each
 * commit, several times slower per step.
 */
import type BetterSqlite3 from "better-sqlite3";
import { ConfigError } from "../../errors.js";
import { openSqliteFile } from "../../memory/sqlite-file.js";
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

/** Schema versions in order; PRAGMA user_version records how many ran. Never edit one that shipped. */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE workflow_runs (
     id TEXT PRIMARY KEY NOT NULL,
     name TEXT NOT NULL,
     state TEXT NOT NULL,
     spec TEXT NOT NULL,
     input TEXT NOT NULL,
     error TEXT,
     created_at INTEGER NOT NULL,
     updated_at INTEGER NOT NULL,
     finished_at INTEGER
   );
   CREATE INDEX workflow_runs_created ON workflow_runs (created_at);
   CREATE INDEX workflow_runs_state ON workflow_runs (state, created_at);
   CREATE TABLE workflow_steps (
     run_id TEXT NOT NULL,
     step_id TEXT NOT NULL,
     position INTEGER NOT NULL,
     state TEXT NOT NULL,
     attempt INTEGER NOT NULL,
     output TEXT,
     error TEXT,
     cached INTEGER NOT NULL,
     started_at INTEGER,
     finished_at INTEGER,
     PRIMARY KEY (run_id, step_id)
   ) WITHOUT ROWID;
   CREATE TABLE workflow_cache (
     handler TEXT NOT NULL,
     key TEXT NOT NULL,
     output TEXT NOT NULL,
     run_id TEXT NOT NULL,
     step_id TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     PRIMARY KEY (handler, key)
   ) WITHOUT ROWID;`,
];

export interface SqliteRunStoreOptions {
  /** The database file (created with its directory when missing). */
  file: string;
}

export async function openSqliteRunStore(options: SqliteRunStoreOptions): Promise<SqliteRunStore> {
  const db = await openSqliteFile(options.file, { key: "workflow.file", fallback: "<dataDir>/workflows.db" });
  try {
    return new SqliteRunStore(db, options.file);
  } catch (error) {
    db.close();
    throw error;
  }
}

type StepUpdateArgs = [
  string,
  number,
  string | null,
  string | null,
  number,
  number | null,
  number | null,
  string,
  string,
];

export class SqliteRunStore implements RunStore {
  readonly backend = "sqlite" as const;
  readonly file: string;
  readonly #db: BetterSqlite3.Database;
  readonly #statements;
  readonly #createRun: (run: NewRun) => void;
  readonly #updateSteps: (runId: string, changes: readonly StepChange[], cache?: CacheEntry) => number;
  readonly #finishRun: (runId: string, change: RunChange, steps: readonly StepChange[]) => boolean;

  constructor(db: BetterSqlite3.Database, file: string) {
    this.#db = db;
    this.file = file;
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    // A process resuming runs while another still holds the write lock waits instead of failing.
    db.pragma("busy_timeout = 5000");
    migrate(db, file);
    this.#statements = {
      insertRun: db.prepare<[string, string, string, string, number, number]>(
        `INSERT INTO workflow_runs (id, name, state, spec, input, created_at, updated_at)
         VALUES (?, ?, 'running', ?, ?, ?, ?)`,
      ),
      insertStep: db.prepare<[string, string, number]>(
        `INSERT INTO workflow_steps (run_id, step_id, position, state, attempt, cached)
         VALUES (?, ?, ?, 'pending', 0, 0)`,
      ),
      run: db.prepare<[string], RunRowWithSpec>(
        `SELECT ${RUN_COLUMNS}, spec, input FROM workflow_runs WHERE id = ?`,
      ),
      steps: db.prepare<[string], StepRow>(
        `SELECT ${STEP_COLUMNS} FROM workflow_steps WHERE run_id = ? ORDER BY position`,
      ),
      list: db.prepare<[string | null, string | null, number, number], RunRow>(
        `SELECT ${RUN_COLUMNS} FROM workflow_runs
         WHERE (? IS NULL OR state = ?) AND created_at < ?
         ORDER BY created_at DESC, id DESC LIMIT ?`,
      ),
      updateStep: db.prepare<StepUpdateArgs>(
        `UPDATE workflow_steps SET state = ?, attempt = ?, output = ?, error = ?, cached = ?, started_at = ?, finished_at = ?
         WHERE run_id = ? AND step_id = ? AND state <> 'succeeded'`,
      ),
      updateRun: db.prepare<[string, string | null, number, number | null, string]>(
        `UPDATE workflow_runs SET state = ?, error = ?, updated_at = ?, finished_at = ?
         WHERE id = ? AND state = 'running'`,
      ),
      putCache: db.prepare<[string, string, string, string, string, number]>(
        `INSERT INTO workflow_cache (handler, key, output, run_id, step_id, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (handler, key) DO UPDATE SET output = excluded.output, run_id = excluded.run_id,
           step_id = excluded.step_id, created_at = excluded.created_at`,
      ),
      getCache: db.prepare<
        [string, string],
        { output: string; run_id: string; step_id: string; created_at: number }
      >("SELECT output, run_id, step_id, created_at FROM workflow_cache WHERE handler = ? AND key = ?"),
      deleteSteps: db.prepare<[string]>("DELETE FROM workflow_steps WHERE run_id = ?"),
      deleteRun: db.prepare<[string]>("DELETE FROM workflow_runs WHERE id = ?"),
    };
    this.#createRun = db.transaction((run: NewRun) => {
      const now = run.createdAt;
      this.#statements.insertRun.run(
        run.id,
        run.spec.name,
        JSON.stringify(run.spec),
        JSON.stringify(run.input),
        now,
        now,
      );
      for (const [position, step] of run.spec.steps.entries()) {
        this.#statements.insertStep.run(run.id, step.id, position);
      }
    });
    this.#updateSteps = db.transaction(
      (runId: string, changes: readonly StepChange[], cache?: CacheEntry) => {
        let changed = 0;
        for (const change of changes) changed += this.#updateStep(runId, change);
        if (cache !== undefined) this.#putCache(runId, cache);
        return changed;
      },
    );
    this.#finishRun = db.transaction((runId: string, change: RunChange, steps: readonly StepChange[]) => {
      const finishedAt = change.state === "running" ? null : change.at;
      const result = this.#statements.updateRun.run(
        change.state,
        errorText(change.error),
        change.at,
        finishedAt,
        runId,
      );
      if (result.changes === 0) return false;
      for (const step of steps) this.#updateStep(runId, step);
      return true;
    });
  }

  async createRun(run: NewRun): Promise<void> {
    try {
      this.#createRun(run);
    } catch (error) {
      if ((error as { code?: string }).code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
        throw new WorkflowRunExistsError(run.id);
      }
      throw new WorkflowStoreError(this.backend, `store run ${run.id}`, error);
    }
  }

  async loadRun(runId: string): Promise<RunRecord | undefined> {
    return this.#guard(`read run ${runId}`, () => {
      const row = this.#statements.run.get(runId);
      return row === undefined ? undefined : toRunRecord(row, this.#statements.steps.all(runId));
    });
  }

  async listRuns(query: RunQuery = {}): Promise<RunSummary[]> {
    return this.#guard("list runs", () =>
      this.#statements.list
        .all(
          query.state ?? null,
          query.state ?? null,
          query.before ?? Number.MAX_SAFE_INTEGER,
          query.limit ?? DEFAULT_LIST_LIMIT,
        )
        .map(toSummary),
    );
  }

  async recordStepState(
    runId: string,
    changes: StepChange | readonly StepChange[],
    cache?: CacheEntry,
  ): Promise<number> {
    const list = asChanges(changes);
    return this.#guard(`record the steps of run ${runId}`, () =>
      list.length === 1 && cache === undefined
        ? this.#updateStep(runId, list[0] as StepChange)
        : this.#updateSteps(runId, list, cache),
    );
  }

  async recordRunState(
    runId: string,
    change: RunChange,
    steps: readonly StepChange[] = [],
  ): Promise<boolean> {
    return this.#guard(`record the state of run ${runId}`, () => this.#finishRun(runId, change, steps));
  }

  async getCached(handler: string, key: string): Promise<CachedOutput | undefined> {
    return this.#guard("read the step cache", () => {
      const row = this.#statements.getCache.get(handler, key);
      if (row === undefined) return undefined;
      return {
        output: JSON.parse(row.output) as JsonValue,
        runId: row.run_id,
        stepId: row.step_id,
        createdAt: row.created_at,
      };
    });
  }

  async deleteRun(runId: string): Promise<boolean> {
    return this.#guard(`delete run ${runId}`, () =>
      this.#db.transaction(() => {
        this.#statements.deleteSteps.run(runId);
        return this.#statements.deleteRun.run(runId).changes > 0;
      })(),
    );
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  #updateStep(runId: string, change: StepChange): number {
    const [state, attempt, output, error, cached, startedAt, finishedAt] = stepValues(change);
    return this.#statements.updateStep.run(
      state,
      attempt,
      output,
      error,
      cached ? 1 : 0, // SQLite binds no booleans
      startedAt,
      finishedAt,
      runId,
      change.stepId,
    ).changes;
  }

  #putCache(runId: string, cache: CacheEntry): void {
    this.#statements.putCache.run(
      cache.handler,
      cache.key,
      cache.outputJson,
      runId,
      cache.stepId,
      Date.now(),
    );
  }

  #guard<T>(action: string, work: () => T): T {
    try {
      return work();
    } catch (error) {
      throw new WorkflowStoreError(this.backend, action, error);
    }
  }
}

function migrate(db: BetterSqlite3.Database, file: string): void {
  // IMMEDIATE: two processes opening a new file at once do not both create the tables.
  db.transaction(() => {
    const version = Number(db.pragma("user_version", { simple: true }));
    if (version > MIGRATIONS.length) {
      throw new ConfigError(
        `workflow.file ${file} has schema version ${version}, newer than this Hydra knows (${MIGRATIONS.length}); upgrade Hydra or use another file`,
      );
    }
    for (const sql of MIGRATIONS.slice(version)) db.exec(sql);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
