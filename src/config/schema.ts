/**
 * The gateway's configuration, validated with zod. Every key has a default so an
 * empty hydra.yaml (or none) is a working configuration.
 */
import { z } from "zod";
import { agentsConfigSchema } from "../agent/config.js";
import { discoveryConfigSchema } from "../discovery/config.js";
import { rateLimitConfigSchema } from "../gateway/rate-limit/config.js";
import { memoryConfigSchema } from "../memory/config.js";
import { orchestratorConfigSchema } from "../orchestrator/config.js";
import { admissionConfigSchema } from "../pool/admission/config.js";
import { healthConfigSchema } from "../pool/health/config.js";
import { hedgingConfigSchema } from "../pool/hedging/config.js";
import { routingStrategySchema } from "../pool/router/strategies.js";
import { redisConfigSchema } from "../pool/shared-state/config.js";
import { telemetryConfigSchema } from "../telemetry/config.js";
import { workflowConfigSchema } from "../workflow/config.js";

export const nodeConfigSchema = z.strictObject({
  url: z.string().min(1),
  name: z.string().min(1).optional(),
  tags: z.array(z.string()).default([]),
  weight: z.number().positive().default(1),
  /** Requests the node runs at once (its OLLAMA_NUM_PARALLEL); more wait in the gateway's queue. */
  slots: z.number().int().positive().optional(),
  /**
   * The node's GPU memory in MB, for nodes without an agent to report it: the router then knows
   * when loading a model there evicts others (free = this − the loaded models' sizes).
   */
  vramMb: z.number().positive().optional(),
});

export const serverConfigSchema = z.strictObject({
  host: z.string().min(1).default("127.0.0.1"),
  port: z.number().int().min(0).max(65535).default(8000),
  /** Largest accepted request body in bytes (images in chat requests are base64, so be generous). */
  bodyLimit: z
    .number()
    .int()
    .positive()
    .default(32 * 1024 * 1024),
  /** On SIGTERM/SIGINT, how long requests in flight may run before they are cancelled. */
  drainTimeoutMs: z.number().int().nonnegative().default(30_000),
});

export const upstreamConfigSchema = z.strictObject({
  /** Keep-alive connections per node. */
  connections: z.number().int().positive().default(128),
  connectTimeoutMs: z.number().int().positive().default(5_000),
  /** Until the node sends response headers; a cold model load can take minutes. */
  headersTimeoutMs: z.number().int().positive().default(300_000),
  /** Longest silence between two chunks of a response. */
  bodyTimeoutMs: z.number().int().positive().default(300_000),
  /** Longest a whole request may take, retries and continuations included; 0 = no limit. */
  totalTimeoutMs: z.number().int().nonnegative().default(0),
});

export const inventoryConfigSchema = z.strictObject({
  /** How often each node's /api/tags and /api/ps are read. */
  refreshIntervalMs: z.number().int().positive().default(10_000),
  /** Deadline for one node's inventory answer. */
  timeoutMs: z.number().int().positive().default(3_000),
});

export const routingConfigSchema = z.strictObject({
  /** How nodes are chosen; a request may pick another with `x-hydra-strategy` (for comparison). */
  strategy: routingStrategySchema.default("intelligent"),
  /** Seed for the `random` strategy, so runs can be repeated. */
  seed: z.number().int().default(1),
});

export const retryConfigSchema = z.strictObject({
  /** Tries per request, the first included, across nodes and mid-stream continuations. */
  maxAttempts: z.number().int().min(1).default(3),
  /** Back-off before trying a node that already failed this request (full jitter, doubling). */
  baseDelayMs: z.number().int().nonnegative().default(100),
  maxDelayMs: z.number().int().nonnegative().default(2_000),
  /** No new attempt starts after this long since the request arrived. */
  budgetMs: z.number().int().positive().default(30_000),
});

/** Per model, the models to use instead, in order. */
const modelChainsSchema = z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).default({});

const apiKeySchema = z.string().min(8, "API keys must be at least 8 characters");

export const authConfigSchema = z.strictObject({
  /**
   * API keys accepted as `Authorization: Bearer <key>`; empty: no auth. A key may carry
   * the priority its requests get when they do not send x-hydra-priority.
   */
  keys: z
    .array(
      z.union([
        apiKeySchema,
        z.strictObject({ key: apiKeySchema, priority: z.number().int().min(1).max(10).optional() }),
      ]),
    )
    .default([]),
  /**
   * Keys for admin actions (drain/undrain a node, pull onto chosen nodes, switch the routing
   * strategy), sent as `x-hydra-admin-key` or as the bearer key. Empty: admin actions are off.
   * An admin key is also accepted as an API key.
   */
  adminKeys: z.array(apiKeySchema).default([]),
});

/** The keys as plain strings, and the default priority of those that have one. */
export function apiKeys(auth: z.infer<typeof authConfigSchema>): {
  keys: string[];
  priorities: Map<string, number>;
} {
  const priorities = new Map<string, number>();
  const keys = auth.keys.map((entry) => {
    if (typeof entry === "string") return entry;
    if (entry.priority !== undefined) priorities.set(entry.key, entry.priority);
    return entry.key;
  });
  // An admin key works wherever an API key does; with no API keys, the API stays open.
  if (keys.length > 0) keys.push(...auth.adminKeys.filter((key) => !keys.includes(key)));
  return { keys, priorities };
}

export const responseCacheConfigSchema = z.strictObject({
  /**
   * Answer reproducible requests (temperature 0, a seed, embeddings; or `x-hydra-cache: force`)
   * from memory when the same request was answered before.
   */
  enabled: z.boolean().default(true),
  /** How long an answer is reused. */
  ttlMs: z.number().int().positive().default(3_600_000),
  /** Larger answers are not stored. */
  maxEntryBytes: z
    .number()
    .int()
    .positive()
    .default(4 * 1024 * 1024),
});

export const logConfigSchema = z.strictObject({
  level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});

export const hydraConfigSchema = z.strictObject({
  server: serverConfigSchema.default(serverConfigSchema.parse({})),
  dataDir: z.string().min(1).default(".hydra"),
  nodes: z.array(nodeConfigSchema).default([]),
  upstream: upstreamConfigSchema.default(upstreamConfigSchema.parse({})),
  inventory: inventoryConfigSchema.default(inventoryConfigSchema.parse({})),
  routing: routingConfigSchema.default(routingConfigSchema.parse({})),
  retry: retryConfigSchema.default(retryConfigSchema.parse({})),
  health: healthConfigSchema.default(healthConfigSchema.parse({})),
  discovery: discoveryConfigSchema.default(discoveryConfigSchema.parse({})),
  admission: admissionConfigSchema.default(admissionConfigSchema.parse({})),
  hedging: hedgingConfigSchema.default(hedgingConfigSchema.parse({})),
  rateLimits: rateLimitConfigSchema.default(rateLimitConfigSchema.parse({})),
  redis: redisConfigSchema.default(redisConfigSchema.parse({})),
  /** When no node can serve a model: `{model: [other, ...]}`. */
  fallbacks: modelChainsSchema,
  /** When a prompt does not fit a model's context: `{model: [bigger-context model, ...]}`. */
  contextWindowFallbacks: modelChainsSchema,
  auth: authConfigSchema.default(authConfigSchema.parse({})),
  log: logConfigSchema.default(logConfigSchema.parse({})),
  responseCache: responseCacheConfigSchema.default(responseCacheConfigSchema.parse({})),
  agents: agentsConfigSchema.default(agentsConfigSchema.parse({})),
  /** Memory tiers L1-L3 (and L4 vectors under memory.vectors); see docs/memory.md. */
  memory: memoryConfigSchema.default(memoryConfigSchema.parse({})),
  /** The workflow engine: concurrency, retries, timeouts, run log (SQLite or PostgreSQL); see docs/workflow.md. */
  workflow: workflowConfigSchema.default(workflowConfigSchema.parse({})),
  /** The orchestrator: which models plan and answer, fan-out, synthesis strategies. */
  orchestrator: orchestratorConfigSchema.default(orchestratorConfigSchema.parse({})),
  /** OpenTelemetry traces, exported over OTLP/HTTP when `telemetry.otlp.url` is set; see docs. */
  telemetry: telemetryConfigSchema.default(telemetryConfigSchema.parse({})),
});

export type NodeConfig = z.infer<typeof nodeConfigSchema>;
export type HydraConfig = z.infer<typeof hydraConfigSchema>;
/** What a config file, env or flags may hold before defaults are applied. */
export type HydraConfigInput = z.input<typeof hydraConfigSchema>;
