/**
 * The DAG of a workflow, as pure functions of data: validation (duplicate ids, unknown
 * dependencies, cycles with their path), topological levels, the critical path for given step
 * durations, and which steps may start for given step states. The engine calls these; nothing here
 * does I/O or keeps time.
 */
import { WorkflowDefinitionError } from "./errors.js";
import type { StepState } from "./types.js";

export interface DagNode {
  id: string;
  dependsOn: readonly string[];
}

/** A validated DAG: every dependency exists, no id repeats, no cycle. */
export interface Dag {
  /** In definition order. */
  readonly ids: readonly string[];
  /** Each step's dependencies, without repeats. */
  readonly dependsOn: ReadonlyMap<string, readonly string[]>;
  /** Each step's direct dependents, in definition order. */
  readonly dependents: ReadonlyMap<string, readonly string[]>;
}

export type StepStates = ReadonlyMap<string, StepState>;

/** Cycles reported at most; a definition with more has bigger problems than the list would show. */
const MAX_CYCLES_REPORTED = 5;

/**
 * Every problem of the graph, one message each, in a stable order: no steps, empty or repeated
 * ids, unknown dependencies, steps depending on themselves, then cycles as paths
 * (`a → b → c → a`, where → reads "depends on").
 */
export function dagIssues(steps: readonly DagNode[]): string[] {
  const issues: string[] = [];
  if (steps.length === 0) return ["a workflow needs at least one step"];
  const ids = new Set<string>();
  const repeated = new Set<string>();
  for (const [index, step] of steps.entries()) {
    if (typeof step.id !== "string" || step.id === "") issues.push(`step ${index} has an empty id`);
    else if (ids.has(step.id)) repeated.add(step.id);
    else ids.add(step.id);
  }
  for (const id of repeated) issues.push(`step id "${id}" is used more than once; give each step its own id`);
  for (const step of steps) {
    for (const dependency of step.dependsOn) {
      if (dependency === step.id) issues.push(`step "${step.id}" depends on itself`);
      else if (!ids.has(dependency))
        issues.push(`step "${step.id}" depends on "${dependency}", which is not a step of this workflow`);
    }
  }
  for (const cycle of findCycles(steps, ids)) issues.push(`dependency cycle ${cycle.join(" → ")}`);
  return issues;
}

/**
 * Cycles among known steps (self-dependencies are reported on their own), each as the path from a
 * step back to itself. Iterative DFS so that a 10,000-step chain does not overflow the stack.
 */
function findCycles(steps: readonly DagNode[], ids: ReadonlySet<string>): string[][] {
  const edges = new Map<string, string[]>();
  for (const step of steps) {
    if (edges.has(step.id)) continue; // a repeated id is already reported
    edges.set(
      step.id,
      step.dependsOn.filter((dependency) => dependency !== step.id && ids.has(dependency)),
    );
  }
  const color = new Map<string, 1 | 2>(); // 1: on the current path, 2: done
  const cycles: string[][] = [];
  for (const root of edges.keys()) {
    if (color.has(root)) continue;
    const path: string[] = [root];
    const next: number[] = [0];
    color.set(root, 1);
    while (path.length > 0) {
      const top = path.length - 1;
      const id = path[top] as string;
      const out = edges.get(id) ?? [];
      const i = next[top] as number;
      if (i >= out.length) {
        color.set(id, 2);
        path.pop();
        next.pop();
        continue;
      }
      next[top] = i + 1;
      const dependency = out[i] as string;
      const seen = color.get(dependency);
      if (seen === undefined) {
        color.set(dependency, 1);
        path.push(dependency);
        next.push(0);
      } else if (seen === 1 && cycles.length < MAX_CYCLES_REPORTED) {
        cycles.push([...path.slice(path.indexOf(dependency)), dependency]);
      }
    }
  }
  return cycles;
}

/** The DAG of valid steps; throws WorkflowDefinitionError listing every problem otherwise. */
export function buildDag(steps: readonly DagNode[]): Dag {
  const issues = dagIssues(steps);
  if (issues.length > 0) throw new WorkflowDefinitionError(issues);
  const ids = steps.map((step) => step.id);
  const dependsOn = new Map<string, readonly string[]>();
  const dependents = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const step of steps) {
    const unique = [...new Set(step.dependsOn)];
    dependsOn.set(step.id, unique);
    for (const dependency of unique) dependents.get(dependency)?.push(step.id);
  }
  return { ids, dependsOn, dependents };
}

/**
 * Steps by level: level 0 depends on nothing, a step's level is one more than its deepest
 * dependency's. Steps of one level never depend on each other; within a level, definition order.
 */
export function topologicalLevels(dag: Dag): string[][] {
  const level = new Map<string, number>();
  const levels: string[][] = [];
  for (const id of topologicalOrder(dag)) {
    let mine = 0;
    for (const dependency of dag.dependsOn.get(id) ?? []) {
      mine = Math.max(mine, (level.get(dependency) ?? 0) + 1);
    }
    level.set(id, mine);
  }
  for (const id of dag.ids) {
    const mine = level.get(id) ?? 0;
    while (levels.length <= mine) levels.push([]);
    levels[mine]?.push(id);
  }
  return levels;
}

/** Every step after all of its dependencies (Kahn's algorithm; ties in definition order). */
export function topologicalOrder(dag: Dag): string[] {
  const waiting = new Map<string, number>();
  const order: string[] = [];
  for (const id of dag.ids) {
    const count = dag.dependsOn.get(id)?.length ?? 0;
    waiting.set(id, count);
    if (count === 0) order.push(id);
  }
  for (let i = 0; i < order.length; i++) {
    for (const dependent of dag.dependents.get(order[i] as string) ?? []) {
      const left = (waiting.get(dependent) ?? 0) - 1;
      waiting.set(dependent, left);
      if (left === 0) order.push(dependent);
    }
  }
  return order;
}

/**
 * The longest chain of dependent steps, weighted by their durations: the least wall time the
 * workflow can take with unlimited parallelism and a free scheduler. Ties go to the step listed first.
 */
export function criticalPath(
  dag: Dag,
  durationOf: (stepId: string) => number,
): { durationMs: number; path: string[] } {
  const finish = new Map<string, number>();
  const via = new Map<string, string>();
  for (const id of topologicalOrder(dag)) {
    let start = 0;
    let from: string | undefined;
    for (const dependency of dag.dependsOn.get(id) ?? []) {
      const at = finish.get(dependency) ?? 0;
      if (from === undefined || at > start) {
        start = at;
        from = dependency;
      }
    }
    if (from !== undefined) via.set(id, from);
    finish.set(id, start + durationOf(id));
  }
  let end: string | undefined;
  for (const id of dag.ids) {
    if (end === undefined || (finish.get(id) ?? 0) > (finish.get(end) ?? 0)) end = id;
  }
  const path: string[] = [];
  for (let id = end; id !== undefined; id = via.get(id)) path.push(id);
  return { durationMs: end === undefined ? 0 : (finish.get(end) ?? 0), path: path.reverse() };
}

/** Whether a pending step has every dependency succeeded. */
export function isReady(dag: Dag, states: StepStates, stepId: string): boolean {
  if (states.get(stepId) !== "pending") return false;
  for (const dependency of dag.dependsOn.get(stepId) ?? []) {
    if (states.get(dependency) !== "succeeded") return false;
  }
  return true;
}

/** Pending steps whose dependencies all succeeded: they may start now. Definition order. */
export function readySteps(dag: Dag, states: StepStates): string[] {
  return dag.ids.filter((id) => isReady(dag, states, id));
}

/**
 * The steps that became ready because `finishedId` succeeded: what to schedule after one step,
 * in time proportional to its dependents rather than to the whole DAG.
 */
export function newlyReady(dag: Dag, states: StepStates, finishedId: string): string[] {
  if (states.get(finishedId) !== "succeeded") return [];
  return (dag.dependents.get(finishedId) ?? []).filter((id) => isReady(dag, states, id));
}

/** Every step that depends on `stepId`, directly or through others, in topological order. */
export function dependentsClosure(dag: Dag, stepId: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const queue = [...(dag.dependents.get(stepId) ?? [])];
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i] as string;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push(id);
    queue.push(...(dag.dependents.get(id) ?? []));
  }
  const position = new Map(topologicalOrder(dag).map((id, index) => [id, index]));
  return out.sort((a, b) => (position.get(a) ?? 0) - (position.get(b) ?? 0));
}

/**
 * Pending steps that can never run: some dependency, directly or through other steps, ended
 * failed, skipped or cancelled. Topological order.
 */
export function blockedSteps(dag: Dag, states: StepStates): string[] {
  const blocked = new Set<string>();
  for (const id of topologicalOrder(dag)) {
    if (states.get(id) !== "pending") continue;
    for (const dependency of dag.dependsOn.get(id) ?? []) {
      const state = states.get(dependency);
      if (state === "failed" || state === "skipped" || state === "cancelled" || blocked.has(dependency)) {
        blocked.add(id);
        break;
      }
    }
  }
  return [...blocked];
}
