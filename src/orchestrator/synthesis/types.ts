/**
 * The shapes every synthesis strategy shares: the candidates a subtask's models answered
 * with, and the languages the code strategies understand.
 */

/** One model's answer to a subtask. */
export interface Candidate {
  /** Unique within one synthesis (e.g. "t1-c3"); reports refer to candidates by it. */
  id: string;
  model: string;
  node?: string;
  /** The model's whole answer: prose, fences and all. */
  text: string;
  /**
   * How much this candidate's vote counts (a model's configured weight or learned skill);
   * 1 when absent. Must be finite and ≥ 0.
   */
  weight?: number;
}

/** Languages whose code Hydra can extract, check and run. TypeScript runs as transpiled JavaScript. */
export type CodeLanguage = "python" | "javascript" | "typescript";

/** The interpreter family a language runs on. */
export type LanguageFamily = "python" | "javascript";

export function familyOf(language: CodeLanguage): LanguageFamily {
  return language === "python" ? "python" : "javascript";
}

/** A candidate's weight, defaulting to 1; a negative or non-finite weight counts as 0. */
export function weightOf(candidate: Pick<Candidate, "weight">): number {
  const w = candidate.weight ?? 1;
  return Number.isFinite(w) && w > 0 ? w : 0;
}
