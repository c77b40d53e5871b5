/**
 * The whole `verify` decision as a pure function over data: the candidates (their prior weight
 * — a configured weight or a learned reliability — whether they run, and which cluster of
 * equivalent code each belongs to), the tests (trusted or model-written, with their authors),
 * and who passed what.
 *
 * 1. Groups of candidates that pass exactly the same tests, ranked by agreement.ts: given tests
 *    first, then the weight of the model-written tests passed (a test several models wrote
 *    weighs the sum of their weights), then the group's mass.
 * 2. Inside the winning group every member behaves the same on every test, so the tests say
 *    nothing more. The members are split into clusters of equivalent code and the choice goes,
 *    in order, to the cluster with:
 *      - the most weight (a learned reliability makes this the models' track record);
 *      - the most consistent authors: the members whose own tests the group's behaviour passes
 *        (a model that wrote a test the verified behaviour fails misunderstood the task, which
 *        makes its code less likely right too);
 *      - the most members;
 *      - the earliest member (only to be deterministic).
 *    Inside the chosen cluster, the heaviest member, then the most consistent, then the earliest.
 *
 * Why not CodeT's product (mass × tests passed) or a bonus for group size: wrong programs agree
 * with each other more than it assumes. Weak models share the same plausible bug; on the task
 * bank the product chose a correct program in 100 of 141 cases against 120 for ranking by test
 * weight (47 tasks × seeds 1–3; 114 against 131 on seeds 4–6), and every size bonus tried lost
 * cases too. Who agrees counts, through the learned weights, rather than how many.
 */
import {
  type AgreementGroup,
  type AgreementRanking,
  type AgreementTest,
  scoreAgreement,
} from "./agreement.js";

export interface SelectionCandidate {
  id: string;
  /** Prior weight (configured, or learned reliability); ≥ 0. */
  weight: number;
  /** Parsed and loaded. */
  valid: boolean;
  /** Equivalence key of its code (e.g. the canonical form); equal keys form one cluster. */
  cluster: string;
}

export interface SelectionTest extends AgreementTest {
  /** Who wrote it (candidate ids, model names); empty for a given test. */
  authors: readonly string[];
}

export interface SelectionInput {
  candidates: readonly SelectionCandidate[];
  tests: readonly SelectionTest[];
  /** passed[c][t]: candidate c passed test t. */
  passed: readonly (readonly boolean[])[];
  ranking?: AgreementRanking;
}

export interface SelectionCluster {
  members: string[];
  /** Σ member weights. */
  weight: number;
  /** Mean author consistency of the members (see `authorConsistency`). */
  consistency: number;
}

export type SelectionTieBreak =
  | "one cluster"
  | "cluster weight"
  | "author consistency"
  | "cluster size"
  | "candidate order";

export interface Selection {
  /** Best first (agreement.ts). */
  groups: AgreementGroup[];
  invalid: string[];
  /** Undefined only when no candidate is valid. */
  chosen: string | undefined;
  /** The winning group's clusters of equivalent code, best first. */
  clusters: SelectionCluster[];
  /** What decided between the winning group's clusters. */
  decidedBy: SelectionTieBreak | undefined;
}

/**
 * How far the tests a candidate wrote agree with a behaviour (a row of pass/fail over the
 * tests): (tests of its own the behaviour passes + ½) / (tests of its own + 1), so 0.5 for a
 * candidate that wrote none. Its own tests are those listing its id as an author.
 */
export function authorConsistency(
  candidateId: string,
  tests: readonly SelectionTest[],
  behaviour: readonly boolean[],
): number {
  let own = 0;
  let agreed = 0;
  tests.forEach((t, k) => {
    if (t.trusted || !t.authors.includes(candidateId)) return;
    own++;
    if (behaviour[k] === true) agreed++;
  });
  return (agreed + 0.5) / (own + 1);
}

const EPSILON = 1e-9;

export function selectCandidate(input: SelectionInput): Selection {
  const { candidates, tests, passed } = input;
  const { groups, invalid } = scoreAgreement({
    candidates: candidates.map((c) => ({ id: c.id, weight: c.weight, valid: c.valid })),
    tests,
    passed,
    ...(input.ranking === undefined ? {} : { ranking: input.ranking }),
  });
  const top = groups[0];
  if (top === undefined) return { groups, invalid, chosen: undefined, clusters: [], decidedBy: undefined };

  const index = new Map(candidates.map((c, i) => [c.id, i]));
  const passes = new Set(top.passes);
  const behaviour = tests.map((t) => passes.has(t.id));
  const members = top.members.map((id) => {
    const i = index.get(id) ?? 0;
    const c = candidates[i] as SelectionCandidate;
    return { c, i, consistency: authorConsistency(id, tests, behaviour) };
  });
  type Member = (typeof members)[number];

  const byKey = new Map<string, Member[]>();
  for (const m of members) {
    const list = byKey.get(m.c.cluster);
    if (list === undefined) byKey.set(m.c.cluster, [m]);
    else list.push(m);
  }
  const clusters = [...byKey.values()].map((list) => ({
    list,
    weight: list.reduce((s, m) => s + m.c.weight, 0),
    consistency: list.reduce((s, m) => s + m.consistency, 0) / list.length,
    first: Math.min(...list.map((m) => m.i)),
  }));
  type Cluster = (typeof clusters)[number];
  const steps: [SelectionTieBreak, (x: Cluster, y: Cluster) => number][] = [
    ["cluster weight", (x, y) => y.weight - x.weight],
    ["author consistency", (x, y) => y.consistency - x.consistency],
    ["cluster size", (x, y) => y.list.length - x.list.length],
    ["candidate order", (x, y) => x.first - y.first],
  ];
  const compare = (x: Cluster, y: Cluster): number => {
    for (const [, step] of steps) {
      const d = step(x, y);
      if (Math.abs(d) > EPSILON) return d;
    }
    return 0;
  };
  clusters.sort(compare);
  const best = clusters[0] as Cluster;
  const runnerUp = clusters[1];
  const decidedBy: SelectionTieBreak =
    runnerUp === undefined
      ? "one cluster"
      : (steps.find(([, step]) => Math.abs(step(best, runnerUp)) > EPSILON)?.[0] ?? "candidate order");

  const pick = [...best.list].sort(
    (x, y) =>
      (Math.abs(y.c.weight - x.c.weight) > EPSILON ? y.c.weight - x.c.weight : 0) ||
      (Math.abs(y.consistency - x.consistency) > EPSILON ? y.consistency - x.consistency : 0) ||
      x.i - y.i,
  )[0] as Member;
  return {
    groups,
    invalid,
    chosen: pick.c.id,
    clusters: clusters.map((k) => ({
      members: k.list.map((m) => m.c.id),
      weight: k.weight,
      consistency: k.consistency,
    })),
    decidedBy,
  };
}
