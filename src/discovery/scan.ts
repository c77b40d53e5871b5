/**
 * One network scan: every host of the targets on every port, probed by a fixed number of
 * workers pulling from one lazy iterator (a /16 on three ports is 196,605 probes; they are never
 * all in memory as promises at once), each Ollama found reported once per node identity.
 */
import { setMaxListeners } from "node:events";
import { ConfigError } from "../errors.js";
import { expandTarget, hostForUrl, parseIpv4, parseTargets } from "./cidr.js";
import { localAddresses, nodeIdentity } from "./identity.js";
import { type DiscoveredNode, type ProbeFn, probeOllama } from "./probe.js";

export interface ScanProgress {
  /** Probes finished so far. */
  probed: number;
  /** Probes this scan makes in all (hosts × ports). */
  total: number;
  /** Distinct nodes found so far. */
  found: number;
}

export interface ScanOptions {
  /** CIDR ranges, addresses or host names (see cidr.ts); all are checked before any probe. */
  targets: readonly string[];
  ports: readonly number[];
  /** Probes in flight at once. */
  concurrency: number;
  /** Deadline of one probe. */
  timeoutMs: number;
  /** Aborting stops the scan: probes in flight end, no new one starts, the scan rejects with the reason. */
  signal?: AbortSignal;
  /** Called after each probe. */
  onProgress?: (progress: ScanProgress) => void;
  /** Called as soon as a node is found, the first time its identity is seen (a long scan reports early). */
  onFound?: (node: DiscoveredNode) => void;
  /** This machine's addresses, for identity (default: read from the interfaces). */
  localAddresses?: ReadonlySet<string>;
  /** Default: HTTP probe of /api/version and /api/tags. */
  probe?: ProbeFn;
}

/** What a scan will probe: the distinct hosts of the targets in the order given, and the port list. */
export interface ScanPlan {
  hosts: string[];
  ports: number[];
  total: number;
}

/**
 * Checks the targets and ports and lists the hosts (each once, even where ranges overlap).
 * Throws ConfigError on a bad target or port.
 */
export function planScan(targets: readonly string[], ports: readonly number[]): ScanPlan {
  const parsed = parseTargets(targets);
  if (ports.length === 0) throw new ConfigError("no port to scan: give at least one, e.g. 11434");
  for (const port of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new ConfigError(`${port} is not a port to scan: give a whole number 1-65535, e.g. 11434`);
  }
  const hosts = new Set<string>();
  for (const target of parsed) for (const host of expandTarget(target)) hosts.add(host);
  const uniquePorts = [...new Set(ports)];
  return { hosts: [...hosts], ports: uniquePorts, total: hosts.size * uniquePorts.length };
}

/** Scans and resolves the Ollama nodes found, sorted by address then port, one per node identity. */
export async function scanNetwork(options: ScanOptions): Promise<DiscoveredNode[]> {
  const { concurrency, timeoutMs, signal } = options;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new ConfigError(`concurrency ${concurrency} must be a whole number >= 1`);
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new ConfigError(`timeout ${timeoutMs} must be a number of milliseconds > 0`);
  const plan = planScan(options.targets, options.ports);
  signal?.throwIfAborted();
  const probe = options.probe ?? probeOllama;
  const local = options.localAddresses ?? localAddresses();

  // The first spelling in target order wins ("localhost" before "127.0.0.1" when given so),
  // whichever probe happened to answer first.
  const byIdentity = new Map<string, { order: number; node: DiscoveredNode }>();
  const work = workItems(plan);
  // A worker's failure (a throwing onProgress) stops the others, then is rethrown.
  const stop = new AbortController();
  // Every probe in flight listens on it; that many listeners is the design, not a leak.
  setMaxListeners(concurrency + 1, stop.signal);
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener("abort", onAbort, { once: true });
  let probed = 0;

  const worker = async () => {
    for (let next = work.next(); !next.done && !stop.signal.aborted; next = work.next()) {
      const { order, url } = next.value;
      let node: DiscoveredNode | undefined;
      try {
        node = await probe(url, { timeoutMs, signal: stop.signal });
      } catch {
        node = undefined;
      }
      probed++;
      if (node !== undefined && !stop.signal.aborted) {
        const identity = nodeIdentity(node.url, local);
        const seen = byIdentity.get(identity);
        if (seen === undefined || order < seen.order) byIdentity.set(identity, { order, node });
        if (seen === undefined) options.onFound?.(node);
      }
      options.onProgress?.({ probed, total: plan.total, found: byIdentity.size });
    }
  };

  try {
    const results = await Promise.allSettled(
      Array.from({ length: Math.min(concurrency, plan.total) }, () =>
        worker().catch((error: unknown) => {
          stop.abort(error);
          throw error;
        }),
      ),
    );
    const failed = results.find((result) => result.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    signal?.throwIfAborted();
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  return [...byIdentity.values()].map((entry) => entry.node).sort(compareNodes);
}

function* workItems(plan: ScanPlan): Generator<{ order: number; url: string }> {
  let order = 0;
  for (const host of plan.hosts) {
    for (const port of plan.ports) yield { order: order++, url: `http://${hostForUrl(host)}:${port}` };
  }
}

/** Address order: IPv4 numerically, then IPv6, then host names; then by port. */
export function compareNodes(a: DiscoveredNode, b: DiscoveredNode): number {
  const left = sortKey(a.url);
  const right = sortKey(b.url);
  return (
    left.family - right.family ||
    (left.family === 0 ? left.numeric - right.numeric : left.host.localeCompare(right.host)) ||
    left.port - right.port ||
    a.url.localeCompare(b.url)
  );
}

function sortKey(url: string): { family: number; numeric: number; host: string; port: number } {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[(.*)\]$/, "$1");
  const numeric = parseIpv4(host);
  const port = Number(parsed.port || (parsed.protocol === "https:" ? 443 : 80));
  if (numeric !== undefined) return { family: 0, numeric, host, port };
  return { family: host.includes(":") ? 1 : 2, numeric: 0, host, port };
}
