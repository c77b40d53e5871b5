/**
 * The row shapes the SQL run logs share (SQLite and PostgreSQL use the same columns) and their
 * mapping to records. JSON is stored as text; PostgreSQL's bigint times arrive as strings.
 */
import type { StepChange } from "../run-log.js";
import type {
  ErrorInfo,
  JsonValue,
  RunRecord,
  RunState,
  RunSummary,
  StepRecord,
  StepState,
  WorkflowSpec,
} from "../types.js";

export interface RunRow {
  id: string;
  name: string;
  state: string;
  error: string | null;
  created_at: number | string;
  updated_at: number | string;
  finished_at: number | string | null;
}

export interface RunRowWithSpec extends RunRow {
  spec: string;
  input: string;
}

export interface StepRow {
  step_id: string;
  state: string;
  attempt: number;
  output: string | null;
  error: string | null;
  cached: number | boolean;
  started_at: number | string | null;
  finished_at: number | string | null;
}

export const RUN_COLUMNS = "id, name, state, error, created_at, updated_at, finished_at";
export const STEP_COLUMNS = "step_id, state, attempt, output, error, cached, started_at, finished_at";

export function errorText(error: ErrorInfo | undefined): string | null {
  return error === undefined ? null : JSON.stringify(error);
}

function optionalNumber(value: number | string | null): number | undefined {
  return value === null ? undefined : Number(value);
}

export function toSummary(row: RunRow): RunSummary {
  const summary: RunSummary = {
    id: row.id,
    name: row.name,
    state: row.state as RunState,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
  if (row.error !== null) summary.error = JSON.parse(row.error) as ErrorInfo;
  const finishedAt = optionalNumber(row.finished_at);
  if (finishedAt !== undefined) summary.finishedAt = finishedAt;
  return summary;
}

export function toStepRecord(row: StepRow): StepRecord {
  const step: StepRecord = {
    stepId: row.step_id,
    state: row.state as StepState,
    attempt: Number(row.attempt),
    cached: row.cached === true || row.cached === 1,
  };
  if (row.output !== null) step.output = JSON.parse(row.output) as JsonValue;
  if (row.error !== null) step.error = JSON.parse(row.error) as ErrorInfo;
  const startedAt = optionalNumber(row.started_at);
  if (startedAt !== undefined) step.startedAt = startedAt;
  const finishedAt = optionalNumber(row.finished_at);
  if (finishedAt !== undefined) step.finishedAt = finishedAt;
  return step;
}

export function toRunRecord(row: RunRowWithSpec, steps: readonly StepRow[]): RunRecord {
  return {
    ...toSummary(row),
    spec: JSON.parse(row.spec) as WorkflowSpec,
    input: JSON.parse(row.input) as JsonValue,
    steps: steps.map(toStepRecord),
  };
}

/** A change's columns in the order the UPDATE statements take them. */
export function stepValues(
  change: StepChange,
): [string, number, string | null, string | null, boolean, number | null, number | null] {
  return [
    change.state,
    change.attempt,
    change.state === "succeeded" ? (change.outputJson ?? "null") : null,
    errorText(change.error),
    change.cached === true,
    change.startedAt ?? null,
    change.finishedAt ?? null,
  ];
}
