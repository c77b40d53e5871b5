/**
 * The durable run log behind one interface: runs, their steps' states and outputs, and the step
 * cache. Implementations: SQLite (embedded default, `<dataDir>/workflows.db`), PostgreSQL (shared),
 * and in memory (tests, throw-away runs). The engine writes every change as it happens and reads
 * a run back to resume it.
 *
 * The promises every implementation keeps:
 * - each call is one transaction: all of its changes are stored, or none;
 * - a step's `succeeded` state and its output are one change, so a crash never leaves a finished
 *   step without its output;
 * - a step row that reached `succeeded` is never changed again (later writes to it are ignored and
 *   not counted), so even two engines driving one run by mistake cannot overwrite a committed output;
 * - a run that reached a final state stays in it.
 */
import type {
  ErrorInfo,
  JsonValue,
  RunRecord,
  RunState,
  RunSummary,
  StepState,
  WorkflowSpec,
} from "./types.js";

export type RunStoreBackend = "sqlite" | "postgres" | "memory";

export interface NewRun {
  id: string;
  spec: WorkflowSpec;
  input: JsonValue;
  createdAt: number;
}

/** A step's whole new state (the row is replaced, not patched). */
export interface StepChange {
  stepId: string;
  state: StepState;
  attempt: number;
  /** The output as JSON text; only with `succeeded`. */
  outputJson?: string;
  error?: ErrorInfo;
  cached?: boolean;
  startedAt?: number;
  finishedAt?: number;
}

export interface RunChange {
  state: RunState;
  error?: ErrorInfo;
  at: number;
}

/** A step cache entry, written in the same transaction as the step's `succeeded` state. */
export interface CacheEntry {
  handler: string;
  key: string;
  outputJson: string;
  /** The step that produced it (in the run being recorded). */
  stepId: string;
}

export interface CachedOutput {
  output: JsonValue;
  /** The run and step that produced it. */
  runId: string;
  stepId: string;
  createdAt: number;
}

export interface RunQuery {
  state?: RunState;
  /** Default 100. */
  limit?: number;
  /** Only runs created before this time (ms since the epoch): the next page of a newest-first list. */
  before?: number;
}

export interface RunStore {
  readonly backend: RunStoreBackend;
  /** Stores the run (state `running`) with every step `pending`; WorkflowRunExistsError if the id is taken. */
  createRun(run: NewRun): Promise<void>;
  loadRun(runId: string): Promise<RunRecord | undefined>;
  /** Newest first. */
  listRuns(query?: RunQuery): Promise<RunSummary[]>;
  /**
   * Replaces the steps' states, and stores `cache` with them, in one transaction. Resolves to the
   * number of steps changed: a step already `succeeded` (or unknown) is left as it is.
   */
  recordStepState(
    runId: string,
    changes: StepChange | readonly StepChange[],
    cache?: CacheEntry,
  ): Promise<number>;
  /**
   * Sets the run's state, with the final states of its remaining steps, in one transaction.
   * Resolves to false (and changes nothing) when the run was already final or does not exist.
   */
  recordRunState(runId: string, change: RunChange, steps?: readonly StepChange[]): Promise<boolean>;
  getCached(handler: string, key: string): Promise<CachedOutput | undefined>;
  /** Removes a run and its steps (cache entries stay). */
  deleteRun(runId: string): Promise<boolean>;
  close(): Promise<void>;
}

export const DEFAULT_LIST_LIMIT = 100;

export function asChanges(changes: StepChange | readonly StepChange[]): readonly StepChange[] {
  return Array.isArray(changes) ? (changes as readonly StepChange[]) : [changes as StepChange];
}
