/**
 * Seeded randomness for the simulator. Everything the sim decides "at random" (output text,
 * lengths, fault probabilities) draws from these, so a run is reproducible from its seeds.
 */
import { createHash } from "node:crypto";
import { seededRandom } from "../random/seeded-random.js";

/** 32-bit FNV-1a hash of a string: cheap, stable across runs and platforms. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** Hex sha256 of a string; used for model and layer digests that look like Ollama's. */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Draws for the simulation from one seeded stream (mulberry32), fully deterministic. */
export class Rng {
  /** A float in [0, 1). */
  readonly next: () => number;

  constructor(seed: number) {
    this.next = seededRandom(seed);
  }

  /** An integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    if (max <= min) return min;
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** A float in [min, max). */
  float(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("Rng.pick needs a non-empty list");
    return items[Math.floor(this.next() * items.length)] as T;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** A fresh 32-bit seed, to derive an independent stream from this one. */
  fork(): number {
    return Math.floor(this.next() * 4294967296) >>> 0;
  }
}
