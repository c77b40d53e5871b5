/**
 * The `vote` strategy: cluster the candidates whose answers are equivalent, take the cluster
 * with the most weight, and answer with its most typical member. Equivalent means: the same
 * code up to layout, comments and local names (for code), the same stated final answer or the
 * same text up to case and punctuation (for prose), or the same key given by the caller (e.g.
 * identical test outcomes). Pure.
 */
import { dominantLanguage, extractCode, findFencedBlocks } from "./extract.js";
import { canonicalCode, canonicalText, finalAnswer, tokenSimilarity } from "./normalize.js";
import { type Candidate, type CodeLanguage, weightOf } from "./types.js";

export interface VoteOptions {
  /** "code" compares extracted code; "text" compares prose. Default: see `voteKind`. */
  kind?: "code" | "text";
  language?: CodeLanguage;
  functionName?: string;
  /** Equivalence keys by candidate id, replacing the computed ones (e.g. behaviour signatures). */
  keys?: ReadonlyMap<string, string>;
}

export interface VoteCluster {
  /** The canonical form the members share (shortened for reports). */
  key: string;
  members: string[];
  weight: number;
  /** The member whose answer is closest to the others'. */
  representative: string;
}

export interface Chosen {
  candidateId: string;
  model: string;
  node?: string;
  /** The chosen candidate's whole answer. */
  text: string;
  /** Its extracted code, for code tasks (what tests ran against). */
  code?: string;
  language?: CodeLanguage;
}

export interface VoteReport {
  strategy: "vote";
  chosen: Chosen | undefined;
  reason: string;
  /** Weight of the winning cluster over all weight, 0..1. */
  confidence: number;
  clusters: VoteCluster[];
}

interface Keyed {
  candidate: Candidate;
  index: number;
  key: string;
  /** What centrality compares: the code, or the text. */
  body: string;
  code?: string;
  language?: CodeLanguage;
}

/**
 * What to compare when the caller does not say: code when a language is given, or when most
 * answers hold a fenced block in the answers' dominant language; prose otherwise.
 */
export function voteKind(
  candidates: readonly Candidate[],
  options: VoteOptions,
): { kind: "code" | "text"; language?: CodeLanguage } {
  if (options.kind !== undefined || options.language !== undefined) {
    const kind = options.kind ?? "code";
    return options.language === undefined ? { kind } : { kind, language: options.language };
  }
  const language = dominantLanguage(candidates.map((c) => c.text));
  if (language === undefined) return { kind: "text" };
  const withCode = candidates.filter((c) =>
    findFencedBlocks(c.text).some((b) => b.language === language),
  ).length;
  return withCode * 2 > candidates.length ? { kind: "code", language } : { kind: "text" };
}

function keyOf(candidate: Candidate, options: VoteOptions): Omit<Keyed, "candidate" | "index"> {
  const given = options.keys?.get(candidate.id);
  const kind = options.kind ?? "text";
  if (kind === "code") {
    const extracted = extractCode(candidate.text, {
      ...(options.language === undefined ? {} : { language: options.language }),
      ...(options.functionName === undefined ? {} : { functionName: options.functionName }),
    });
    if (extracted !== undefined) {
      const canonical = canonicalCode(extracted.code, extracted.language, {
        keepNames: options.functionName === undefined ? [] : [options.functionName],
      });
      return {
        key: given ?? `code:${canonical}`,
        body: canonical,
        code: extracted.code,
        language: extracted.language,
      };
    }
  }
  const answer = finalAnswer(candidate.text);
  const text = canonicalText(candidate.text);
  return { key: given ?? (answer === undefined ? `text:${text}` : `answer:${answer}`), body: text };
}

/**
 * The member most similar on average to the others (the medoid); ties go to the heavier,
 * then the earlier candidate. Deterministic.
 */
export function mostCentral<T extends { weight: number; body: string }>(
  members: readonly T[],
): T | undefined {
  let best: T | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const m of members) {
    let sum = 0;
    for (const other of members) if (other !== m) sum += tokenSimilarity(m.body, other.body);
    const score = members.length > 1 ? sum / (members.length - 1) : 1;
    if (
      score > bestScore + 1e-12 ||
      (Math.abs(score - bestScore) <= 1e-12 && best !== undefined && m.weight > best.weight)
    ) {
      best = m;
      bestScore = score;
    }
  }
  return best;
}

function shorten(key: string): string {
  const flat = key.replace(/\s+/g, " ");
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

export function vote(candidates: readonly Candidate[], options: VoteOptions = {}): VoteReport {
  const resolved = { ...options, ...voteKind(candidates, options) };
  const keyed: Keyed[] = candidates.map((candidate, index) => ({
    candidate,
    index,
    ...keyOf(candidate, resolved),
  }));
  const byKey = new Map<string, Keyed[]>();
  for (const k of keyed) {
    const list = byKey.get(k.key);
    if (list === undefined) byKey.set(k.key, [k]);
    else list.push(k);
  }
  const clusters = [...byKey.entries()].map(([key, members]) => {
    const weight = members.reduce((s, m) => s + weightOf(m.candidate), 0);
    const central = mostCentral(members.map((m) => ({ ...m, weight: weightOf(m.candidate) }))) ?? members[0];
    return { key, members, weight, representative: central as Keyed };
  });
  // Heaviest first; then more members; then the cluster whose first member came first.
  clusters.sort(
    (x, y) =>
      y.weight - x.weight ||
      y.members.length - x.members.length ||
      (x.members[0]?.index ?? 0) - (y.members[0]?.index ?? 0),
  );
  const total = keyed.reduce((s, k) => s + weightOf(k.candidate), 0);
  const top = clusters[0];
  const report: VoteCluster[] = clusters.map((c) => ({
    key: shorten(c.key),
    members: c.members.map((m) => m.candidate.id),
    weight: c.weight,
    representative: c.representative.candidate.id,
  }));
  if (top === undefined)
    return {
      strategy: "vote",
      chosen: undefined,
      reason: "no candidates to vote on",
      confidence: 0,
      clusters: [],
    };
  const rep = top.representative;
  const chosen: Chosen = {
    candidateId: rep.candidate.id,
    model: rep.candidate.model,
    ...(rep.candidate.node === undefined ? {} : { node: rep.candidate.node }),
    text: rep.candidate.text,
    ...(rep.code === undefined ? {} : { code: rep.code }),
    ...(rep.language === undefined ? {} : { language: rep.language }),
  };
  return {
    strategy: "vote",
    chosen,
    reason: explainVote(top, clusters, keyed.length, total),
    confidence: total > 0 ? top.weight / total : 0,
    clusters: report,
  };
}

function explainVote(
  top: { members: Keyed[]; weight: number; representative: Keyed; key: string },
  clusters: readonly { members: Keyed[]; weight: number }[],
  count: number,
  total: number,
): string {
  const rep = top.representative.candidate;
  const what = top.key.startsWith("code:")
    ? "equivalent code"
    : top.key.startsWith("answer:")
      ? `the same final answer (${shorten(top.key.slice("answer:".length))})`
      : top.key.startsWith("text:")
        ? "the same answer"
        : "equivalent answers";
  const runnerUp = clusters[1];
  if (top.members.length === 1 && (runnerUp === undefined || runnerUp.members.length === 1)) {
    return count === 1
      ? `${rep.id} (${rep.model}) was the only candidate`
      : `no two of the ${count} candidates agree; took ${rep.id} (${rep.model}), the heaviest and earliest (weight ${fmt(top.weight)})`;
  }
  const next =
    runnerUp === undefined
      ? ""
      : `; the next cluster has ${runnerUp.members.length} (weight ${fmt(runnerUp.weight)})`;
  return `${top.members.length} of ${count} candidates (weight ${fmt(top.weight)} of ${fmt(total)}) give ${what}; chose ${rep.id} (${rep.model}), the most typical of them${next}`;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
