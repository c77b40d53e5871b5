/**
 * How long to wait before reconnect number `attempt` (1 for the first): doubling from `baseMs`
 * up to `maxMs`, with up to 25 % taken off at random so that many dashboards do not reconnect
 * in step after a gateway restart.
 */
export function reconnectDelayMs(
  attempt: number,
  random = Math.random,
  baseMs = 500,
  maxMs = 10_000,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(ceiling * (1 - 0.25 * random()));
}
