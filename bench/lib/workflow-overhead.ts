/**
 * The workflow engine's overhead per step, shared by bench/workflow.ts and bench/orchestrate.ts:
 * wall time of whole runs of no-op steps / steps, concurrency 8, median of `reps` runs after one
 * warm-up run, over three shapes (a chain, independent steps, 10 layers).
 */
import { seededRandom } from "../../src/random/seeded-random.js";
import { WorkflowEngine } from "../../src/workflow/engine.js";
import type { RunStore } from "../../src/workflow/run-log.js";
import type { StepDefinition, WorkflowDefinition } from "../../src/workflow/types.js";
import { log, median, round } from "./stats.js";

export interface OverheadResult {
  shape: string;
  steps: number;
  runs: number;
  wall_ms: number[];
  median_ms_per_step: number;
  best_ms_per_step: number;
}

export function chain(count: number, run: string): StepDefinition[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `s${i}`,
    run,
    dependsOn: i === 0 ? [] : [`s${i - 1}`],
  }));
}

export function wide(count: number, run: string): StepDefinition[] {
  return Array.from({ length: count }, (_, i) => ({ id: `s${i}`, run }));
}

/** `layers` layers of `width` steps; each step depends on two steps of the layer before. */
export function layered(layers: number, width: number, run: string, random: () => number): StepDefinition[] {
  const steps: StepDefinition[] = [];
  for (let layer = 0; layer < layers; layer++) {
    for (let i = 0; i < width; i++) {
      const dependsOn =
        layer === 0
          ? []
          : [
              ...new Set([
                `l${layer - 1}-${Math.floor(random() * width)}`,
                `l${layer - 1}-${Math.floor(random() * width)}`,
              ]),
            ];
      steps.push({ id: `l${layer}-${i}`, run, dependsOn });
    }
  }
  return steps;
}

/**
 * Runs each shape of `steps` no-op steps `reps` times on an engine over `store` (which the caller
 * opens and closes), logging one line per shape prefixed by `label`.
 */
export async function measureOverhead(
  store: RunStore,
  label: string,
  steps: number,
  reps: number,
): Promise<OverheadResult[]> {
  const engine = new WorkflowEngine({ store, concurrency: 8 });
  engine.register("noop", () => null);
  const layers = 10;
  const shapes: { shape: string; steps: StepDefinition[] }[] = [
    { shape: "chain", steps: chain(steps, "noop") },
    { shape: "independent", steps: wide(steps, "noop") },
    { shape: `${layers} layers`, steps: layered(layers, Math.ceil(steps / layers), "noop", seededRandom(3)) },
  ];
  const results: OverheadResult[] = [];
  try {
    for (const { shape, steps: definitionSteps } of shapes) {
      const definition: WorkflowDefinition = { name: `overhead-${shape}`, steps: definitionSteps };
      // One warm-up run: JIT, prepared statements, page cache.
      await engine.wait(await engine.start(definition));
      const wall: number[] = [];
      for (let rep = 0; rep < reps; rep++) {
        const started = performance.now();
        const result = await engine.wait(await engine.start(definition));
        wall.push(performance.now() - started);
        if (result.state !== "succeeded") throw new Error(`${label} ${shape}: run ${result.state}`);
      }
      const count = definitionSteps.length;
      const entry: OverheadResult = {
        shape,
        steps: count,
        runs: wall.length,
        wall_ms: wall.map((ms) => round(ms, 1)),
        median_ms_per_step: round(median(wall) / count),
        best_ms_per_step: round(Math.min(...wall) / count),
      };
      results.push(entry);
      log(
        `  ${label} ${shape}: ${entry.median_ms_per_step} ms/step (median of ${wall.length} runs of ${count} steps; best ${entry.best_ms_per_step})`,
      );
    }
  } finally {
    await engine.close();
  }
  return results;
}
