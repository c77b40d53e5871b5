/**
 * Orders items by numeric keys, lowest first, ties in turn order starting at `start`
 * (start, start + 1, …, wrapping): the fair tie-break of the router. A stable merge sort on
 * typed index arrays, because Array.prototype.sort with a comparator spent more time in
 * comparator calls than the whole cost model at 100 nodes; the scratch arrays are reused
 * across calls so that a decision allocates only its result.
 */
const RUN = 16;

let from = new Uint32Array(64);
let to = new Uint32Array(64);

export function orderByKey<T>(items: readonly T[], keys: Float64Array, start: number): T[] {
  const count = items.length;
  if (from.length < count) {
    from = new Uint32Array(count * 2);
    to = new Uint32Array(count * 2);
  }
  const offset = count === 0 ? 0 : ((start % count) + count) % count;
  for (let i = 0; i < count; i++) from[i] = (offset + i) % count;
  for (let lo = 0; lo < count; lo += RUN) insertionSort(from, keys, lo, Math.min(lo + RUN, count));
  for (let width = RUN; width < count; width *= 2) {
    for (let lo = 0; lo < count; lo += 2 * width) {
      merge(from, to, keys, lo, Math.min(lo + width, count), Math.min(lo + 2 * width, count));
    }
    [from, to] = [to, from];
  }
  const ordered: T[] = new Array(count);
  for (let i = 0; i < count; i++) ordered[i] = items[from[i] ?? 0] as T;
  return ordered;
}

/** Stable: an entry moves left only past strictly greater keys. */
function insertionSort(order: Uint32Array, keys: Float64Array, lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const index = order[i] ?? 0;
    const key = keys[index] ?? 0;
    let j = i - 1;
    while (j >= lo && (keys[order[j] ?? 0] ?? 0) > key) {
      order[j + 1] = order[j] ?? 0;
      j--;
    }
    order[j + 1] = index;
  }
}

/** Merges the sorted runs [lo, mid) and [mid, hi) of `source` into `target`; ties take the left. */
function merge(
  source: Uint32Array,
  target: Uint32Array,
  keys: Float64Array,
  lo: number,
  mid: number,
  hi: number,
) {
  let left = lo;
  let right = mid;
  for (let k = lo; k < hi; k++) {
    const a = source[left] ?? 0;
    const b = source[right] ?? 0;
    if (left < mid && (right >= hi || (keys[a] ?? 0) <= (keys[b] ?? 0))) {
      target[k] = a;
      left++;
    } else {
      target[k] = b;
      right++;
    }
  }
}
