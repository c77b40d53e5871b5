/**
 * Python's `difflib.SequenceMatcher(None, a, b).ratio()` on strings, reproduced exactly
 * (Ratcliff/Obershelp matching with difflib's "autojunk" heuristic), because the original
 * Hydra grouped candidate code by this ratio and the line-vote baseline must group the same
 * way to be a fair reproduction. Pure.
 */

interface Match {
  a: number;
  b: number;
  size: number;
}

/** difflib's b2j with autojunk: characters of b → their positions, popular ones dropped when len(b) ≥ 200. */
function indexB(b: string): Map<string, number[]> {
  const b2j = new Map<string, number[]>();
  for (let j = 0; j < b.length; j++) {
    const c = b[j] as string;
    const list = b2j.get(c);
    if (list === undefined) b2j.set(c, [j]);
    else list.push(j);
  }
  const n = b.length;
  if (n >= 200) {
    const ntest = Math.floor(n / 100) + 1;
    for (const [c, list] of b2j) if (list.length > ntest) b2j.delete(c);
  }
  return b2j;
}

function findLongestMatch(
  a: string,
  b: string,
  b2j: Map<string, number[]>,
  alo: number,
  ahi: number,
  blo: number,
  bhi: number,
): Match {
  let besti = alo;
  let bestj = blo;
  let bestsize = 0;
  let j2len = new Map<number, number>();
  for (let i = alo; i < ahi; i++) {
    const next = new Map<number, number>();
    for (const j of b2j.get(a[i] as string) ?? []) {
      if (j < blo) continue;
      if (j >= bhi) break;
      const k = (j2len.get(j - 1) ?? 0) + 1;
      next.set(j, k);
      if (k > bestsize) {
        besti = i - k + 1;
        bestj = j - k + 1;
        bestsize = k;
      }
    }
    j2len = next;
  }
  // Extend with equal characters on both sides (difflib does this for non-junk elements;
  // with no isjunk function, the popular characters are not "junk" here, so they extend too).
  while (besti > alo && bestj > blo && a[besti - 1] === b[bestj - 1]) {
    besti--;
    bestj--;
    bestsize++;
  }
  while (besti + bestsize < ahi && bestj + bestsize < bhi && a[besti + bestsize] === b[bestj + bestsize]) {
    bestsize++;
  }
  return { a: besti, b: bestj, size: bestsize };
}

/** Total size of difflib's matching blocks between a and b. */
function matchingCharacters(a: string, b: string): number {
  const b2j = indexB(b);
  const queue: [number, number, number, number][] = [[0, a.length, 0, b.length]];
  let total = 0;
  while (queue.length > 0) {
    const [alo, ahi, blo, bhi] = queue.pop() as [number, number, number, number];
    const m = findLongestMatch(a, b, b2j, alo, ahi, blo, bhi);
    if (m.size === 0) continue;
    total += m.size;
    if (alo < m.a && blo < m.b) queue.push([alo, m.a, blo, m.b]);
    if (m.a + m.size < ahi && m.b + m.size < bhi) queue.push([m.a + m.size, ahi, m.b + m.size, bhi]);
  }
  return total;
}

/** `difflib.SequenceMatcher(None, a, b).ratio()`: 2·matches / (len(a) + len(b)), 1 for two empty strings. */
export function sequenceRatio(a: string, b: string): number {
  const length = a.length + b.length;
  if (length === 0) return 1;
  return (2 * matchingCharacters(a, b)) / length;
}
