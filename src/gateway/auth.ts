/**
 * Optional API keys. When `auth.keys` is set, every route but the liveness ones
 * needs `Authorization: Bearer <key>`.
 */
import { timingSafeEqual } from "node:crypto";
import type { FastifyInstance } from "fastify";
import { UnauthorizedError } from "../errors.js";

const PUBLIC_PATHS = ["/", "/health", "/dashboard", "/dashboard/"];
/** The dashboard's static files are public: the page asks for a key when the API needs one. */
const PUBLIC_PREFIXES = ["/dashboard/assets/"];

/** Admin actions take their key in this header (or as the bearer key). */
export const ADMIN_KEY_HEADER = "x-hydra-admin-key";

/** `selfAuthenticated`: routes that check credentials of their own (agents sign their requests). */
export function installAuth(
  app: FastifyInstance,
  keys: readonly string[],
  selfAuthenticated: readonly string[] = [],
): void {
  if (keys.length === 0) return;
  const accepts = keyMatcher(keys);
  const exempt = new Set([...PUBLIC_PATHS, ...selfAuthenticated]);
  app.addHook("onRequest", async (request) => {
    const path = request.url.split("?", 1)[0] ?? "";
    if (exempt.has(path) || PUBLIC_PREFIXES.some((prefix) => path.startsWith(prefix))) return;
    const header = request.headers.authorization;
    const adminKey = request.headers[ADMIN_KEY_HEADER];
    const presented = header?.startsWith("Bearer ")
      ? header.slice(7).trim()
      : typeof adminKey === "string"
        ? adminKey.trim()
        : undefined;
    if (presented === undefined) throw new UnauthorizedError();
    if (!accepts(presented)) {
      throw new UnauthorizedError("invalid API key: use one of the keys in auth.keys");
    }
  });
}

/** Whether a presented key is one of `keys`, compared in constant time. */
export function keyMatcher(keys: readonly string[]): (presented: string) => boolean {
  const accepted = keys.map((key) => Buffer.from(key));
  return (presented) => {
    const candidate = Buffer.from(presented);
    return accepted.some((key) => key.length === candidate.length && timingSafeEqual(key, candidate));
  };
}

/** Loopback addresses are private to this machine; anything else is reachable by others. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || host.startsWith("127.");
}
