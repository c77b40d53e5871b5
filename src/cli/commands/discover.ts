/**
 * `hydra discover 192.168.1.0/24`: scans the given ranges for Ollama nodes and prints what it
 * found, with the hydra.yaml lines and --node flags that would use them.
 */
import { performance } from "node:perf_hooks";
import { stringify } from "yaml";
import { discoveryConfigSchema, MAX_CONCURRENCY } from "../../discovery/config.js";
import type { DiscoveredNode } from "../../discovery/probe.js";
import { planScan, type ScanProgress, scanNetwork } from "../../discovery/scan.js";
import { ConfigError } from "../../errors.js";
import { formatTable } from "../table.js";

export interface DiscoverOptions {
  /** Raw `--port` values (repeatable); checked here so a bad one exits 2 like a bad target. */
  port?: string[];
  timeoutMs?: string;
  concurrency?: string;
  json?: boolean;
}

const defaults = discoveryConfigSchema.parse({});

export async function discover(targets: string[], options: DiscoverOptions): Promise<void> {
  const ports = (options.port ?? []).map(parsePort);
  if (ports.length === 0) ports.push(...defaults.ports);
  const timeoutMs = wholeNumber(options.timeoutMs, "--timeout-ms", defaults.timeoutMs, 1, 600_000);
  const concurrency = wholeNumber(
    options.concurrency,
    "--concurrency",
    defaults.concurrency,
    1,
    MAX_CONCURRENCY,
  );
  // Checks every target before the first probe (a bad one throws ConfigError: exit 2).
  const plan = planScan(targets, ports);

  const progress = progressReporter(process.stderr);
  const started = performance.now();
  const nodes = await scanNetwork({
    targets,
    ports: plan.ports,
    concurrency,
    timeoutMs,
    onProgress: progress.update,
  });
  const durationMs = Math.round(performance.now() - started);
  progress.finish(
    `scanned ${count(plan.hosts.length, "address", "addresses")} × ${count(plan.ports.length, "port")} ` +
      `in ${(durationMs / 1000).toFixed(1)} s: ${count(nodes.length, "Ollama node")} found`,
  );

  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ targets, ports: plan.ports, probed: plan.total, durationMs, nodes }, null, 2)}\n`,
    );
    return;
  }
  process.stdout.write(`${renderDiscovery(nodes, plan.ports)}\n`);
}

/** The table of nodes and how to use them, or what to try when there are none. */
export function renderDiscovery(nodes: readonly DiscoveredNode[], ports: readonly number[]): string {
  if (nodes.length === 0) {
    return [
      `no Ollama node answered on port ${ports.join(", ")}.`,
      "If your nodes listen on another port, add it with --port (repeatable), e.g. --port 11435.",
      "Ollama listens on 127.0.0.1 only by default: start it with OLLAMA_HOST=0.0.0.0 to reach it over the network.",
    ].join("\n");
  }
  const table = formatTable(
    ["URL", "VERSION", "MODELS", "NAMES"],
    nodes.map((node) => [
      node.url,
      node.version,
      String(node.models.length),
      node.models.length === 0 ? "-" : node.models.join(", "),
    ]),
  );
  const yaml = stringify({ nodes: nodes.map((node) => ({ url: node.url })) }).trimEnd();
  const flags = nodes.map((node) => `--node ${node.url}`).join(" ");
  return [
    table,
    "",
    "To use them, add to hydra.yaml:",
    indent(yaml),
    "or start the gateway with:",
    `  hydra serve ${flags}`,
  ].join("\n");
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((line) => `  ${line}`)
    .join("\n");
}

function count(n: number, singular: string, plural = `${singular}s`): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? singular : plural}`;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value.trim()) || port < 1 || port > 65535)
    throw new ConfigError(
      `--port ${value} is not a port number: give a whole number 1-65535, e.g. --port 11434`,
    );
  return port;
}

function wholeNumber(
  value: string | undefined,
  flag: string,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || parsed < min || parsed > max)
    throw new ConfigError(`${flag} ${value} must be a whole number from ${min} to ${max}`);
  return parsed;
}

/**
 * On a terminal, one progress line rewritten in place (at most ten times a second); elsewhere
 * (a pipe, a CI log) nothing until the summary line, so logs do not fill with progress.
 */
function progressReporter(stream: NodeJS.WriteStream): {
  update: (progress: ScanProgress) => void;
  finish: (summary: string) => void;
} {
  const live = stream.isTTY === true;
  let lastDraw = 0;
  return {
    update(progress) {
      if (!live) return;
      const now = performance.now();
      if (now - lastDraw < 100 && progress.probed < progress.total) return;
      lastDraw = now;
      const percent = Math.floor((progress.probed / progress.total) * 100);
      stream.write(
        `\r\x1b[Kscanning: ${progress.probed}/${progress.total} probed (${percent}%), ${progress.found} found`,
      );
    },
    finish(summary) {
      stream.write(`${live ? "\r\x1b[K" : ""}${summary}\n`);
    },
  };
}
