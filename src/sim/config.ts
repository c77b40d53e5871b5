/**
 * Configuration of simulated Ollama nodes and clusters (YAML or objects), validated with zod.
 * Every field has a default, so `{ name: "n1" }` is a working node. Errors name the key, the
 * value found and what is allowed, and arrive as ConfigError (HYDRA_ERR_CONFIG).
 */
import { readFile } from "node:fs/promises";
import { parse as parseYaml } from "yaml";
import { type ZodType, z } from "zod";
import { ConfigError } from "../errors.js";
import { formatConfigIssues } from "../validation/zod-issues.js";
import { BUILTIN_CATALOG, DEFAULT_MODELS } from "./catalog.js";
import { faultSchema } from "./faults.js";
import { KeepAliveError, parseKeepAlive } from "./keep-alive.js";
import { SKILL_KEYS, type SkillKey } from "./tasks/answer.js";

export const CAPABILITIES = ["completion", "tools", "insert", "vision", "embedding", "thinking"] as const;
export type Capability = (typeof CAPABILITIES)[number];

const positive = (what: string) =>
  z.number({ error: `must be a number (${what})` }).positive(`must be > 0 (${what})`);
const wholeAtLeast = (min: number, what: string) =>
  z
    .number({ error: `must be a whole number >= ${min} (${what})` })
    .int(`must be a whole number (${what})`)
    .min(min, `must be >= ${min} (${what})`);

const keepAliveField = z.union([z.string(), z.number()]).superRefine((value, ctx) => {
  try {
    parseKeepAlive(value, 0);
  } catch (error) {
    if (error instanceof KeepAliveError) {
      ctx.addIssue({
        code: "custom",
        message: `${error.message}; use seconds, a duration like "5m", or -1 for forever`,
      });
    }
  }
});

const probability = z
  .number({ error: "must be a probability from 0 to 1" })
  .min(0, "must be a probability from 0 to 1")
  .max(1, "must be a probability from 0 to 1");

/**
 * How often the model answers a bank task correctly (src/sim/tasks): one probability, or one per
 * task type / language with a default, e.g. `{ code: 0.6, test: 0.8, default: 0.5 }`.
 */
const skillSchema = z.union(
  [
    probability,
    z
      .looseObject({
        default: probability.optional(),
        code: probability.optional(),
        test: probability.optional(),
        python: probability.optional(),
        javascript: probability.optional(),
      } satisfies Record<SkillKey, unknown>)
      .superRefine((value, ctx) => {
        for (const key of Object.keys(value)) {
          if ((SKILL_KEYS as readonly string[]).includes(key)) continue;
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `is not a skill key; use ${SKILL_KEYS.join(", ")}`,
          });
        }
      })
      // Only known keys are left (checked above).
      .transform((value) => value as Partial<Record<SkillKey, number>>),
  ],
  {
    error: `must be a probability from 0 to 1, or an object of them with keys ${SKILL_KEYS.join(", ")}`,
  },
);

export const simModelSchema = z.strictObject({
  /** Ollama model name; a missing tag means ":latest". */
  name: z.string({ error: 'must be a model name like "llama3.2:3b"' }).min(1, "must not be empty"),
  /** Size on disk and in VRAM, in MiB. */
  size_mb: positive("model size in MiB"),
  family: z.string().min(1).optional(),
  parameter_size: z.string().min(1).optional(),
  quantization_level: z.string().min(1).default("Q4_K_M"),
  /** Makes this an embedding-only model producing vectors of this length. */
  embedding_dim: wholeAtLeast(1, "embedding vector length").optional(),
  /** Context window the model runs with (num_ctx), in tokens. */
  context_length: wholeAtLeast(1, "context window in tokens").default(4096),
  /** Overrides the capabilities derived from the other fields. */
  capabilities: z
    .array(z.enum(CAPABILITIES, { error: `must be one of: ${CAPABILITIES.join(", ")}` }))
    .optional(),
  /** Multiplies this node's prefill and decode rates for this model (bigger = faster). */
  speed: positive("speed multiplier").default(1),
  /** Loaded into VRAM when the node starts. */
  loaded: z.boolean().default(false),
  /** Answers bank tasks (code, tests) with this probability of being right; without it, prose. */
  skill: skillSchema.optional(),
});

const responseTokensSchema = z
  .strictObject({
    min: wholeAtLeast(1, "shortest natural answer, in tokens"),
    max: wholeAtLeast(1, "longest natural answer, in tokens"),
  })
  .refine((r) => r.min <= r.max, { error: "min must not exceed max", path: ["min"] });

/** Everything about a node except its identity; also the shape of a cluster's `defaults`. */
const nodeSettingsShape = {
  host: z.string().min(1).default("127.0.0.1"),
  /** Parallel request slots (OLLAMA_NUM_PARALLEL). */
  num_parallel: wholeAtLeast(1, "parallel request slots").default(1),
  /** Requests allowed to wait for a slot before 503 "server busy" (OLLAMA_MAX_QUEUE). */
  max_queue: wholeAtLeast(0, "waiting requests before 503").default(512),
  vram_mb: positive("GPU memory in MiB").default(8192),
  /** Prompt tokens processed per second. */
  prefill_tps: positive("prompt tokens per second").default(1500),
  /** Generated tokens per second. */
  decode_tps: positive("generated tokens per second").default(40),
  /** How fast a model loads from disk into VRAM, MiB/s. */
  load_mbps: positive("model load speed in MiB/s").default(2000),
  /** Download speed for /api/pull, MiB/s. */
  pull_mbps: positive("pull download speed in MiB/s").default(200),
  /** No timers at all: answers as fast as the socket takes them (gateway overhead benchmarks). */
  zero_latency: z.boolean().default(false),
  /** Default keep_alive (OLLAMA_KEEP_ALIVE): seconds, "5m", or negative for forever. */
  keep_alive: keepAliveField.default("5m"),
  /** Seed for everything random on this node (text when no seed is given, fault probabilities). */
  seed: z.number().int().default(1),
  /** Reported by /api/version. */
  version: z.string().min(1).default("0.12.6"),
  /** Length range of answers when num_predict does not cut them. */
  response_tokens: responseTokensSchema.default({ min: 16, max: 48 }),
  /** Free-form labels (e.g. "gpu"), reported by /_sim/state for the gateway's discovery tests. */
  tags: z.array(z.string()).default([]),
  models: z.array(simModelSchema).prefault(DEFAULT_MODELS),
  /** Models /api/pull can fetch; defaults to a built-in list of common models. */
  catalog: z.array(simModelSchema).prefault(BUILTIN_CATALOG),
  faults: z.array(faultSchema).default([]),
};

export const simNodeSchema = z.strictObject({
  name: z.string({ error: "must be a node name" }).min(1, "must not be empty").default("sim"),
  /** 0 = any free port. */
  port: z.number().int().min(0).max(65535, "must be a TCP port 0..65535 (0 = pick a free port)").default(0),
  ...nodeSettingsShape,
});

export const simNodeDefaultsSchema = z.strictObject(nodeSettingsShape).partial();

export const simClusterSchema = z.strictObject({
  /** Settings every node starts from; a node's own keys win. */
  defaults: z.record(z.string(), z.unknown()).optional(),
  nodes: z.array(z.record(z.string(), z.unknown())).min(1, "must list at least one node"),
});

export type SimModelInput = z.input<typeof simModelSchema>;
export type SimModelConfig = z.output<typeof simModelSchema>;
export type SimNodeInput = z.input<typeof simNodeSchema>;
export type SimNodeConfig = z.output<typeof simNodeSchema>;
export type SimNodeDefaults = z.input<typeof simNodeDefaultsSchema>;
export interface SimClusterInput {
  defaults?: SimNodeDefaults;
  nodes: SimNodeInput[];
}
export interface SimClusterConfig {
  nodes: SimNodeConfig[];
}

/** Validates one node's config (object form); throws ConfigError naming the bad key. */
export function parseSimNodeConfig(input: unknown, where = "sim node"): SimNodeConfig {
  return parseWith(simNodeSchema, input, where);
}

/** Validates a cluster: applies `defaults` to each node, checks names and ports are unique. */
export function parseSimClusterConfig(input: unknown, where = "sim cluster"): SimClusterConfig {
  const cluster = parseWith(simClusterSchema, input, where);
  // Validate defaults on their own first, so a bad key there is reported as `defaults.x`.
  parseWith(simNodeDefaultsSchema, cluster.defaults ?? {}, `${where}: defaults`);
  const rawDefaults = cluster.defaults ?? {};
  const nodes = cluster.nodes.map((node, i) => {
    const merged = { ...rawDefaults, ...node };
    if (merged.name === undefined) merged.name = `sim-${i + 1}`;
    return parseWith(simNodeSchema, merged, `${where}: nodes[${i}]`);
  });
  const names = new Set<string>();
  const ports = new Map<string, string>();
  for (const node of nodes) {
    if (names.has(node.name)) {
      throw new ConfigError(
        `${where}: node name "${node.name}" is used twice; give every node a unique name`,
      );
    }
    names.add(node.name);
    if (node.port !== 0) {
      const key = `${node.host}:${node.port}`;
      const other = ports.get(key);
      if (other !== undefined) {
        throw new ConfigError(
          `${where}: nodes "${other}" and "${node.name}" both use ${key}; give each its own port or 0`,
        );
      }
      ports.set(key, node.name);
    }
  }
  return { nodes };
}

/** Reads and validates a cluster YAML (or JSON) file. */
export async function loadSimClusterFile(path: string): Promise<SimClusterConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new ConfigError(`cannot read sim cluster file ${path}: ${(error as Error).message}`);
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`sim cluster file ${path} is not valid YAML: ${(error as Error).message}`);
  }
  return parseSimClusterConfig(data, path);
}

function parseWith<T extends ZodType>(schema: T, input: unknown, where: string): z.output<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(formatConfigIssues(result.error, input, where, schema));
}
