/**
 * `hydra memory stats | get | put | delete | search`: the gateway's memory over HTTP
 * (/v1/hydra/memory/*), like `hydra nodes` for the pool.
 */
import { readFileSync } from "node:fs";
import type { MemoryEntryView } from "../../gateway/routes/memory.js";
import type { MemoryStats, TierStats } from "../../memory/tiered-memory.js";
import { formatTable } from "../table.js";

export interface GatewayOptions {
  gateway: string;
  apiKey?: string;
  json?: boolean;
}

export interface PutCommandOptions extends GatewayOptions {
  /** Parse the value argument as JSON (default: store it as a JSON string). */
  parse?: boolean;
  /** Store this file's bytes. */
  file?: string;
  ttlMs?: number;
  tier?: string[];
  namespace?: string;
}

export interface SearchCommandOptions extends GatewayOptions {
  k?: number;
}

/** The gateway's answer as JSON; an HTTP error becomes an Error with the gateway's message. */
async function call(
  options: GatewayOptions,
  method: string,
  path: string,
  body?: { json: unknown } | { bytes: Buffer; query: string },
): Promise<unknown> {
  const base = options.gateway.replace(/\/+$/, "");
  const headers: Record<string, string> = options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {};
  let url = `${base}${path}`;
  let payload: string | Buffer | undefined;
  if (body !== undefined && "json" in body) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body.json);
  } else if (body !== undefined) {
    headers["content-type"] = "application/octet-stream";
    payload = body.bytes;
    url += body.query;
  }
  let response: Response;
  try {
    response = await fetch(url, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
  } catch (error) {
    throw new Error(
      `cannot reach the gateway at ${options.gateway} (${(error as Error).cause ?? (error as Error).message}); is 'hydra serve' running? Use --gateway URL`,
    );
  }
  const text = await response.text();
  if (!response.ok) {
    throw new Error(
      `the gateway answered HTTP ${response.status}: ${errorMessage(text)}${response.status === 401 ? " (pass --api-key or set HYDRA_API_KEY)" : ""}`,
    );
  }
  return text === "" ? undefined : JSON.parse(text);
}

function errorMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: string | { message?: string } };
    if (typeof body.error === "string") return body.error;
    if (typeof body.error?.message === "string") return body.error.message;
  } catch {
    // Not JSON: show it as it came.
  }
  return text;
}

/** Keys go in the path: each segment is percent-encoded, "/" kept (the route takes the rest of the path). */
function keyPath(key: string): string {
  return `/v1/hydra/memory/${key.split("/").map(encodeURIComponent).join("/")}`;
}

function print(text: string): void {
  process.stdout.write(`${text}\n`);
}

export async function memoryStats(options: GatewayOptions): Promise<void> {
  const stats = (await call(options, "GET", "/v1/hydra/memory/stats")) as MemoryStats;
  if (options.json) return print(JSON.stringify(stats, null, 2));
  print(renderStats(stats));
}

export function renderStats(stats: MemoryStats): string {
  const rows = stats.tiers.map((tier: TierStats) => [
    tier.durable ? `${tier.tier}*` : tier.tier,
    tier.backend,
    tier.entries === null ? "?" : String(tier.entries),
    tier.bytes === null
      ? "?"
      : `${formatBytes(tier.bytes)} / ${tier.maxBytes === 0 ? "unbounded" : formatBytes(tier.maxBytes)}`,
    String(tier.hits),
    String(tier.misses),
    hitRate(tier.hits, tier.misses),
    String(tier.promotions),
    String(tier.demotions),
    String(tier.evictions),
    String(tier.expirations),
    String(tier.errors),
  ]);
  const table = formatTable(
    [
      "TIER",
      "BACKEND",
      "ENTRIES",
      "BYTES",
      "HITS",
      "MISSES",
      "HIT RATE",
      "PROMOTED",
      "DEMOTED",
      "EVICTED",
      "EXPIRED",
      "ERRORS",
    ],
    rows,
  );
  const totals = `gets ${stats.gets} (hits ${stats.hits}, misses ${stats.misses}, hit rate ${hitRate(stats.hits, stats.misses)}), puts ${stats.puts}, deletes ${stats.deletes}; * = durable tier`;
  return `${table}\n\n${totals}`;
}

function hitRate(hits: number, misses: number): string {
  const total = hits + misses;
  return total === 0 ? "-" : `${((hits / total) * 100).toFixed(1)}%`;
}

export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** Prints the value: JSON pretty-printed, bytes as they are (redirect to a file); --json: the whole entry. */
export async function memoryGet(key: string, options: GatewayOptions): Promise<void> {
  const entry = (await call(options, "GET", keyPath(key))) as MemoryEntryView;
  if (options.json) return print(JSON.stringify(entry, null, 2));
  if (entry.kind === "bytes") {
    process.stdout.write(Buffer.from(entry.base64 ?? "", "base64"));
    return;
  }
  print(typeof entry.value === "string" ? entry.value : JSON.stringify(entry.value, null, 2));
}

export async function memoryPut(
  key: string,
  value: string | undefined,
  options: PutCommandOptions,
): Promise<void> {
  if ((value === undefined) === (options.file === undefined)) {
    throw new Error("give the value as an argument or with --file FILE (not both)");
  }
  const tiers = options.tier?.flatMap((tier) => tier.split(",")).map((tier) => tier.trim());
  let result: unknown;
  if (options.file !== undefined) {
    const query = new URLSearchParams();
    if (options.ttlMs !== undefined) query.set("ttlMs", String(options.ttlMs));
    if (tiers !== undefined) query.set("tiers", tiers.join(","));
    if (options.namespace !== undefined) query.set("namespace", options.namespace);
    const search = query.toString();
    result = await call(options, "PUT", keyPath(key), {
      bytes: readFileSync(options.file),
      query: search === "" ? "" : `?${search}`,
    });
  } else {
    let parsed: unknown = value;
    if (options.parse) {
      try {
        parsed = JSON.parse(value ?? "");
      } catch (error) {
        throw new Error(
          `--json: the value is not valid JSON (${(error as Error).message}); quote it for the shell`,
        );
      }
    }
    result = await call(options, "PUT", keyPath(key), {
      json: {
        value: parsed,
        ...(options.ttlMs === undefined ? {} : { ttlMs: options.ttlMs }),
        ...(tiers === undefined ? {} : { tiers }),
        ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
      },
    });
  }
  if (options.json) return print(JSON.stringify(result, null, 2));
  const stored = result as { size: number; tiers: string[]; expiresAt: string | null };
  print(
    `stored ${key} (${formatBytes(stored.size)}) in ${stored.tiers.join(", ")}${stored.expiresAt ? `, expires ${stored.expiresAt}` : ""}`,
  );
}

export async function memoryDelete(key: string, options: GatewayOptions): Promise<void> {
  const result = (await call(options, "DELETE", keyPath(key))) as { deleted: boolean };
  if (options.json) return print(JSON.stringify(result, null, 2));
  print(result.deleted ? `deleted ${key}` : `${key} was not stored`);
}

interface SearchResult {
  id: string;
  score: number;
  namespace?: string;
  text?: string | null;
}

export async function memorySearch(query: string, options: SearchCommandOptions): Promise<void> {
  const result = (await call(options, "POST", "/v1/hydra/memory/search", {
    json: { query, ...(options.k === undefined ? {} : { k: options.k }) },
  })) as { results?: SearchResult[] };
  if (options.json) return print(JSON.stringify(result, null, 2));
  const results = result.results ?? [];
  if (results.length === 0) return print("no results");
  print(
    formatTable(
      ["SCORE", "ID", "NAMESPACE", "TEXT"],
      results.map((hit) => [hit.score.toFixed(3), hit.id, hit.namespace ?? "", oneLine(hit.text ?? "", 80)]),
    ),
  );
}

function oneLine(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
