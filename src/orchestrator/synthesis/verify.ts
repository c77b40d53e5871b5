/**
 * The `verify` strategy's shell: gathers the evidence (code extracted from each answer, its
 * syntax, and the outcome of every test against it in the sandbox), hands it to the pure
 * agreement scoring, and explains the choice. Tests are the request's (trusted) and the ones
 * models wrote: given to it, or found in the candidates' own answers.
 */
import {
  type AgreementGroup,
  type AgreementRanking,
  type AgreementTest,
  agreementConfidence,
  scoreAgreement,
} from "./agreement.js";
import { dominantLanguage, type ExtractedCode, extractCode } from "./extract.js";
import { defaultSandbox, type Sandbox, type SandboxIsolation, type SandboxLimits } from "./sandbox.js";
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

export async function verify(
  candidates: readonly Candidate[],
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  const sandbox = options.sandbox ?? defaultSandbox();
  const language = options.language ?? dominantLanguage(candidates.map((c) => c.text));
  const empty = { candidates: [], tests: [], matrix: [], groups: [] };
  if (language === undefined) {
    return {
      strategy: "verify",
      chosen: undefined,
      verified: false,
      confidence: 0,
      reason: "no candidate contains code",
      ...empty,
    };
  }
  const extracted = candidates.map((c) =>
    extractCode(c.text, {
      language,
      ...(options.functionName === undefined ? {} : { functionName: options.functionName }),
    }),
  );

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
  const tests = collectTests({
    language,
    ...(options.tests === undefined ? {} : { given: options.tests }),
    generated: [...(options.generatedTests ?? []), ...harvested],
    max: options.maxGeneratedTests ?? 40,
    authorWeight: (author) => {
      const byAuthor = candidates.find((c) => c.id === author) ?? candidates.find((c) => c.model === author);
      return byAuthor === undefined ? 1 : weightOf(byAuthor);
    },
  });

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
              ...(options.functionName === undefined ? {} : { functionName: options.functionName }),
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
  const agreementTests: AgreementTest[] = tests.map((t) => ({
    id: t.id,
    trusted: t.trusted,
    weight: t.weight,
  }));
  const { groups } = scoreAgreement({
    candidates: candidates.map((c, i) => ({ id: c.id, weight: weightOf(c), valid: valid[i] === true })),
    tests: agreementTests,
    passed: matrix.map((row) => row.map((o) => o === "passed")),
    ranking: options.ranking ?? "tests",
  });

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
  const validCandidates = candidates.filter((_, i) => valid[i] === true);
  const totalMass = validCandidates.reduce((s, c) => s + weightOf(c), 0);
  if (top.trustedPassed + top.generatedPassed === 0) {
    // No test evidence: fall back to a vote among the candidates that parse and load.
    const voted = vote(validCandidates, {
      language,
      ...(options.functionName === undefined ? {} : { functionName: options.functionName }),
    });
    const why = tests.length === 0 ? "no tests were given or found" : "no candidate passed any test";
    return {
      ...base,
      chosen: voted.chosen,
      verified: false,
      confidence: tests.length === 0 ? voted.confidence : 0,
      reason: `${why}; voted among the ${validCandidates.length} candidates whose code parses and loads: ${voted.reason}${exclusions}`,
    };
  }

  // The members behave the same on every test; among them, the vote's choice (the largest
  // cluster of equivalent code, then the most typical member).
  const members = top.members.map((id) => candidates.find((c) => c.id === id) as Candidate);
  const voted = vote(members, {
    language,
    ...(options.functionName === undefined ? {} : { functionName: options.functionName }),
  });
  const index = candidates.findIndex((c) => c.id === voted.chosen?.candidateId);
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
      explainVerify(candidate, top, groups[1], validCandidates.length, options.ranking ?? "tests") +
      exclusions,
  };
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
