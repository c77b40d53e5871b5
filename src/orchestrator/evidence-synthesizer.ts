/**
 * The orchestrator's `vote` and `verify`: candidates are the models' answers, the request's
 * tests are trusted, and the tests models wrote inside their answers are weighed by agreement.
 */
import type { Synthesizer } from "./orchestrator.js";
import { synthesize } from "./synthesis/strategies.js";

export const evidenceSynthesizer: Synthesizer = async (strategy, answers, options) => {
  const candidates = answers.map((answer, index) => ({
    id: `c${index + 1}`,
    model: answer.model,
    node: answer.node,
    text: answer.text,
  }));
  const result = await synthesize(strategy, candidates, {
    ...(options.tests !== undefined && options.tests.length > 0 ? { tests: options.tests } : {}),
  });
  const chosenIndex = candidates.findIndex((candidate) => candidate.id === result.chosen?.candidateId);
  return {
    chosenIndex: chosenIndex < 0 ? undefined : chosenIndex,
    text: result.answer,
    reason: result.reason,
    confidence: result.confidence,
  };
};
