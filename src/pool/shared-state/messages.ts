/**
 * What gateways say to each other through Redis, as JSON validated on the way in: anything that
 * does not parse (another version, another program on the same channel, a corrupt value) is
 * reported as invalid and never applied. Nodes are named by their canonical URL (node-identity.ts).
 */
import { z } from "zod";
import type { ResponseStats } from "../router/learned-stats.js";
import { learnedStatsSnapshotSchema } from "../router/learned-stats.js";

/** Counts and nanosecond durations as Ollama reports them; the learned-stats math checks ranges. */
const count = z.number().finite().nonnegative();
const statsSchema = z.object({
  prompt_eval_count: count.optional(),
  prompt_eval_duration: count.optional(),
  eval_count: count.optional(),
  eval_duration: count.optional(),
  load_duration: count.optional(),
});

const instanceId = z.string().min(1).max(200);
const nodeUrl = z.string().min(1).max(2_000);
const epochMs = z.number().int().nonnegative();
/** Longer reasons are cut when sent (a node's error text can be long); longer ones received are invalid. */
export const MAX_REASON_CHARS = 2_000;
const reason = z.string().max(MAX_REASON_CHARS);

/** One answer a gateway observed: fold it into the learned statistics with the same math. */
export const sampleMessageSchema = z.object({
  v: z.literal(1),
  type: z.literal("sample"),
  from: instanceId,
  url: nodeUrl,
  model: z.string().min(1).max(500),
  stats: statsSchema,
  /** The model's size, from which the node's hardware rates are learned (absent: not known). */
  sizeMb: z.number().positive().finite().optional(),
});

/** A gateway ejected the node until `openUntil` (ms since the epoch). */
export const ejectMessageSchema = z.object({
  v: z.literal(1),
  type: z.literal("eject"),
  from: instanceId,
  url: nodeUrl,
  openUntil: epochMs,
  reason,
});

/** A gateway readmitted the node: its probe succeeded. */
export const recoverMessageSchema = z.object({
  v: z.literal(1),
  type: z.literal("recover"),
  from: instanceId,
  url: nodeUrl,
});

export const sharedMessageSchema = z.discriminatedUnion("type", [
  sampleMessageSchema,
  ejectMessageSchema,
  recoverMessageSchema,
]);

export type SampleMessage = z.infer<typeof sampleMessageSchema>;
export type EjectMessage = z.infer<typeof ejectMessageSchema>;
export type RecoverMessage = z.infer<typeof recoverMessageSchema>;
export type SharedMessage = z.infer<typeof sharedMessageSchema>;

/** A value of the ejections hash (its field is the node URL). */
export const ejectionEntrySchema = z.object({
  v: z.literal(1),
  from: instanceId,
  openUntil: epochMs,
  reason,
});

export type EjectionEntry = z.infer<typeof ejectionEntrySchema>;

/** The stats key's value: learned statistics with nodes keyed by URL instead of by name. */
export const statsRecordSchema = z.object({
  v: z.literal(1),
  from: instanceId,
  savedAt: epochMs,
  stats: learnedStatsSnapshotSchema,
});

export type StatsRecord = z.infer<typeof statsRecordSchema>;

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

export function encodeMessage(message: SharedMessage): string {
  return JSON.stringify(message);
}

export function decodeMessage(raw: string): Decoded<SharedMessage> {
  return decode(raw, sharedMessageSchema);
}

export function encodeEjection(entry: EjectionEntry): string {
  return JSON.stringify(entry);
}

export function decodeEjection(raw: string): Decoded<EjectionEntry> {
  return decode(raw, ejectionEntrySchema);
}

export function encodeStatsRecord(record: StatsRecord): string {
  return JSON.stringify(record);
}

/**
 * Validated, but the value is the parsed JSON itself rather than zod's copy: zod rebuilds records
 * by assignment, which would turn a model named "__proto__" into a prototype (see LearnedStats.load).
 */
export function decodeStatsRecord(raw: string): Decoded<StatsRecord> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const result = statsRecordSchema.safeParse(parsed.value);
  if (!result.success) return { ok: false, error: describeIssues(result.error) };
  return { ok: true, value: parsed.value as StatsRecord };
}

/** Only the timing fields of a response (the exchange passes whole final objects). */
export function timingFieldsOf(stats: ResponseStats): ResponseStats {
  const out: ResponseStats = {};
  for (const key of TIMING_FIELDS) {
    const value = stats[key];
    if (typeof value === "number" && Number.isFinite(value) && value >= 0) out[key] = value;
  }
  return out;
}

const TIMING_FIELDS = [
  "prompt_eval_count",
  "prompt_eval_duration",
  "eval_count",
  "eval_duration",
  "load_duration",
] as const satisfies readonly (keyof ResponseStats)[];

function decode<T>(raw: string, schema: z.ZodType<T>): Decoded<T> {
  const parsed = parseJson(raw);
  if (!parsed.ok) return parsed;
  const result = schema.safeParse(parsed.value);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, error: describeIssues(result.error) };
}

function parseJson(raw: string): Decoded<unknown> {
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch (error) {
    return { ok: false, error: `not JSON: ${(error as Error).message}` };
  }
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(value)"}: ${issue.message}`)
    .join("; ");
}
