/**
 * The arithmetic of the vector index, pure: validating and normalising vectors, their float32
 * byte form (what sqlite-vec and the PostgreSQL log store), and the cosine similarity of two unit
 * vectors from their Euclidean distance.
 *
 * Vectors are stored normalised to unit length. Then ranking by Euclidean distance is ranking by
 * cosine similarity (|a-b|² = 2 - 2·cos for unit a, b), and sqlite-vec's L2 scan is cheaper than
 * its cosine scan (no norms to compute per row), so the index uses L2 and reports cosine.
 */
import { VectorValueError } from "./errors.js";

/** Below this norm a vector has no direction: it cannot be compared by angle. */
const MIN_NORM = 1e-12;

/** A unit-length float32 copy of `values`; refuses NaN, infinities and all-zero vectors. */
export function toUnitVector(values: ArrayLike<number>): Float32Array {
  if (values.length === 0) throw new VectorValueError("it is empty; send at least one number");
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isFinite(v)) {
      throw new VectorValueError(`component ${i} is ${String(v)}; every component must be a finite number`);
    }
    sum += v * v;
  }
  const norm = Math.sqrt(sum);
  if (norm < MIN_NORM) {
    throw new VectorValueError(
      "all components are zero, so it has no direction to compare; embed a non-empty text",
    );
  }
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = (values[i] as number) / norm;
  return out;
}

/** The float32 bytes of a vector (platform order, little-endian on every machine Hydra runs on). */
export function vectorToBytes(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

/** A vector back from its bytes; copied, because a Buffer's offset need not be 4-byte aligned. */
export function bytesToVector(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) {
    throw new VectorValueError(`${bytes.byteLength} bytes is not a whole number of float32 values`);
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

/** Cosine similarity of two unit vectors whose Euclidean distance is `distance`, within [-1, 1]. */
export function cosineFromUnitDistance(distance: number): number {
  return Math.max(-1, Math.min(1, 1 - (distance * distance) / 2));
}

export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}
