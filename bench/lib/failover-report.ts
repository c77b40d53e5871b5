/**
 * Pure analysis of a failover run: each chat classified against its known complete
 * answer, counts by phase of the timeline, latency inside and outside the failure
 * window, and the targets checked.
 */
import type { ChatOutcome } from "./chat-stream.js";
import { inRotation, type Observation } from "./gateway-watch.js";
import { percentile } from "./load.js";
import { round } from "./processes.js";

/**
 * ok: complete and identical to the reference answer.
 * failed: the client was told (HTTP error, in-band error, broken connection, unparseable line).
 * truncated: looked successful (200, no error) but had no final object or a different text.
 */
export type Verdict =
  | { kind: "ok" }
  | { kind: "failed"; reason: string }
  | { kind: "truncated"; reason: "missing_done" | "text_mismatch" };

export function classify(outcome: ChatOutcome, reference: string | undefined): Verdict {
  if (outcome.exception !== null) return { kind: "failed", reason: "connection" };
  if (outcome.status !== 200) return { kind: "failed", reason: `http_${outcome.status}` };
  if (outcome.error !== null) return { kind: "failed", reason: "error_line" };
  if (outcome.malformed) return { kind: "failed", reason: "malformed_line" };
  if (!outcome.done) return { kind: "truncated", reason: "missing_done" };
  if (reference === undefined) throw new Error(`no reference answer for prompt ${outcome.n}`);
  if (outcome.text !== reference) return { kind: "truncated", reason: "text_mismatch" };
  return { kind: "ok" };
}

/** A chat with its verdict. */
export interface Judged extends ChatOutcome {
  verdict: Verdict;
}

/** Moments of the run, in ms since the load started. */
export interface Timeline {
  warmupEnd: number;
  kill: number | null;
  /** When the restarted node was listening again. */
  restartReady: number | null;
  ejected: number | null;
  readmitted: number | null;
  windowStart: number | null;
  windowEnd: number | null;
}

/** What the bench did to the victim, in ms since the load started (null: did not happen). */
export interface Interventions {
  kill: number | null;
  restartSpawned: number | null;
  restartReady: number | null;
}

/**
 * Reads the eject and readmit moments off the victim's recorded state changes.
 * Ejected: first change out of rotation after the kill (and before the restart).
 * Readmitted: first change back into rotation once the restarted node listens, and
 * only after an ejection: a node never taken out was never readmitted.
 */
export function deriveTimeline(
  done: Interventions,
  changes: readonly Observation[],
  options: { warmupMs: number; windowIfNeverReadmittedMs: number },
): Timeline & { upWhileDead: number } {
  const { kill, restartSpawned, restartReady } = done;
  const deadUntil = restartSpawned ?? Number.POSITIVE_INFINITY;
  const ejected =
    kill === null
      ? null
      : (changes.find((o) => o.atMs >= kill && o.atMs <= deadUntil && !inRotation(o))?.atMs ?? null);
  // Back in rotation while the process was still dead: a false readmission, reported on its own.
  const upWhileDead =
    ejected === null
      ? 0
      : changes.filter((o) => o.atMs > ejected && o.atMs < deadUntil && inRotation(o)).length;
  const readmitted =
    ejected === null || restartReady === null
      ? null
      : (changes.find((o) => o.atMs >= restartReady && inRotation(o))?.atMs ?? null);
  return {
    warmupEnd: options.warmupMs,
    kill,
    restartReady,
    ejected,
    readmitted,
    windowStart: kill,
    windowEnd: kill === null ? null : (readmitted ?? kill + options.windowIfNeverReadmittedMs),
    upWhileDead,
  };
}

export type Phase = "warmup" | "before_kill" | "window" | "after_window";

/**
 * The phase a chat belongs to. "window" is any chat in flight at some point of the
 * failure window, not only those started in it: a chat queued on the node when it died
 * suffers the failure even though it started before.
 */
export function phaseOf(chat: { startMs: number; endMs: number }, timeline: Timeline): Phase {
  if (chat.startMs < timeline.warmupEnd) return "warmup";
  const { windowStart, windowEnd } = timeline;
  if (windowStart === null || windowEnd === null) return "before_kill";
  if (chat.startMs < windowEnd && chat.endMs > windowStart) return "window";
  return chat.startMs < windowStart ? "before_kill" : "after_window";
}

export interface Counts {
  requests: number;
  ok: number;
  failed: number;
  truncated: number;
}

export function countVerdicts(chats: readonly Judged[]): Counts {
  const counts = { requests: chats.length, ok: 0, failed: 0, truncated: 0 };
  for (const chat of chats) counts[chat.verdict.kind]++;
  return counts;
}

/** How many chats had each failure or truncation reason. */
export function reasons(chats: readonly Judged[], kind: "failed" | "truncated"): Record<string, number> {
  const byReason: Record<string, number> = {};
  for (const chat of chats) {
    if (chat.verdict.kind === kind) byReason[chat.verdict.reason] = (byReason[chat.verdict.reason] ?? 0) + 1;
  }
  return byReason;
}

export function byPhase(chats: readonly Judged[], timeline: Timeline): Record<Phase, Counts> {
  const phases: Phase[] = ["warmup", "before_kill", "window", "after_window"];
  return Object.fromEntries(
    phases.map((phase) => [phase, countVerdicts(chats.filter((c) => phaseOf(c, timeline) === phase))]),
  ) as Record<Phase, Counts>;
}

export interface LatencySummary {
  count: number;
  p50_ms: number | null;
  p99_ms: number | null;
}

/** Percentiles of the durations of complete, correct chats. */
export function latency(chats: readonly Judged[]): LatencySummary {
  const durations = chats
    .filter((c) => c.verdict.kind === "ok")
    .map((c) => c.endMs - c.startMs)
    .sort((a, b) => a - b);
  if (durations.length === 0) return { count: 0, p50_ms: null, p99_ms: null };
  return {
    count: durations.length,
    p50_ms: round(percentile(durations, 50), 1),
    p99_ms: round(percentile(durations, 99), 1),
  };
}

/**
 * Chats the killed node was serving when it died (started before, ended after) that
 * still ended complete and correct, as if the gateway finished them elsewhere. Only a
 * cross-check: it also counts answers the node had finished but that were still in
 * buffers at the kill, and misses requests moved before their headers.
 */
export function survivedKill(chats: readonly Judged[], killedNode: string, killMs: number): number {
  return chats.filter(
    (c) => c.node === killedNode && c.startMs < killMs && c.endMs > killMs && c.verdict.kind === "ok",
  ).length;
}

export function servedBy(chats: readonly Judged[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const chat of chats) {
    const node = chat.node ?? "(none)";
    counts[node] = (counts[node] ?? 0) + 1;
  }
  return counts;
}

/** A target as written into the report: what was asked, what was measured, whether it holds. */
export interface TargetCheck {
  target: string;
  value: number | null;
  met: boolean;
}

export function atMost(value: number | null, limit: number, describe = `<= ${limit}`): TargetCheck {
  return { target: describe, value, met: value !== null && value <= limit };
}

/** Chats by the second they ended in, so the report shows when failures happened. */
export function perSecond(
  chats: readonly Judged[],
): { second: number; ok: number; failed: number; truncated: number }[] {
  const seconds = new Map<number, { second: number; ok: number; failed: number; truncated: number }>();
  for (const chat of chats) {
    const second = Math.floor(chat.endMs / 1000);
    const bucket = seconds.get(second) ?? { second, ok: 0, failed: 0, truncated: 0 };
    bucket[chat.verdict.kind]++;
    seconds.set(second, bucket);
  }
  return [...seconds.values()].sort((a, b) => a.second - b.second);
}
