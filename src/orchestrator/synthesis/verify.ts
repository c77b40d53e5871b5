/**
 * The `verify` strategy's shell: gathers the evidence (code extracted from each answer, its
 * syntax, and the outcome of every test against it in the sandbox) in `gatherVerifyEvidence`,
 * then decides over it with the pure selection (`decideVerify` → selection.ts) and explains the
 * choice. Tests are the request's (trusted) and the ones models wrote: given to it, or found in
 * the candidates' own answers. Split in two so a decision can be remade with other weights
 * (e.g. a learned reliability) without running any code again.
 */
import { type AgreementGroup, type AgreementRanking, agreementConfidence } from "./agreement.js";
import { dominantLanguage, type ExtractedCode, extractCode } from "./extract.js";
import { canonicalCode } from "./normalize.js";
import type { ReliabilityOutcome } from "./reliability.js";
import { defaultSandbox, type Sandbox, type SandboxIsolation, type SandboxLimits } from "./sandbox.js";
import { type Selection, type SelectionTest, type SelectionTieBreak, selectCandidate } from "./selection.js";
import { checkSyntax, type SyntaxVerdict } from "./syntax.js";
import { splitTests, testKey } from "./test-split.js";
import { runTests, type TestOutcome, type TestRun } from "./tests-runner.js";
import { type Candidate, type CodeLanguage, weightOf } from "./types.js";
import { type Chosen, vote } from "./vote.js";

/** Tests a model wrote, e.g. when asked for tests in a separate call. Untrusted. */
export interface GeneratedTest {
  /** Who wrote it (model or candidate id); tests written by several authors count more. */
  author?: string;
  text: string;
  /**
   * How much this author's tests are trusted (a model's weight or skill). Default: the weight
   * of the candidate whose id or model is `author`, else 1.
   */
  weight?: number;
}

export interface VerifyOptions {
  /** The task's language; default: the language most answers are in. */
  language?: CodeLanguage;
  functionName?: string;
  /** Trusted tests from the request: one block of asserts, or a list of blocks. */
  tests?: string | readonly string[];
  generatedTests?: readonly GeneratedTest[];
  /** Count the asserts and test blocks inside the candidates' answers as model-written tests. Default true. */
  harvestTests?: boolean;
  /** At most this many distinct model-written tests run (those with most authors first). Default 40. */
  maxGeneratedTests?: number;
  perTestTimeoutMs?: number;
  /** How groups of candidates are ranked (see agreement.ts). Default "tests". */
  ranking?: AgreementRanking;
  sandbox?: Sandbox;
  limits?: Partial<SandboxLimits>;
}

export interface CollectedTest {
  /** "t1", "t2" ... for given tests; "m1", "m2" ... for model-written ones. */
  id: string;
  trusted: boolean;
  /** Distinct authors (model-written tests). */
  authors: string[];
  /** 1 for a given test; for a model-written one, the sum of its distinct authors' weights. */
  weight: number;
  /** What runs (prelude + setup + body). */
  code: string;
  /** The assert itself, for reports. */
  body: string;
}

export interface VerifyCandidate {
  id: string;
  model: string;
  node?: string;
  language?: CodeLanguage;
  code?: string;
  extraction?: string;
  syntax?: SyntaxVerdict;
  loaded?: boolean;
  /** Parsed and loaded: eligible. */
  valid: boolean;
  /** Why it is not eligible. */
  problem?: string;
  passedGiven: number;
  passedModel: number;
  /** Index in `groups`. */
  group?: number;
}

export interface VerifyReport {
  strategy: "verify";
  chosen: Chosen | undefined;
  /** The choice rests on passed tests (not merely on parsing, or on a vote). */
  verified: boolean;
  reason: string;
  confidence: number;
  language?: CodeLanguage;
  candidates: VerifyCandidate[];
  tests: Omit<CollectedTest, "code">[];
  /** matrix[c][t]: candidate c against test t; "skipped" for candidates that did not parse. */
  matrix: (TestOutcome | "skipped")[][];
  groups: AgreementGroup[];
  /** How the test runs were isolated. */
  isolation?: SandboxIsolation;
}

/**
 * Given and model-written tests as separate, deduplicated cases. A model test equal to a
 * given one is dropped (the given one already counts); equal model tests merge their authors.
 * Pure.
 */
export function collectTests(input: {
  language: CodeLanguage;
  given?: string | readonly string[];
  generated: readonly GeneratedTest[];
  max: number;
  /** Weight of an author without an explicit one. Default 1. */
  authorWeight?: (author: string) => number;
}): CollectedTest[] {
  const { language } = input;
  const given =
    input.given === undefined ? [] : typeof input.given === "string" ? [input.given] : input.given;
  const seen = new Map<string, CollectedTest>();
  const trusted: CollectedTest[] = [];
  for (const block of given) {
    const cases = splitTests(block, language);
    // A given snippet without asserts still counts: it passes when it runs without error.
    const list = cases.length > 0 ? cases : block.trim() === "" ? [] : [{ code: block, body: block.trim() }];
    for (const c of list) {
      const key = testKey(c, language);
      if (seen.has(key)) continue;
      const test: CollectedTest = {
        id: `t${trusted.length + 1}`,
        trusted: true,
        authors: [],
        weight: 1,
        ...c,
      };
      seen.set(key, test);
      trusted.push(test);
    }
  }
  const model: CollectedTest[] = [];
  input.generated.forEach((g, k) => {
    const author = g.author ?? `generated-${k + 1}`;
    const weight = nonNegative(g.weight ?? input.authorWeight?.(author) ?? 1);
    for (const c of splitTests(g.text, language)) {
      const key = testKey(c, language);
      const known = seen.get(key);
      if (known !== undefined) {
        if (!known.trusted && !known.authors.includes(author)) {
          known.authors.push(author);
          known.weight += weight;
        }
        continue;
      }
      const test: CollectedTest = { id: "", trusted: false, authors: [author], weight, ...c };
      seen.set(key, test);
      model.push(test);
    }
  });
  const kept = model
    .map((t, order) => ({ t, order }))
    .sort((a, b) => b.t.weight - a.t.weight || a.order - b.order)
    .slice(0, input.max)
    .sort((a, b) => a.order - b.order)
    .map(({ t }, k) => ({ ...t, id: `m${k + 1}` }));
  return [...trusted, ...kept];
}

function nonNegative(n: number): number {
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function describeProblem(
  extracted: ExtractedCode | undefined,
  language: CodeLanguage,
  syntax?: SyntaxVerdict,
  run?: TestRun,
): string | undefined {
  if (extracted === undefined) return `no ${language} code`;
  if (syntax !== undefined && !syntax.ok) return `does not parse (${syntax.errors[0] ?? "syntax error"})`;
  if (run !== undefined && !run.loaded)
    return `does not load (${run.loadError ?? run.sandbox.reason ?? run.sandbox.status})`;
  return undefined;
}

/**
 * Everything `verify` learns by running code, before any choice: the extracted code, its
 * syntax, the tests, and the outcome of every test against every candidate. Plain data, so
 * the choice (`decideVerify`) can be made, and remade with other weights, without running
 * anything again.
 */
export interface VerifyEvidence {
  candidates: readonly Candidate[];
  language: CodeLanguage | undefined;
  functionName?: string;
  ranking: AgreementRanking;
  extracted: (ExtractedCode | undefined)[];
  syntax: (SyntaxVerdict | undefined)[];
  runs: (TestRun | undefined)[];
  tests: CollectedTest[];
  /**
   * Per test, per author: the index of the candidate that wrote it (its weight counts, and
   * follows the candidate's weight when the choice is remade), or a fixed weight (an explicit
   * one, or an author who is no candidate).
   */
  authorRefs: ({ candidate: number } | { weight: number })[][];
  matrix: (TestOutcome | "skipped")[][];
  valid: boolean[];
  /** Per candidate: the canonical form of its code (equal forms are one cluster), or "". */
  clusterKeys: string[];
}

/** Runs every candidate against every test; no choice yet. */
export async function gatherVerifyEvidence(
  candidates: readonly Candidate[],
  options: VerifyOptions = {},
): Promise<VerifyEvidence> {
  const sandbox = options.sandbox ?? defaultSandbox();
  const language = options.language ?? dominantLanguage(candidates.map((c) => c.text));
  const ranking = options.ranking ?? "tests";
  const fn = options.functionName === undefined ? {} : { functionName: options.functionName };
  if (language === undefined) {
    return {
      candidates,
      language,
      ...fn,
      ranking,
      extracted: [],
      syntax: [],
      runs: [],
      tests: [],
      authorRefs: [],
      matrix: [],
      valid: candidates.map(() => false),
      clusterKeys: candidates.map(() => ""),
    };
  }
  const extracted = candidates.map((c) => extractCode(c.text, { language, ...fn }));

  const present = extracted.flatMap((e, i) =>
    e === undefined ? [] : [{ i, code: e.code, language: e.language }],
  );
  const verdicts = await checkSyntax(present, sandbox);
  const syntax: (SyntaxVerdict | undefined)[] = candidates.map(() => undefined);
  present.forEach((p, k) => {
    syntax[p.i] = verdicts[k];
  });

  const harvested: GeneratedTest[] =
    options.harvestTests === false
      ? []
      : extracted.flatMap((e, i) =>
          (e?.tests ?? []).map((text) => ({ author: candidates[i]?.id ?? `c${i}`, text })),
        );
  const generated = [...(options.generatedTests ?? []), ...harvested];
  const candidateOf = (author: string): number => {
    const byId = candidates.findIndex((c) => c.id === author);
    return byId >= 0 ? byId : candidates.findIndex((c) => c.model === author);
  };
  const tests = collectTests({
    language,
    ...(options.tests === undefined ? {} : { given: options.tests }),
    generated,
    max: options.maxGeneratedTests ?? 40,
    authorWeight: (author) => {
      const i = candidateOf(author);
      const byAuthor = candidates[i];
      return byAuthor === undefined ? 1 : weightOf(byAuthor);
    },
  });
  // Which authors' weights follow a candidate's: those without an explicit weight that name one.
  const explicit = new Map<string, number>();
  generated.forEach((g, k) => {
    if (g.weight !== undefined) explicit.set(g.author ?? `generated-${k + 1}`, nonNegative(g.weight));
  });
  const authorRefs = tests.map((t) =>
    t.authors.map((author) => {
      const fixed = explicit.get(author);
      if (fixed !== undefined) return { weight: fixed };
      const i = candidateOf(author);
      return i >= 0 ? { candidate: i } : { weight: 1 };
    }),
  );

  // Every candidate that parses runs, even with no tests: failing to load is evidence too.
  const runs: (TestRun | undefined)[] = await Promise.all(
    extracted.map((e, i) =>
      e === undefined || syntax[i]?.ok === false
        ? undefined
        : runTests(
            {
              code: e.code,
              language: e.language,
              tests: tests.map((t) => t.code),
              ...fn,
              ...(options.perTestTimeoutMs === undefined
                ? {}
                : { perTestTimeoutMs: options.perTestTimeoutMs }),
              ...(options.limits === undefined ? {} : { limits: options.limits }),
            },
            sandbox,
          ),
    ),
  );

  const matrix = candidates.map((_, i) =>
    tests.map((_t, k) => runs[i]?.results[k]?.outcome ?? ("skipped" as const)),
  );
  const valid = candidates.map(
    (_, i) => extracted[i] !== undefined && syntax[i]?.ok !== false && runs[i]?.loaded === true,
  );
  // The same code up to layout, comments and local names: the vote's notion of "equivalent".
  const clusterKeys = extracted.map((e) =>
    e === undefined
      ? ""
      : canonicalCode(e.code, e.language, {
          keepNames: options.functionName === undefined ? [] : [options.functionName],
        }),
  );
  return {
    candidates,
    language,
    ...fn,
    ranking,
    extracted,
    syntax,
    runs,
    tests,
    authorRefs,
    matrix,
    valid,
    clusterKeys,
  };
}

export interface DecideOptions {
  /**
   * Weights by candidate id (e.g. learned reliabilities), replacing the candidates' own; the
   * tests a candidate wrote weigh what it weighs.
   */
  weights?: ReadonlyMap<string, number>;
}

/** The choice over gathered evidence. Pure. */
export function decideVerify(evidence: VerifyEvidence, options: DecideOptions = {}): VerifyReport {
  const { candidates, language, extracted, syntax, runs, matrix, valid } = evidence;
  if (language === undefined) {
    return {
      strategy: "verify",
      chosen: undefined,
      verified: false,
      confidence: 0,
      reason: "no candidate contains code",
      candidates: [],
      tests: [],
      matrix: [],
      groups: [],
    };
  }
  const weightOfIndex = (i: number): number => {
    const c = candidates[i];
    if (c === undefined) return 0;
    const override = options.weights?.get(c.id);
    return override === undefined ? weightOf(c) : nonNegative(override);
  };
  const weighted: Candidate[] = candidates.map((c, i) => ({ ...c, weight: weightOfIndex(i) }));
  const tests: CollectedTest[] = evidence.tests.map((t, k) => {
    if (t.trusted) return t;
    const refs = evidence.authorRefs[k] ?? [];
    const weight = refs.reduce((s, r) => s + ("candidate" in r ? weightOfIndex(r.candidate) : r.weight), 0);
    return { ...t, weight };
  });
  const selectionTests: SelectionTest[] = tests.map((t) => ({
    id: t.id,
    trusted: t.trusted,
    weight: t.weight,
    authors: t.authors,
  }));
  const selection = selectCandidate({
    candidates: candidates.map((c, i) => ({
      id: c.id,
      weight: weightOfIndex(i),
      valid: valid[i] === true,
      cluster: evidence.clusterKeys[i] ?? "",
    })),
    tests: selectionTests,
    passed: matrix.map((row) => row.map((o) => o === "passed")),
    ranking: evidence.ranking,
  });
  const { groups } = selection;

  const groupOf = new Map<string, number>();
  groups.forEach((g, k) => {
    for (const id of g.members) groupOf.set(id, k);
  });
  const infos: VerifyCandidate[] = candidates.map((c, i) => {
    const e = extracted[i];
    const problem = describeProblem(e, language, syntax[i], runs[i]);
    const row = matrix[i] ?? [];
    const group = groupOf.get(c.id);
    return {
      id: c.id,
      model: c.model,
      ...(c.node === undefined ? {} : { node: c.node }),
      ...(e === undefined ? {} : { language: e.language, code: e.code, extraction: e.reason }),
      ...(syntax[i] === undefined ? {} : { syntax: syntax[i] }),
      ...(runs[i] === undefined ? {} : { loaded: runs[i]?.loaded }),
      valid: valid[i] === true,
      ...(problem === undefined ? {} : { problem }),
      passedGiven: tests.filter((t, k) => t.trusted && row[k] === "passed").length,
      passedModel: tests.filter((t, k) => !t.trusted && row[k] === "passed").length,
      ...(group === undefined ? {} : { group }),
    };
  });
  const isolation = runs.find((r) => r !== undefined)?.sandbox.isolation;
  const base = {
    strategy: "verify" as const,
    language,
    candidates: infos,
    tests: tests.map(({ code: _code, ...rest }) => rest),
    matrix,
    groups,
    ...(isolation === undefined ? {} : { isolation }),
  };
  const excluded = infos.filter((c) => !c.valid).map((c) => `${c.id} ${c.problem ?? "is not eligible"}`);
  const exclusions = excluded.length === 0 ? "" : `; excluded: ${excluded.join("; ")}`;

  const top = groups[0];
  if (top === undefined) {
    return {
      ...base,
      chosen: undefined,
      verified: false,
      confidence: 0,
      reason: `none of the ${candidates.length} candidates has ${language} code that parses and loads${exclusions}`,
    };
  }
  const validCandidates = weighted.filter((_, i) => valid[i] === true);
  const totalMass = validCandidates.reduce((s, c) => s + weightOf(c), 0);
  const fn = evidence.functionName === undefined ? {} : { functionName: evidence.functionName };
  if (top.trustedPassed + top.generatedPassed === 0) {
    // No test evidence: fall back to a vote among the candidates that parse and load.
    const voted = vote(validCandidates, { language, ...fn });
    const why = tests.length === 0 ? "no tests were given or found" : "no candidate passed any test";
    return {
      ...base,
      chosen: voted.chosen,
      verified: false,
      confidence: tests.length === 0 ? voted.confidence : 0,
      reason: `${why}; voted among the ${validCandidates.length} candidates whose code parses and loads: ${voted.reason}${exclusions}`,
    };
  }

  const index = candidates.findIndex((c) => c.id === selection.chosen);
  const candidate = candidates[index] as Candidate;
  const code = extracted[index] as ExtractedCode;
  const chosen: Chosen = {
    candidateId: candidate.id,
    model: candidate.model,
    ...(candidate.node === undefined ? {} : { node: candidate.node }),
    text: candidate.text,
    code: code.code,
    language: code.language,
  };
  return {
    ...base,
    chosen,
    verified: true,
    confidence: agreementConfidence(top, totalMass),
    reason:
      explainVerify(candidate, top, groups[1], validCandidates.length, evidence.ranking) +
      explainClusters(selection) +
      exclusions,
  };
}

export async function verify(
  candidates: readonly Candidate[],
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  return decideVerify(await gatherVerifyEvidence(candidates, options));
}

/**
 * What one synthesis says about each model, for the reliability book: only when the choice
 * rests on passed tests; the chosen group's members were verified, every other candidate
 * (another behaviour, or code that did not parse or load) was not. Undefined when the
 * evidence says nothing (no tests passed, no code).
 */
export function reliabilityOutcomes(report: VerifyReport): ReliabilityOutcome[] | undefined {
  const top = report.groups[0];
  if (!report.verified || top === undefined) return undefined;
  const members = new Set(top.members);
  return report.candidates.map((c) => ({ model: c.model, verified: members.has(c.id) }));
}

function explainClusters(selection: Selection): string {
  const [best, next] = selection.clusters;
  if (best === undefined || next === undefined) return "";
  const how: Record<SelectionTieBreak, string> = {
    "one cluster": "",
    "cluster weight": `the most weight (${fmt(best.weight)} against ${fmt(next.weight)})`,
    "author consistency": `the authors whose own tests agree best with it (${fmt(best.consistency)} against ${fmt(next.consistency)})`,
    "cluster size": "the most members",
    "candidate order": "the earliest candidate",
  };
  const count = selection.clusters.length;
  return `; the group holds ${count} different programs: took the one with ${how[selection.decidedBy ?? "candidate order"]}`;
}

function explainVerify(
  chosen: Candidate,
  top: AgreementGroup,
  next: AgreementGroup | undefined,
  validCount: number,
  ranking: AgreementRanking,
): string {
  const parts: string[] = [];
  const others = top.members.length - 1;
  let head = `chose ${chosen.id} (${chosen.model})`;
  if (top.trustedTotal > 0) head += `: it passes ${top.trustedPassed}/${top.trustedTotal} given tests`;
  parts.push(head);
  if (top.generatedTotal > 0) {
    const passes = `model-written tests of weight ${fmt(top.generatedPassed)} of ${fmt(top.generatedTotal)}`;
    parts.push(
      ranking === "codet" ? `agreement ${fmt(top.consensus)} (${passes})` : `it passes ${passes}, the most`,
    );
  }
  parts.push(
    others === 0
      ? `no other of the ${validCount} valid candidates behaves the same`
      : `${others} of the other ${validCount - 1} valid candidates behave the same`,
  );
  if (next !== undefined) {
    const what = [
      ...(top.trustedTotal > 0 ? [`${next.trustedPassed}/${next.trustedTotal} given tests`] : []),
      ...(top.generatedTotal > 0
        ? [
            ranking === "codet"
              ? `agreement ${fmt(next.consensus)}`
              : `model tests ${fmt(next.generatedPassed)}`,
          ]
        : []),
    ].join(", ");
    parts.push(`next best: ${next.members.join(", ")}${what === "" ? "" : ` (${what})`}`);
  }
  return parts.join("; ");
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2);
}
