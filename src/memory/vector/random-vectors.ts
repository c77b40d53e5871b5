/**
 * Random unit vectors from the project's seeded source, for tests and the benchmark: Gaussian
 * components (Box-Muller), so directions are uniform on the sphere, and the same seed gives the
 * same vectors, so a failure or a measurement can be replayed.
 */
import { seededRandom } from "../../random/seeded-random.js";

/** `count` unit vectors of `dimension` floats, end to end. */
export function randomUnitVectors(count: number, dimension: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const out = new Float32Array(count * dimension);
  for (let i = 0; i < count; i++) fillUnit(out, i * dimension, dimension, random);
  return out;
}

/** Vector `index` of a flat array, as a view (no copy). */
export function vectorAt(flat: Float32Array, dimension: number, index: number): Float32Array {
  return flat.subarray(index * dimension, (index + 1) * dimension);
}

function fillUnit(out: Float32Array, offset: number, dimension: number, random: () => number): void {
  let sum = 0;
  for (let j = 0; j < dimension; j++) {
    // 1 - u lies in (0, 1], so the log is finite.
    const g = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    out[offset + j] = g;
    sum += g * g;
  }
  const norm = Math.sqrt(sum);
  for (let j = 0; j < dimension; j++) out[offset + j] = (out[offset + j] as number) / norm;
}
