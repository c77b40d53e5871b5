/**
 * The index's vectors again, in WebAssembly memory, compared with a query by a SIMD kernel
 * (simd-dots.wat): still exact brute force, but about six times faster than sqlite-vec's scan,
 * whose prebuilt binary compares floats one at a time (no AVX). sqlite-vec stays the durable
 * copy and the fallback: this is rebuilt from it at open and kept in step after every commit.
 *
 * Memory: the query, then the vectors (each zero-padded to a multiple of 16 floats, which leaves
 * dot products unchanged), then one score per vector. Vectors never move when it grows (only the
 * scratch scores do); a removal moves the last vector into the freed slot. WebAssembly memory
 * stops at 4 GiB (about 1.3 million 768-dim vectors): past that, `set` throws and the index falls
 * back to sqlite-vec.
 */

/** simd-dots.wat, assembled. */
const DOTS_WASM =
  "AGFzbQEAAAABCQFgBX9/f39/AAMCAQAFAwEAAQcRAgZtZW1vcnkCAARkb3RzAAAKpgIBowICBH8EeyABIQYCQANAIAUgAk8NAf0MAAAAAAAAAAAAAAAAAAAAACEJ/QwAAAAAAAAAAAAAAAAAAAAAIQr9DAAAAAAAAAAAAAAAAAAAAAAhC/0MAAAAAAAAAAAAAAAAAAAAACEMIAAhByAGIANqIQgDQCAJIAb9AAQAIAf9AAQA/eYB/eQBIQkgCiAG/QAEECAH/QAEEP3mAf3kASEKIAsgBv0ABCAgB/0ABCD95gH95AEhCyAMIAb9AAQwIAf9AAQw/eYB/eQBIQwgBkHAAGohBiAHQcAAaiEHIAYgCEkNAAsgCSAK/eQBIAsgDP3kAf3kASEJIAQgCf0fACAJ/R8BkiAJ/R8CIAn9HwOSkjgCACAEQQRqIQQgBUEBaiEFDAALCws=";

const PAGE_BYTES = 65_536;
/** Floats per step of the kernel's inner loop (four f32x4). */
const LANE_FLOATS = 16;
const MIN_CAPACITY = 1_024;

type DotsKernel = (query: number, base: number, count: number, bytes: number, out: number) => void;

/**
 * Node has the WebAssembly global, but its types live in TypeScript's DOM library, which this
 * project does not compile against: the little used here, declared for this module.
 */
interface WasmModule {
  readonly __wasmModule: unique symbol;
}
interface WasmInstance {
  readonly exports: Record<string, unknown>;
}
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => WasmInstance;
};

let compiled: WasmModule | null | undefined;

/** The compiled kernel, or null where this runtime has no WebAssembly SIMD. */
function kernelModule(): WasmModule | null {
  if (compiled === undefined) {
    try {
      compiled = new WebAssembly.Module(Buffer.from(DOTS_WASM, "base64"));
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

export interface ScanHit {
  /** The vector's key (the index's rowid). */
  key: number;
  /** Dot product with the query: the cosine similarity, for unit vectors. */
  score: number;
}

export interface ScanFilter {
  /** Only vectors set with this tag. */
  tag?: number;
  /** Only vectors whose key is in the set. */
  keys?: ReadonlySet<number>;
}

export class SimdScanner {
  readonly dimension: number;
  /** Floats per stored vector (the dimension padded to a multiple of 16). */
  readonly #stride: number;
  readonly #memory: WasmMemory;
  readonly #dots: DotsKernel;
  /** Byte offset of the first vector (after the query). */
  readonly #vectorsAt: number;
  #floats: Float32Array;
  #capacity = 0;
  #count = 0;
  /** Per slot: the key and the tag. */
  #keys = new Float64Array(0);
  #tags = new Int32Array(0);
  readonly #slotOf = new Map<number, number>();

  private constructor(dimension: number, instance: WasmInstance) {
    this.dimension = dimension;
    this.#stride = Math.ceil(dimension / LANE_FLOATS) * LANE_FLOATS;
    this.#memory = instance.exports.memory as WasmMemory;
    this.#dots = instance.exports.dots as DotsKernel;
    this.#vectorsAt = Math.ceil((this.#stride * 4) / 64) * 64;
    this.#floats = new Float32Array(this.#memory.buffer);
  }

  /** A scanner for vectors of `dimension`, or undefined where WebAssembly SIMD is not available. */
  static create(dimension: number): SimdScanner | undefined {
    const module = kernelModule();
    if (module === null) return undefined;
    return new SimdScanner(dimension, new WebAssembly.Instance(module, {}));
  }

  get size(): number {
    return this.#count;
  }

  /** Bytes of WebAssembly memory held. */
  get bytes(): number {
    return this.#memory.buffer.byteLength;
  }

  /** Makes room for `count` vectors at once (loading a known number avoids repeated growth). */
  reserve(count: number): void {
    this.#ensureCapacity(count, count);
  }

  has(key: number): boolean {
    return this.#slotOf.has(key);
  }

  /** Adds the vector under `key`, or replaces it. `vector` must have the scanner's dimension. */
  set(key: number, vector: Float32Array, tag = 0): void {
    if (vector.length !== this.dimension) {
      throw new Error(`scanner holds ${this.dimension}-dim vectors, got ${vector.length}`);
    }
    let slot = this.#slotOf.get(key);
    if (slot === undefined) {
      this.#ensureCapacity(this.#count + 1);
      slot = this.#count++;
      this.#slotOf.set(key, slot);
      this.#keys[slot] = key;
    }
    this.#tags[slot] = tag;
    const at = this.#vectorsAt / 4 + slot * this.#stride;
    this.#floats.set(vector, at);
    this.#floats.fill(0, at + this.dimension, at + this.#stride);
  }

  remove(key: number): boolean {
    const slot = this.#slotOf.get(key);
    if (slot === undefined) return false;
    this.#slotOf.delete(key);
    const last = this.#count - 1;
    if (slot !== last) {
      const from = this.#vectorsAt / 4 + last * this.#stride;
      this.#floats.copyWithin(this.#vectorsAt / 4 + slot * this.#stride, from, from + this.#stride);
      const movedKey = this.#keys[last] as number;
      this.#keys[slot] = movedKey;
      this.#tags[slot] = this.#tags[last] as number;
      this.#slotOf.set(movedKey, slot);
    }
    this.#count = last;
    return true;
  }

  /** The k vectors with the largest dot product with `query` that pass `filter`, best first. */
  topK(query: Float32Array, k: number, filter: ScanFilter = {}): ScanHit[] {
    if (query.length !== this.dimension) {
      throw new Error(`scanner holds ${this.dimension}-dim vectors, got a ${query.length}-dim query`);
    }
    if (this.#count === 0 || k < 1) return [];
    this.#floats.set(query, 0);
    this.#floats.fill(0, this.dimension, this.#stride);
    const scoresAt = this.#scoresAt();
    this.#dots(0, this.#vectorsAt, this.#count, this.#stride * 4, scoresAt);
    const scores = new Float32Array(this.#memory.buffer, scoresAt, this.#count);
    const heap = new TopK(Math.min(k, this.#count));
    const { tag, keys } = filter;
    for (let slot = 0; slot < this.#count; slot++) {
      const score = scores[slot] as number;
      if (!heap.wants(score)) continue;
      if (tag !== undefined && this.#tags[slot] !== tag) continue;
      if (keys !== undefined && !keys.has(this.#keys[slot] as number)) continue;
      heap.push(score, slot);
    }
    return heap.sorted().map(({ score, slot }) => ({ key: this.#keys[slot] as number, score }));
  }

  clear(): void {
    this.#count = 0;
    this.#slotOf.clear();
  }

  #scoresAt(): number {
    return this.#vectorsAt + this.#capacity * this.#stride * 4;
  }

  #ensureCapacity(needed: number, exact?: number): void {
    if (needed <= this.#capacity) return;
    // Grow by a quarter: memory is never given back, so overshooting costs for good.
    const capacity = exact ?? Math.max(needed, Math.ceil(this.#capacity * 1.25), MIN_CAPACITY);
    const bytes = this.#vectorsAt + capacity * this.#stride * 4 + capacity * 4;
    const pages = Math.ceil(bytes / PAGE_BYTES) - this.#memory.buffer.byteLength / PAGE_BYTES;
    // Throws a RangeError past WebAssembly's 4 GiB: the caller falls back to sqlite-vec.
    if (pages > 0) this.#memory.grow(pages);
    this.#floats = new Float32Array(this.#memory.buffer);
    const keys = new Float64Array(capacity);
    keys.set(this.#keys.subarray(0, this.#count));
    const tags = new Int32Array(capacity);
    tags.set(this.#tags.subarray(0, this.#count));
    this.#keys = keys;
    this.#tags = tags;
    this.#capacity = capacity;
  }
}

/** The k largest scores seen, as a binary min-heap (the root is the worst kept). */
class TopK {
  readonly #k: number;
  readonly #scores: Float64Array;
  readonly #slots: Int32Array;
  #size = 0;

  constructor(k: number) {
    this.#k = k;
    this.#scores = new Float64Array(k);
    this.#slots = new Int32Array(k);
  }

  /** Whether a score would be kept (cheap test before the filter). */
  wants(score: number): boolean {
    return this.#size < this.#k || score > (this.#scores[0] as number);
  }

  push(score: number, slot: number): void {
    if (this.#size < this.#k) {
      let i = this.#size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if ((this.#scores[parent] as number) <= score) break;
        this.#scores[i] = this.#scores[parent] as number;
        this.#slots[i] = this.#slots[parent] as number;
        i = parent;
      }
      this.#scores[i] = score;
      this.#slots[i] = slot;
      return;
    }
    // Replace the root and sift down.
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.#size) break;
      const right = left + 1;
      const child =
        right < this.#size && (this.#scores[right] as number) < (this.#scores[left] as number) ? right : left;
      if ((this.#scores[child] as number) >= score) break;
      this.#scores[i] = this.#scores[child] as number;
      this.#slots[i] = this.#slots[child] as number;
      i = child;
    }
    this.#scores[i] = score;
    this.#slots[i] = slot;
  }

  sorted(): { score: number; slot: number }[] {
    const out: { score: number; slot: number }[] = [];
    for (let i = 0; i < this.#size; i++)
      out.push({ score: this.#scores[i] as number, slot: this.#slots[i] as number });
    return out.sort((a, b) => b.score - a.score);
  }
}
