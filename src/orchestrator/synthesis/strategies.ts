/**
 * One entry point for synthesis: `synthesize(strategy, candidates, options)` picks the answer
 * among a subtask's candidates and says why. `vote` is pure; `verify` runs code in the
 * sandbox. When `verify` finds nothing it can use (no code, nothing parses), it falls back to
 * a vote so that a subtask with candidates always gets an answer, and says so.
 */
import type { Candidate } from "./types.js";
import { type VerifyOptions, type VerifyReport, verify } from "./verify.js";
import { type Chosen, type VoteOptions, type VoteReport, vote } from "./vote.js";

export const SYNTHESIS_STRATEGIES = ["vote", "verify"] as const;
export type SynthesisStrategy = (typeof SYNTHESIS_STRATEGIES)[number];

export function isSynthesisStrategy(value: unknown): value is SynthesisStrategy {
  return typeof value === "string" && (SYNTHESIS_STRATEGIES as readonly string[]).includes(value);
}

export type SynthesisOptions = VoteOptions & VerifyOptions;

export interface SynthesisResult {
  strategy: SynthesisStrategy;
  /** Undefined only when there were no candidates. */
  chosen: Chosen | undefined;
  /** The chosen candidate's answer ("" when none). */
  answer: string;
  /** One sentence a person can check. */
  reason: string;
  /** 0..1, from the strategy's evidence. */
  confidence: number;
  /** The strategy's full report (clusters, or tests, matrix and groups). */
  report: VoteReport | VerifyReport;
  /** The vote `verify` fell back to, when it did. */
  fallback?: VoteReport;
}

export async function synthesize(
  strategy: SynthesisStrategy,
  candidates: readonly Candidate[],
  options: SynthesisOptions = {},
): Promise<SynthesisResult> {
  switch (strategy) {
    case "vote": {
      const report = vote(candidates, options);
      return {
        strategy,
        chosen: report.chosen,
        answer: report.chosen?.text ?? "",
        reason: report.reason,
        confidence: report.confidence,
        report,
      };
    }
    case "verify": {
      const report = await verify(candidates, options);
      if (report.chosen !== undefined || candidates.length === 0) {
        return {
          strategy,
          chosen: report.chosen,
          answer: report.chosen?.text ?? "",
          reason: report.chosen === undefined ? "no candidates to verify" : report.reason,
          confidence: report.confidence,
          report,
        };
      }
      const fallback = vote(candidates, options);
      return {
        strategy,
        chosen: fallback.chosen,
        answer: fallback.chosen?.text ?? "",
        reason: `verify could not use any candidate (${report.reason}); fell back to a vote: ${fallback.reason}`,
        confidence: 0,
        report,
        fallback,
      };
    }
    default: {
      const unknown: never = strategy;
      throw new Error(`unknown synthesis strategy ${JSON.stringify(unknown)}`);
    }
  }
}
