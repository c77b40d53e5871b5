/**
 * A faithful reproduction of the original Hydra's CodeSynthesizer, kept as the benchmark's
 * baseline (never as a strategy): group code blocks greedily by difflib similarity > 0.7,
 * pick the group with the largest Σ weight × confidence, and merge it by a vote per line
 * index: line i of the result is the most common line i among the group's blocks.
 *
 * Its failure mode, which the benchmark measures: two correct solutions that differ in
 * structure are similar enough to be grouped, and the per-index vote splices their lines
 * together into code that is neither (a variable from one, a loop from the other), often
 * not even valid. Pure.
 *
 * Code is taken with the same extraction as the other strategies, so that the comparison
 * measures the merge, not the extraction.
 */
import { extractCode } from "./extract.js";
import { sequenceRatio } from "./sequence-ratio.js";
import { type Candidate, type CodeLanguage, weightOf } from "./types.js";

export interface LineVoteOptions {
  language?: CodeLanguage;
  functionName?: string;
  /** The original's grouping threshold on difflib's ratio. */
  threshold?: number;
}

export interface LineVoteResult {
  /** The merged code; "" when no candidate had code. */
  code: string;
  /** Candidate ids in the chosen group, in order. */
  group: string[];
  /** All groups, in the order they were formed. */
  groups: string[][];
}

/** Line i of the result: the most common line i among the blocks that have one (first seen wins ties). */
export function mergeByLineVote(blocks: readonly string[]): string {
  const split = blocks.map((b) => b.split("\n"));
  const length = Math.max(0, ...split.map((lines) => lines.length));
  const merged: string[] = [];
  for (let i = 0; i < length; i++) {
    const counts = new Map<string, number>();
    for (const lines of split) {
      const line = lines[i];
      if (line !== undefined) counts.set(line, (counts.get(line) ?? 0) + 1);
    }
    let best: string | undefined;
    let bestCount = 0;
    // Map iterates in insertion order: like Python's Counter.most_common, the first seen wins a tie.
    for (const [line, n] of counts) {
      if (n > bestCount) {
        best = line;
        bestCount = n;
      }
    }
    if (best !== undefined) merged.push(best);
  }
  return merged.join("\n");
}

interface Block {
  id: string;
  code: string;
  weight: number;
}

export function lineVoteMerge(
  candidates: readonly Candidate[],
  options: LineVoteOptions = {},
): LineVoteResult {
  const threshold = options.threshold ?? 0.7;
  const blocks: Block[] = [];
  for (const candidate of candidates) {
    const extracted = extractCode(candidate.text, {
      ...(options.language === undefined ? {} : { language: options.language }),
      ...(options.functionName === undefined ? {} : { functionName: options.functionName }),
    });
    if (extracted !== undefined)
      blocks.push({ id: candidate.id, code: extracted.code, weight: weightOf(candidate) });
  }
  // Greedy grouping: each block joins the first group whose first block it resembles.
  const groups: Block[][] = [];
  for (const block of blocks) {
    const home = groups.find((g) => g[0] !== undefined && sequenceRatio(g[0].code, block.code) > threshold);
    if (home === undefined) groups.push([block]);
    else home.push(block);
  }
  // Confidence was 1 for every block before the merge in the original, so the weight decides.
  let best: Block[] | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const g of groups) {
    const score = g.reduce((s, b) => s + b.weight, 0);
    if (score > bestScore) {
      best = g;
      bestScore = score;
    }
  }
  return {
    code: best === undefined ? "" : mergeByLineVote(best.map((b) => b.code)),
    group: best?.map((b) => b.id) ?? [],
    groups: groups.map((g) => g.map((b) => b.id)),
  };
}
