/**
 * Builds the effective configuration from, in rising precedence: defaults, the config
 * file, HYDRA_* environment variables, and command-line flags. Static nodes from the
 * file, HYDRA_NODES and --node are merged; with none at all, OLLAMA_HOST (or the local
 * Ollama) is the one node.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { ConfigError } from "../errors.js";
import { formatConfigIssues } from "../validation/zod-issues.js";
import { defaultNodeName, normalizeNodeUrl } from "./node-url.js";
import { type HydraConfig, type HydraConfigInput, hydraConfigSchema } from "./schema.js";

export interface ConfigFlags {
  config?: string;
  host?: string;
  port?: number;
  dataDir?: string;
  nodes?: string[];
  logLevel?: string;
}

export interface LoadConfigOptions {
  flags?: ConfigFlags;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Environment variables and the config key each one sets. Documented in the README. */
export const ENV_KEYS: Readonly<Record<string, readonly string[]>> = {
  HYDRA_HOST: ["server", "host"],
  HYDRA_PORT: ["server", "port"],
  HYDRA_BODY_LIMIT: ["server", "bodyLimit"],
  HYDRA_DATA_DIR: ["dataDir"],
  HYDRA_LOG_LEVEL: ["log", "level"],
  HYDRA_API_KEYS: ["auth", "keys"],
  HYDRA_ADMIN_KEYS: ["auth", "adminKeys"],
  HYDRA_UPSTREAM_CONNECTIONS: ["upstream", "connections"],
  HYDRA_CONNECT_TIMEOUT_MS: ["upstream", "connectTimeoutMs"],
  HYDRA_HEADERS_TIMEOUT_MS: ["upstream", "headersTimeoutMs"],
  HYDRA_BODY_TIMEOUT_MS: ["upstream", "bodyTimeoutMs"],
  HYDRA_INVENTORY_REFRESH_MS: ["inventory", "refreshIntervalMs"],
  HYDRA_ROUTING_STRATEGY: ["routing", "strategy"],
  HYDRA_CLUSTER_SECRET: ["agents", "secret"],
  HYDRA_REDIS_URL: ["redis", "url"],
  HYDRA_DISCOVERY_SCAN: ["discovery", "scan"],
  HYDRA_RESPONSE_CACHE: ["responseCache", "enabled"],
  HYDRA_MEMORY_REDIS_URL: ["memory", "redis", "url"],
  HYDRA_MEMORY_POSTGRES_URL: ["memory", "postgres", "url"],
  HYDRA_OTLP_URL: ["telemetry", "otlp", "url"],
};

const LIST_KEYS = new Set(["HYDRA_API_KEYS", "HYDRA_ADMIN_KEYS", "HYDRA_DISCOVERY_SCAN"]);
/** Taken as written: a secret of digits is still a string. */
const TEXT_KEYS = new Set([
  "HYDRA_CLUSTER_SECRET",
  "HYDRA_REDIS_URL",
  "HYDRA_MEMORY_REDIS_URL",
  "HYDRA_MEMORY_POSTGRES_URL",
  "HYDRA_OTLP_URL",
]);

export const DEFAULT_CONFIG_FILE = "hydra.yaml";

export function loadConfig(options: LoadConfigOptions = {}): HydraConfig {
  const env = options.env ?? process.env;
  const flags = options.flags ?? {};
  const cwd = options.cwd ?? process.cwd();

  const { input, source } = readConfigFile(flags.config ?? env.HYDRA_CONFIG, cwd);
  applyEnv(input, env);
  applyFlags(input, flags);
  input.nodes = mergeNodes(input.nodes, env, flags);

  const parsed = hydraConfigSchema.safeParse(input);
  if (!parsed.success)
    throw new ConfigError(formatConfigIssues(parsed.error, input, source, hydraConfigSchema));
  return parsed.data;
}

function readConfigFile(
  explicitPath: string | undefined,
  cwd: string,
): { input: Record<string, unknown>; source: string } {
  const path =
    explicitPath ??
    (existsSync(`${cwd}/${DEFAULT_CONFIG_FILE}`) ? `${cwd}/${DEFAULT_CONFIG_FILE}` : undefined);
  if (path === undefined) return { input: {}, source: "environment and flags" };
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new ConfigError(`config file ${path} is not valid YAML: ${doc.errors[0]?.message}`);
  }
  const value: unknown = doc.toJS() ?? {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(
      `config file ${path} must hold a mapping of keys (server:, nodes:, ...), not ${describe(value)}`,
    );
  }
  return { input: value as Record<string, unknown>, source: path };
}

function applyEnv(input: Record<string, unknown>, env: NodeJS.ProcessEnv): void {
  for (const [name, path] of Object.entries(ENV_KEYS)) {
    const raw = env[name];
    if (raw === undefined || raw === "") continue;
    const value = LIST_KEYS.has(name) ? splitList(raw) : TEXT_KEYS.has(name) ? raw.trim() : coerceScalar(raw);
    setPath(input, path, value);
  }
}

function applyFlags(input: Record<string, unknown>, flags: ConfigFlags): void {
  if (flags.host !== undefined) setPath(input, ["server", "host"], flags.host);
  if (flags.port !== undefined) setPath(input, ["server", "port"], flags.port);
  if (flags.dataDir !== undefined) setPath(input, ["dataDir"], flags.dataDir);
  if (flags.logLevel !== undefined) setPath(input, ["log", "level"], flags.logLevel);
}

/** Nodes from every source, each URL once; the first definition of a URL wins (the file has names and tags). */
function mergeNodes(
  fileNodes: unknown,
  env: NodeJS.ProcessEnv,
  flags: ConfigFlags,
): HydraConfigInput["nodes"] {
  if (fileNodes !== undefined && !Array.isArray(fileNodes)) {
    throw new ConfigError(
      `config key "nodes" = ${describe(fileNodes)}: expected a list of {url, name?, tags?, weight?}`,
    );
  }
  const declared: unknown[] = [
    ...(fileNodes ?? []),
    ...splitList(env.HYDRA_NODES ?? "").map((url) => ({ url })),
    ...(flags.nodes ?? []).map((url) => ({ url })),
  ];
  if (declared.length === 0) {
    declared.push({ url: env.OLLAMA_HOST?.trim() || "127.0.0.1:11434" });
  }
  const byUrl = new Map<string, Record<string, unknown>>();
  declared.forEach((node, index) => {
    if (typeof node !== "object" || node === null || typeof (node as { url?: unknown }).url !== "string") {
      throw new ConfigError(
        `config key "nodes.${index}" = ${describe(node)}: expected {url: "http://host:11434", name?, tags?, weight?}`,
      );
    }
    const entry = node as Record<string, unknown> & { url: string };
    const url = normalizeNodeUrl(entry.url);
    if (!byUrl.has(url)) byUrl.set(url, { ...entry, url, name: entry.name ?? defaultNodeName(url) });
  });
  const nodes = [...byUrl.values()];
  const names = new Set<string>();
  for (const node of nodes) {
    if (names.has(node.name as string)) {
      throw new ConfigError(
        `config key "nodes": two nodes are named "${String(node.name)}"; give each node its own name`,
      );
    }
    names.add(node.name as string);
  }
  return nodes as HydraConfigInput["nodes"];
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function coerceScalar(raw: string): unknown {
  const trimmed = raw.trim();
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  if (trimmed === "true") return true;
  if (trimmed === "false") return false;
  return trimmed;
}

function splitList(raw: string): string[] {
  return raw
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let cursor = target;
  path.slice(0, -1).forEach((key) => {
    const next = cursor[key];
    if (typeof next !== "object" || next === null || Array.isArray(next)) cursor[key] = {};
    cursor = cursor[key] as Record<string, unknown>;
  });
  cursor[path[path.length - 1] as string] = value;
}
