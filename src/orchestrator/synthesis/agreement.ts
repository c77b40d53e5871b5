/**
 * Choosing among candidates by test evidence, after CodeT ("dual execution agreement",
 * Chen et al. 2022): run every candidate against every test, group the candidates that pass
 * exactly the same tests, and score the groups. Agreement counts on both sides: a test that
 * several models wrote weighs that much more (its weight is the sum of its authors' weights),
 * and a group's mass is the sum of its candidates' weights.
 *
 * Two rankings:
 *   - "tests" (default): the group passing the most test weight wins; mass breaks ties.
 *   - "codet": CodeT's product, mass × test weight passed.
 * On the task bank (47 tasks × seeds 1-3, 5 sim models of skill 0.3-0.7, tests harvested from
 * their answers) "codet" chose a correct program in 100 of 141 cases and "tests" in 120
 * (the oracle: 138, the best single model: 100). The product loses when wrong programs agree
 * with each other, which common mistakes (an off-by-one every weak model makes) do; the
 * tests written by many models are the stronger signal. What happens inside the winning
 * group is selection.ts's.
 *
 * Tests given in the request are trusted and come first in both: a group that passes more of
 * them always beats one that passes fewer (a lexicographic order, the limit of "given tests
 * weigh much more"). Candidates that did not parse or load are in no group, so are never
 * chosen while a valid one exists. Pure.
 */

export interface AgreementCandidate {
  id: string;
  /** The candidate's vote (model weight); ≥ 0. */
  weight: number;
  /** Parsed and loaded; invalid candidates are kept out of every group. */
  valid: boolean;
}

export interface AgreementTest {
  id: string;
  /** Given in the request (trusted), rather than written by a model. */
  trusted: boolean;
  /** How much passing it counts: 1 for a given test; for a model test, the summed weight of the models that wrote it. */
  weight: number;
}

export type AgreementRanking = "tests" | "codet";

export interface AgreementInput {
  candidates: readonly AgreementCandidate[];
  tests: readonly AgreementTest[];
  /** passed[c][t]: candidate c passed test t. */
  passed: readonly (readonly boolean[])[];
  /** Default "tests". */
  ranking?: AgreementRanking;
}

export interface AgreementGroup {
  /** Candidate ids, in input order. */
  members: string[];
  /** Ids of the tests every member passes (and no other test). */
  passes: string[];
  trustedPassed: number;
  trustedTotal: number;
  generatedPassed: number;
  generatedTotal: number;
  /** Σ member weights. */
  mass: number;
  /** CodeT's score: mass × weighted model-written tests passed. */
  consensus: number;
  /** One number ordering the groups under the ranking used (higher is better). */
  score: number;
}

export interface AgreementResult {
  /** Best first. */
  groups: AgreementGroup[];
  /** Ids of the candidates that did not parse or load. */
  invalid: string[];
}

export function scoreAgreement(input: AgreementInput): AgreementResult {
  const { candidates, tests, passed } = input;
  const trustedTotal = tests.reduce((s, t) => s + (t.trusted ? t.weight : 0), 0);
  const generatedTotal = tests.reduce((s, t) => s + (t.trusted ? 0 : t.weight), 0);
  const totalMass = candidates.reduce((s, c) => s + (c.valid ? c.weight : 0), 0);
  const ranking = input.ranking ?? "tests";
  // Units that make the scalar score order like the lexicographic ranking: one unit of a
  // more significant part outweighs everything below it.
  const testUnit = totalMass + 1;
  const belowTrusted =
    ranking === "codet" ? totalMass * generatedTotal : generatedTotal * testUnit + totalMass;
  const trustedUnit = belowTrusted + 1;

  const byVector = new Map<string, { first: number; members: number[] }>();
  candidates.forEach((c, i) => {
    if (!c.valid) return;
    const row = passed[i] ?? [];
    const key = tests.map((_, t) => (row[t] === true ? "1" : "0")).join("");
    const group = byVector.get(key);
    if (group === undefined) byVector.set(key, { first: i, members: [i] });
    else group.members.push(i);
  });

  const groups = [...byVector.entries()].map(([key, g]) => {
    let trustedPassed = 0;
    let generatedPassed = 0;
    const passes: string[] = [];
    tests.forEach((t, k) => {
      if (key[k] !== "1") return;
      passes.push(t.id);
      if (t.trusted) trustedPassed += t.weight;
      else generatedPassed += t.weight;
    });
    const mass = g.members.reduce((s, i) => s + (candidates[i]?.weight ?? 0), 0);
    const consensus = mass * generatedPassed;
    return {
      first: g.first,
      group: {
        members: g.members.map((i) => candidates[i]?.id ?? ""),
        passes,
        trustedPassed,
        trustedTotal,
        generatedPassed,
        generatedTotal,
        mass,
        consensus,
        score:
          trustedPassed * trustedUnit + (ranking === "codet" ? consensus : generatedPassed * testUnit + mass),
      },
    };
  });
  const second = (g: AgreementGroup): number => (ranking === "codet" ? g.consensus : g.generatedPassed);
  groups.sort(
    (x, y) =>
      y.group.trustedPassed - x.group.trustedPassed ||
      second(y.group) - second(x.group) ||
      y.group.mass - x.group.mass ||
      y.group.members.length - x.group.members.length ||
      x.first - y.first,
  );
  return {
    groups: groups.map((g) => g.group),
    invalid: candidates.filter((c) => !c.valid).map((c) => c.id),
  };
}

/**
 * How sure the evidence makes us, 0..1: the share of trusted tests the group passes when
 * there are any; else its share of the candidates' weight times the share of model-written
 * tests it passes; else (no tests at all) its share of the weight.
 */
export function agreementConfidence(group: AgreementGroup, totalValidMass: number): number {
  if (group.trustedTotal > 0) return group.trustedPassed / group.trustedTotal;
  const share = totalValidMass > 0 ? group.mass / totalValidMass : 0;
  if (group.generatedTotal > 0) return share * (group.generatedPassed / group.generatedTotal);
  return share;
}
