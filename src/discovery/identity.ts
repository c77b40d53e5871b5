/**
 * Which URLs name the same Ollama node, so that a scan does not add the local Ollama a second
 * time under another spelling (`localhost`, `127.0.0.1`, `[::1]`, `0.0.0.0`, or this machine's
 * LAN address, which is what a scan of the LAN finds it under).
 *
 * Why these and not all of 127.0.0.0/8: Ollama binds 127.0.0.1 by default, and a server bound
 * to 0.0.0.0 answers on every one of the spellings above. But on Linux every 127.x.y.z is its own
 * bind address: two servers can listen on 127.0.0.2:11434 and 127.0.0.3:11434 at once (that is
 * how the simulated clusters in the tests run), so those stay distinct. The cost of this rule:
 * a second server bound only to the LAN address, beside a local Ollama bound only to loopback,
 * on the same port, would be taken for the same node. That setup is rare; listing the local
 * Ollama twice (and sending it double the share of traffic) would not be.
 */
import { hostname, networkInterfaces } from "node:os";
import { normalizeNodeUrl } from "../config/node-url.js";

/** Names that reach this machine's default listener whatever its interfaces are. */
const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "0.0.0.0", "::", "::ffff:127.0.0.1"]);

/** The marker that replaces the host in the identity of anything on this machine. */
export const LOCAL_HOST = "local";

/**
 * This machine's own addresses (every interface, IPv4 and IPv6) and its host name, lower case,
 * without brackets. Read once per scan or service: interfaces change rarely and this is cheap.
 */
export function localAddresses(): Set<string> {
  const addresses = new Set<string>([hostname().toLowerCase()]);
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) addresses.add(entry.address.toLowerCase());
  }
  return addresses;
}

/**
 * A key equal for two URLs exactly when they reach the same node: `local:11434` for this
 * machine, `192.168.1.7:11434` or `[fd00::7]:11434` otherwise, with default ports filled in
 * the way `normalizeNodeUrl` does (a bare host is Ollama's 11434; http 80, https 443) and a
 * path prefix kept (two proxied nodes behind one host differ by path). Throws ConfigError for a
 * URL that is not one.
 */
export function nodeIdentity(url: string, local: ReadonlySet<string> = new Set()): string {
  const parsed = new URL(normalizeNodeUrl(url));
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  const port = parsed.port || (parsed.protocol === "https:" ? "443" : "80");
  const path = parsed.pathname === "/" ? "" : parsed.pathname;
  const who = isLocalHost(host, local) ? LOCAL_HOST : host.includes(":") ? `[${host}]` : host;
  return `${who}:${port}${path}`;
}

/** True when `host` (no brackets) is this machine under one of its names. */
export function isLocalHost(host: string, local: ReadonlySet<string> = new Set()): boolean {
  const name = host.toLowerCase().replace(/\.$/, "");
  return LOOPBACK.has(name) || name.endsWith(".localhost") || local.has(name);
}

/** Whether two URLs reach the same node (see `nodeIdentity`). */
export function sameNode(a: string, b: string, local: ReadonlySet<string> = new Set()): boolean {
  return nodeIdentity(a, local) === nodeIdentity(b, local);
}

/** The node among `nodes` that `url` reaches, under whatever spelling (see `nodeIdentity`). */
export function findSameNode<T extends { url: string }>(
  nodes: readonly T[],
  url: string,
  local: ReadonlySet<string> = new Set(),
): T | undefined {
  const identity = nodeIdentity(url, local);
  return nodes.find((node) => nodeIdentity(node.url, local) === identity);
}
