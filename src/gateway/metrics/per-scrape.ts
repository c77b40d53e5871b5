/**
 * One reading shared by the gauges of one scrape. prom-client calls every metric's `collect`
 * in the same synchronous turn, so a value kept until the next microtask is read once per
 * scrape, while a lone metric read later still gets a fresh one.
 */
export function perScrape<T>(read: () => T): () => T {
  let cached: { value: T } | undefined;
  return () => {
    if (cached === undefined) {
      cached = { value: read() };
      queueMicrotask(() => {
        cached = undefined;
      });
    }
    return cached.value;
  };
}
