/** Synthesis: choosing a subtask's answer among its candidates, by evidence. */
export {
  type AgreementGroup,
  type AgreementRanking,
  agreementConfidence,
  scoreAgreement,
} from "./agreement.js";
export {
  type CodeBlock,
  dominantLanguage,
  type ExtractedCode,
  extractCode,
  findCodeBlocks,
} from "./extract.js";
export { type LineVoteResult, lineVoteMerge, mergeByLineVote } from "./line-vote.js";
export { canonicalCode, canonicalText, finalAnswer } from "./normalize.js";
export {
  emptyReliabilityBook,
  observationsOf,
  parseReliabilityBook,
  type ReliabilityBook,
  type ReliabilityCounts,
  type ReliabilityOutcome,
  recordOutcomes,
  reliabilityOf,
} from "./reliability.js";
export { fileReliabilityStore, memoryReliabilityStore, type ReliabilityStore } from "./reliability-store.js";
export {
  DEFAULT_SANDBOX_LIMITS,
  defaultSandbox,
  Sandbox,
  type SandboxIsolation,
  type SandboxLimits,
  type SandboxOptions,
  type SandboxResult,
  type SandboxRunRequest,
  type SandboxStatus,
} from "./sandbox.js";
export {
  authorConsistency,
  type Selection,
  type SelectionCandidate,
  type SelectionCluster,
  type SelectionTest,
  type SelectionTieBreak,
  selectCandidate,
} from "./selection.js";
export {
  isSynthesisStrategy,
  SYNTHESIS_STRATEGIES,
  type SynthesisOptions,
  type SynthesisResult,
  type SynthesisStrategy,
  synthesize,
} from "./strategies.js";
export { checkJavaScriptSyntax, checkSyntax, type SyntaxVerdict } from "./syntax.js";
export { splitTests, type TestCase } from "./test-split.js";
export { runTests, type TestOutcome, type TestRun } from "./tests-runner.js";
export { type Candidate, type CodeLanguage, familyOf } from "./types.js";
export {
  type CollectedTest,
  type DecideOptions,
  decideVerify,
  type GeneratedTest,
  gatherVerifyEvidence,
  reliabilityOutcomes,
  type VerifyEvidence,
  type VerifyOptions,
  type VerifyReport,
  verify,
} from "./verify.js";
export { type Chosen, type VoteOptions, type VoteReport, vote, voteKind } from "./vote.js";
