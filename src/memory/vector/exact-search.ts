/**
 * Exact nearest neighbours in plain JavaScript: every vector compared with the query. The
 * reference the index is checked against (tests) and measured against (recall in the benchmark).
 */
export interface ScoredId {
  id: string;
  /** Cosine similarity (the vectors are unit length, so the dot product). */
  score: number;
}

/** Unit vectors laid end to end, `dimension` floats each, with their ids. */
export interface FlatVectors {
  ids: readonly string[];
  data: Float32Array;
  dimension: number;
}

/**
 * The k entries most similar to the unit vector `query`, best first (ties by id, so the order is
 * stable); `accept` leaves entries out by position.
 */
export function exactTopK(
  vectors: FlatVectors,
  query: Float32Array,
  k: number,
  accept?: (position: number) => boolean,
): ScoredId[] {
  const { ids, data, dimension } = vectors;
  // A bounded list kept sorted worst-first: k is small, so insertion beats sorting every score.
  const best: { position: number; score: number }[] = [];
  for (let position = 0; position < ids.length; position++) {
    if (accept !== undefined && !accept(position)) continue;
    const offset = position * dimension;
    let score = 0;
    for (let j = 0; j < dimension; j++) score += (data[offset + j] as number) * (query[j] as number);
    if (best.length === k && score <= (best[0] as { score: number }).score) continue;
    let at = 0;
    while (at < best.length && (best[at] as { score: number }).score < score) at++;
    best.splice(at, 0, { position, score });
    if (best.length > k) best.shift();
  }
  return best
    .reverse()
    .map(({ position, score }) => ({ id: ids[position] as string, score }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Share of `exact`'s ids that `found` has too (recall@k). */
export function recallAt(found: readonly { id: string }[], exact: readonly { id: string }[]): number {
  if (exact.length === 0) return 1;
  const wanted = new Set(exact.map((hit) => hit.id));
  let hits = 0;
  for (const hit of found) if (wanted.has(hit.id)) hits++;
  return hits / wanted.size;
}
