/**
 * Settings of both sides: `agentsConfigSchema` is the gateway's `agents:` section,
 * `agentOptionsSchema` what `hydra agent` runs with.
 */
import { z } from "zod";
import { DEFAULT_AGENT_PORT } from "./protocol.js";

/** Environment variable holding the shared cluster secret, read by both the gateway and the agent. */
export const CLUSTER_SECRET_ENV = "HYDRA_CLUSTER_SECRET";

const SECRET_MIN = 16;
const secretSchema = z
  .string()
  .min(
    SECRET_MIN,
    `the cluster secret must be at least ${SECRET_MIN} characters (try: openssl rand -hex 32)`,
  );

export const agentsConfigSchema = z
  .strictObject({
    /**
     * Shared by the gateway and every agent; without it agents cannot register. Also
     * HYDRA_CLUSTER_SECRET.
     */
    secret: secretSchema.optional(),
    /** How often agents are told to report. */
    heartbeatIntervalMs: z.number().int().positive().default(5_000),
    /** An agent silent this long is stale: its node takes no new requests. */
    staleAfterMs: z.number().int().positive().default(15_000),
    /** A stale agent silent this long is forgotten and its node leaves the pool. */
    forgetAfterMs: z.number().int().positive().default(600_000),
    /** Largest clock difference accepted in a signed request's timestamp. */
    maxClockSkewMs: z.number().int().positive().default(30_000),
  })
  .superRefine((config, ctx) => {
    if (config.staleAfterMs <= config.heartbeatIntervalMs) {
      ctx.addIssue({
        code: "custom",
        path: ["staleAfterMs"],
        message: `must be longer than heartbeatIntervalMs (${config.heartbeatIntervalMs}), or every agent goes stale between two heartbeats; 3 × is a good choice`,
      });
    }
    if (config.forgetAfterMs < config.staleAfterMs) {
      ctx.addIssue({
        code: "custom",
        path: ["forgetAfterMs"],
        message: `must be at least staleAfterMs (${config.staleAfterMs})`,
      });
    }
  });

export type AgentsConfig = z.infer<typeof agentsConfigSchema>;

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" });

export const agentOptionsSchema = z.strictObject({
  /** The gateway to register with. */
  gatewayUrl: httpUrl,
  secret: secretSchema,
  /** This machine's Ollama, as the agent reaches it. */
  ollamaUrl: httpUrl,
  /** This machine's Ollama, as the gateway reaches it; default ollamaUrl. */
  advertiseUrl: httpUrl.optional(),
  /** Where the agent listens. */
  host: z.string().min(1).default("0.0.0.0"),
  port: z.number().int().min(0).max(65535).default(DEFAULT_AGENT_PORT),
  /** The agent's own URL as the gateway reaches it; default from host and port. */
  agentUrl: httpUrl.optional(),
  /** The node's name in the pool; default the machine's hostname. */
  name: z.string().min(1).max(200).optional(),
  tags: z.array(z.string().min(1)).default([]),
  /** Heartbeat period; when absent, the one the gateway asks for. */
  intervalMs: z.number().int().positive().optional(),
  /** The filesystem whose free space is reported (where Ollama keeps its models). */
  diskPath: z.string().min(1).default("/"),
  /** OLLAMA_NUM_PARALLEL of this machine's Ollama, when known. */
  slots: z.number().int().positive().optional(),
  /** Deadline of one call to the gateway or to Ollama's status routes. */
  requestTimeoutMs: z.number().int().positive().default(5_000),
  /** Largest clock difference accepted in the gateway's signed requests (pulls). */
  maxClockSkewMs: z.number().int().positive().default(30_000),
});

export type AgentOptionsInput = z.input<typeof agentOptionsSchema>;
export type AgentOptions = z.output<typeof agentOptionsSchema>;
