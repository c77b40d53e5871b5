/**
 * Semantic search speed (L4): top-10 queries against an index of N random unit vectors in a
 * sqlite-vec file, each query timed on its own after a warm-up, on the one thread that runs them
 * (both engines are synchronous, so this is one core): first with sqlite-vec's own scan (the
 * fallback), then, reopened, with the default SIMD scan of the in-memory copy. Recall@10 is measured
 * against exact search in JavaScript on a sample of queries: both engines are exact (they compare
 * the query with every vector), so recall is 1.0 by construction, and the measurement checks it.
 *
 * Random vectors are the worst case for any index that is not brute force (no cluster structure
 * to exploit) and cost a brute-force scan exactly what real embeddings cost.
 * Called by bench/memory.ts, which writes the result under `search`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { exactTopK, recallAt, type ScoredId } from "../../src/memory/vector/exact-search.js";
import { randomUnitVectors, vectorAt } from "../../src/memory/vector/random-vectors.js";
import { VectorIndex } from "../../src/memory/vector/vector-index.js";

export interface VectorBenchOptions {
  /** Index sizes to measure (default 10 000 and 100 000). */
  sizes?: number[];
  /** Vector length (default 768, nomic-embed-text's). */
  dims?: number;
  /** Timed queries per size (default 200). */
  queries?: number;
  /** Queries whose results are compared with exact search (default 20). */
  recallQueries?: number;
  /** Folder for the index files (default: a new temporary folder, removed afterwards). */
  dir?: string;
  onProgress?(message: string): void;
}

export interface LatencySummary {
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

export interface VectorBenchSize {
  vectors: number;
  /** Inserting every vector into the sqlite-vec file. */
  buildMs: number;
  insertsPerSecond: number;
  /** Opening the file again, loading the in-memory copy the SIMD scan searches. */
  openMs: number;
  /** WebAssembly memory of that copy. */
  memoryBytes: number;
  /** Top-10 over the whole index, SIMD scan (the default engine). */
  search: LatencySummary;
  /** Top-10 within one namespace holding a tenth of the vectors (a filter applied in the scan). */
  filteredSearch: LatencySummary;
  recallAt10: number;
  /** Top-10 with sqlite-vec's own scan (the fallback engine). */
  sqliteVecSearch: LatencySummary;
  sqliteVecRecallAt10: number;
  recallQueries: number;
}

const K = 10;
/** sqlite-vec's scan is slower: fewer queries keep the default run short. */
const SQLITE_VEC_QUERIES = 100;
const WARMUP = 5;
const INSERT_BATCH = 1_000;
const NAMESPACES = 10;
/** The target: p99 ≤ 100 ms at 100k vectors on one core. */
const TARGET = { vectors: 100_000, p99Ms: 100 };

export async function runVectorBench(options: VectorBenchOptions = {}): Promise<object> {
  const sizes = options.sizes ?? [10_000, 100_000];
  const dims = options.dims ?? 768;
  const queries = options.queries ?? 200;
  const recallQueries = Math.min(options.recallQueries ?? 20, queries);
  const progress = options.onProgress ?? (() => {});
  const loadBefore = loadavg();
  const results: VectorBenchSize[] = [];
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "hydra-bench-vectors-"));
  try {
    for (const size of sizes)
      results.push(await measureSize(size, dims, queries, recallQueries, dir, progress));
  } finally {
    if (options.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
  const atTarget = results.find((result) => result.vectors === TARGET.vectors);
  return {
    engine:
      "exact brute force over float32 unit vectors: a WebAssembly SIMD scan of an in-memory copy (default), sqlite-vec 0.1.9 vec0 KNN (durable store and fallback)",
    exact: true,
    recallNote:
      "both engines compare the query with every stored vector (no approximate index), so recall@10 is 1.0 by construction; measured against exact search in JavaScript to check it",
    dims,
    k: K,
    queriesPerSize: queries,
    oneCore: "queries run one at a time on the main thread (better-sqlite3 is synchronous)",
    cpu: cpus()[0]?.model ?? "unknown",
    cores: cpus().length,
    loadAverage: { before: loadBefore.map(round2), after: loadavg().map(round2) },
    target: {
      ...TARGET,
      measuredP99Ms: atTarget?.search.p99Ms ?? null,
      met: atTarget === undefined ? null : atTarget.search.p99Ms <= TARGET.p99Ms,
    },
    sizes: results,
  };
}

async function measureSize(
  size: number,
  dims: number,
  queries: number,
  recallQueries: number,
  dir: string,
  progress: (message: string) => void,
): Promise<VectorBenchSize> {
  progress(`vectors: generating ${size} random ${dims}-dim unit vectors`);
  const data = randomUnitVectors(size, dims, 20_240 + size);
  const ids = Array.from({ length: size }, (_, i) => `v${i}`);
  const queryData = randomUnitVectors(queries + WARMUP, dims, 99_000 + size);
  const queryAt = (q: number) => vectorAt(queryData, dims, q);
  const exact: ScoredId[][] = [];
  for (let q = 0; q < recallQueries; q++)
    exact.push(exactTopK({ ids, data, dimension: dims }, queryAt(q), K));
  const file = join(dir, `vectors-${size}.db`);

  // sqlite-vec alone first (the fallback engine), building the file.
  const plain = VectorIndex.open({ file, model: "bench-random", accelerate: false });
  let buildMs: number;
  let sqliteVec: { search: LatencySummary; recall: number };
  try {
    const started = performance.now();
    for (let from = 0; from < size; from += INSERT_BATCH) {
      const to = Math.min(size, from + INSERT_BATCH);
      const batch = [];
      for (let i = from; i < to; i++) {
        batch.push({
          id: ids[i] as string,
          vector: vectorAt(data, dims, i),
          namespace: `ns${i % NAMESPACES}`,
        });
      }
      plain.add(batch);
      if (to % (size / 5) === 0 || to === size) progress(`vectors: ${size}: inserted ${to}`);
      // Let the progress line out between batches.
      await new Promise((resolve) => setImmediate(resolve));
    }
    buildMs = performance.now() - started;
    const plainQueries = Math.min(queries, SQLITE_VEC_QUERIES);
    progress(`vectors: ${size}: timing ${plainQueries} top-${K} searches with sqlite-vec's scan`);
    sqliteVec = timeSearches(plain, plainQueries, queryAt, exact);
  } finally {
    plain.close();
  }

  // Then the default engine: the same file, with the in-memory copy loaded at open.
  const openStarted = performance.now();
  const index = VectorIndex.open({ file, model: "bench-random" });
  try {
    const openMs = performance.now() - openStarted;
    progress(`vectors: ${size}: timing ${queries} top-${K} searches with the SIMD scan`);
    const simd = timeSearches(index, queries, queryAt, exact);
    const filteredTimes: number[] = [];
    for (let q = 0; q < Math.min(queries, 50); q++) {
      const t0 = performance.now();
      index.search(queryAt(q), K, { namespace: `ns${q % NAMESPACES}` });
      filteredTimes.push(performance.now() - t0);
    }
    const result: VectorBenchSize = {
      vectors: size,
      buildMs: Math.round(buildMs),
      insertsPerSecond: Math.round(size / (buildMs / 1000)),
      openMs: Math.round(openMs),
      memoryBytes: index.stats().memoryBytes,
      search: simd.search,
      filteredSearch: summarize(filteredTimes),
      recallAt10: simd.recall,
      sqliteVecSearch: sqliteVec.search,
      sqliteVecRecallAt10: sqliteVec.recall,
      recallQueries,
    };
    progress(
      `vectors: ${size}: SIMD p50 ${result.search.p50Ms} ms, p99 ${result.search.p99Ms} ms; sqlite-vec p50 ${result.sqliteVecSearch.p50Ms} ms, p99 ${result.sqliteVecSearch.p99Ms} ms; recall@${K} ${result.recallAt10} / ${result.sqliteVecRecallAt10}`,
    );
    return result;
  } finally {
    index.close();
  }
}

/** Times `count` top-k searches one by one after a warm-up; recall on the first `exact.length`. */
function timeSearches(
  index: VectorIndex,
  count: number,
  queryAt: (q: number) => Float32Array,
  exact: readonly ScoredId[][],
): { search: LatencySummary; recall: number } {
  for (let w = 0; w < WARMUP; w++) index.search(queryAt(count + w), K);
  const times: number[] = [];
  let recall = 0;
  for (let q = 0; q < count; q++) {
    const t0 = performance.now();
    const hits = index.search(queryAt(q), K);
    times.push(performance.now() - t0);
    const wanted = exact[q];
    if (wanted !== undefined) recall += recallAt(hits, wanted);
  }
  const checked = Math.min(count, exact.length);
  return { search: summarize(times), recall: checked === 0 ? 1 : round2(recall / checked) };
}

function summarize(times: number[]): LatencySummary {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
  const mean = sorted.reduce((sum, t) => sum + t, 0) / Math.max(1, sorted.length);
  return {
    p50Ms: round2(at(50)),
    p90Ms: round2(at(90)),
    p99Ms: round2(at(99)),
    maxMs: round2(at(100)),
    meanMs: round2(mean),
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
