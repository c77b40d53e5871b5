/**
 * `keep_alive` as Ollama reads it (api.Duration): a number is seconds, a string is a Go duration
 * ("5m", "1h30m", "250ms"); any negative value means "keep loaded forever". Invalid strings fail
 * with Go's own wording, because Ollama passes that error straight to the client as a 400.
 */

/** Milliseconds a model stays loaded after its last request; Infinity = forever. */
export type KeepAliveMs = number;

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

export class KeepAliveError extends Error {}

/** Parses a Go duration string into milliseconds (may be negative). Throws KeepAliveError. */
export function parseGoDuration(text: string): number {
  const invalid = () => new KeepAliveError(`time: invalid duration "${text}"`);
  let rest = text;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    sign = rest.startsWith("-") ? -1 : 1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") throw invalid();
  let total = 0;
  const part = /^(\d+(?:\.\d*)?|\.\d+)([a-zµμ]*)/;
  while (rest.length > 0) {
    const match = part.exec(rest);
    if (!match) throw invalid();
    const [whole, amount, unit] = match as unknown as [string, string, string];
    if (unit === "") throw new KeepAliveError(`time: missing unit in duration "${text}"`);
    const unitMs = UNIT_MS[unit];
    if (unitMs === undefined) throw new KeepAliveError(`time: unknown unit "${unit}" in duration "${text}"`);
    total += Number(amount) * unitMs;
    rest = rest.slice(whole.length);
  }
  return sign * total;
}

/**
 * The keep-alive a request asks for, in ms. `undefined` (field absent) gives the node default.
 * Numbers are whole seconds (Ollama truncates fractions); negatives mean forever.
 */
export function parseKeepAlive(value: string | number | undefined, fallbackMs: KeepAliveMs): KeepAliveMs {
  if (value === undefined) return fallbackMs;
  const ms = typeof value === "number" ? Math.trunc(value) * 1000 : parseGoDuration(value);
  if (ms < 0 || (typeof value === "number" && value < 0)) return Number.POSITIVE_INFINITY;
  return ms;
}

/** True when the request explicitly asks to unload now (`keep_alive: 0` or `"0s"`). */
export function isUnloadRequest(value: string | number | undefined): boolean {
  if (value === undefined) return false;
  return parseKeepAlive(value, 1) === 0;
}
