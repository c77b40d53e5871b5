/**
 * Tallies what a child process logs (pino JSON lines) by level and message, so a
 * benchmark report can say what the gateway complained about without keeping every line.
 */
import type { ChildProcess } from "node:child_process";
import { isRecord } from "./chat-stream.js";

const PINO_LEVELS: Record<number, string> = {
  10: "trace",
  20: "debug",
  30: "info",
  40: "warn",
  50: "error",
  60: "fatal",
};

export interface LogTally {
  lines: number;
  /** "level: message" → how many times. */
  byMessage: Map<string, number>;
}

/** Starts counting the child's stdout and stderr lines from now on. */
export function tallyLog(child: ChildProcess): LogTally {
  const tally: LogTally = { lines: 0, byMessage: new Map() };
  let pending = "";
  const onData = (chunk: Buffer) => {
    const lines = (pending + chunk.toString()).split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "") count(tally, line);
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  return tally;
}

function count(tally: LogTally, line: string): void {
  tally.lines++;
  const key = describe(line);
  tally.byMessage.set(key, (tally.byMessage.get(key) ?? 0) + 1);
}

function describe(line: string): string {
  try {
    const parsed: unknown = JSON.parse(line);
    if (isRecord(parsed) && typeof parsed.msg === "string") {
      const level = typeof parsed.level === "number" ? (PINO_LEVELS[parsed.level] ?? parsed.level) : "?";
      // Errors carry the detail that tells one failure from another; keep it short.
      const detail =
        isRecord(parsed.err) && typeof parsed.err.message === "string" ? ` (${parsed.err.message})` : "";
      return `${level}: ${parsed.msg}${detail}`.slice(0, 240);
    }
  } catch {
    // Not JSON: count the raw line.
  }
  return line.slice(0, 240);
}

/** The most frequent messages, most frequent first. */
export function topMessages(tally: LogTally, limit: number): { message: string; count: number }[] {
  return [...tally.byMessage.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([message, count]) => ({ message, count }));
}
