/**
 * The orchestrator's `vote` and `verify`: candidates are the models' answers, the request's
 * tests are trusted, and the tests models wrote inside their answers are weighed by agreement.
 *
 * With a reliability store, `verify` also weighs each candidate (and the tests it wrote) by its
 * model's learned reliability on the subtask's type, and records who ended up verified, so the
 * weights follow the models' track record in this deployment. Only verify's outcomes are
 * recorded: they rest on passed tests, while a vote's winner is merely the most common answer.
 */
import type { Synthesizer } from "./orchestrator.js";
import { reliabilityOf } from "./synthesis/reliability.js";
import type { ReliabilityStore } from "./synthesis/reliability-store.js";
import { synthesize } from "./synthesis/strategies.js";
import type { Candidate } from "./synthesis/types.js";
import { reliabilityOutcomes, type VerifyReport } from "./synthesis/verify.js";

export interface EvidenceSynthesizerOptions {
  /** Learned per-model reliability (e.g. `fileReliabilityStore(<dataDir>/synthesis-reliability.json)`). */
  reliability?: ReliabilityStore;
}

export function createEvidenceSynthesizer(options: EvidenceSynthesizerOptions = {}): Synthesizer {
  const { reliability } = options;
  return async (strategy, answers, { tests, subtask }) => {
    const book = reliability?.book();
    const candidates: Candidate[] = answers.map((answer, index) => ({
      id: `c${index + 1}`,
      model: answer.model,
      node: answer.node,
      text: answer.text,
      ...(book === undefined ? {} : { weight: reliabilityOf(book, answer.model, subtask.type) }),
    }));
    const result = await synthesize(strategy, candidates, {
      ...(tests !== undefined && tests.length > 0 ? { tests } : {}),
    });
    if (reliability !== undefined && result.strategy === "verify" && result.fallback === undefined) {
      const outcomes = reliabilityOutcomes(result.report as VerifyReport);
      if (outcomes !== undefined) reliability.record(outcomes, subtask.type);
    }
    const chosenIndex = candidates.findIndex((candidate) => candidate.id === result.chosen?.candidateId);
    return {
      chosenIndex: chosenIndex < 0 ? undefined : chosenIndex,
      text: result.answer,
      reason: result.reason,
      confidence: result.confidence,
    };
  };
}
