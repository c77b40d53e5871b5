/**
 * The TypeScript compiler API, loaded on first use: it is large (tens of MB, a few hundred ms
 * to load), and a gateway that never synthesizes code should not pay for it at start-up.
 */
import { createRequire } from "node:module";
import type * as TS from "typescript";

let loaded: typeof TS | undefined;

export function typescript(): typeof TS {
  if (loaded === undefined) {
    // createRequire gives a synchronous load, so callers stay synchronous (parsing is pure).
    loaded = createRequire(import.meta.url)("typescript") as typeof TS;
  }
  return loaded;
}
