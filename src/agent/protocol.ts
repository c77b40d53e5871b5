/**
 * The wire protocol between `hydra agent` and the gateway: what an agent reports when it
 * registers and on every heartbeat, and the paths both sides use. Objects are not strict:
 * a newer agent may send fields an older gateway does not know, and still join.
 */
import { z } from "zod";

/** Gateway routes the agents call (signed with the cluster secret). */
export const AGENT_GATEWAY_PATHS = {
  register: "/v1/hydra/agents/register",
  heartbeat: "/v1/hydra/agents/heartbeat",
  deregister: "/v1/hydra/agents/deregister",
  /** The gateway's list of agents (behind its API keys like the rest of the Hydra API). */
  list: "/v1/hydra/agents",
} as const;

/** Agent routes the gateway calls. */
export const AGENT_SERVER_PATHS = {
  health: "/health",
  /** Signed by the gateway with the cluster secret. */
  pull: "/v1/agent/pull",
} as const;

/** The port `hydra agent` listens on by default (ARCHITECTURE.md). */
export const DEFAULT_AGENT_PORT = 8002;

const mb = z.number().nonnegative();
/** A reading the tool could not give (nvidia-smi's `[N/A]`, a field rocm-smi omits). */
const reading = z.number().nullable();

export const systemStatusSchema = z.object({
  hostname: z.string(),
  platform: z.string(),
  cpuCount: z.number().int().nonnegative(),
  /** 1-minute load average (0 on Windows). */
  load1: z.number().nonnegative(),
  /** Busy share of all cores since the previous report, 0-100. */
  cpuPercent: z.number().min(0).max(100),
  memTotalMb: mb,
  memFreeMb: mb,
  diskTotalMb: mb,
  diskFreeMb: mb,
});

export const gpuStatusSchema = z.object({
  index: z.number().int().nonnegative(),
  name: z.string(),
  vendor: z.enum(["nvidia", "amd"]),
  vramTotalMb: reading,
  vramFreeMb: reading,
  utilizationPct: reading,
  temperatureC: reading,
});

export const ollamaStatusSchema = z.object({
  up: z.boolean(),
  version: z.string().optional(),
  error: z.string().optional(),
});

export const loadedModelSchema = z.object({
  name: z.string(),
  sizeMb: mb,
  sizeVramMb: mb,
});

export const pullStatusSchema = z.object({
  model: z.string(),
  /** Ollama's latest progress status ("pulling manifest", "pulling 6a0746a1ec1a", "success"), or "error". */
  status: z.string(),
  completed: z.number().nonnegative().optional(),
  total: z.number().nonnegative().optional(),
  error: z.string().optional(),
});

export const agentStatusSchema = z.object({
  /** Stable per machine and Ollama: the same agent restarting keeps its id. */
  agentId: z.string().min(1).max(200),
  /** The node's name in the gateway's pool. */
  name: z.string().min(1).max(200),
  /** Where the gateway reaches this machine's Ollama. */
  ollamaUrl: z.url({ protocol: /^https?$/ }),
  /** Where the gateway reaches the agent itself (for pulls). */
  agentUrl: z.url({ protocol: /^https?$/ }),
  version: z.string(),
  tags: z.array(z.string()).default([]),
  /** OLLAMA_NUM_PARALLEL, when the agent knows it. */
  slots: z.number().int().positive().optional(),
  system: systemStatusSchema,
  gpus: z.array(gpuStatusSchema),
  ollama: ollamaStatusSchema,
  loaded: z.array(loadedModelSchema),
  pulls: z.array(pullStatusSchema),
  /** The agent's clock when it sent this report, ms since the epoch. */
  sentAt: z.number(),
});

export const deregisterSchema = z.object({ agentId: z.string().min(1).max(200) });

/** The gateway's answer to register and heartbeat. */
export const heartbeatResponseSchema = z.object({ heartbeatIntervalMs: z.number().int().positive() });

export const pullRequestSchema = z.object({
  model: z.string().min(1),
  insecure: z.boolean().optional(),
});

export type SystemStatus = z.infer<typeof systemStatusSchema>;
export type GpuStatus = z.infer<typeof gpuStatusSchema>;
export type OllamaStatus = z.infer<typeof ollamaStatusSchema>;
export type LoadedModel = z.infer<typeof loadedModelSchema>;
export type PullStatus = z.infer<typeof pullStatusSchema>;
/** What an agent sends on register and on every heartbeat. */
export type AgentStatus = z.infer<typeof agentStatusSchema>;
export type DeregisterRequest = z.infer<typeof deregisterSchema>;
export type HeartbeatResponse = z.infer<typeof heartbeatResponseSchema>;
export type AgentPullRequest = z.infer<typeof pullRequestSchema>;

/** VRAM over all the machine's GPUs; undefined when no GPU reports it. */
export function vramTotals(gpus: readonly GpuStatus[]): { totalMb: number; freeMb: number } | undefined {
  let totalMb = 0;
  let freeMb = 0;
  let known = false;
  for (const gpu of gpus) {
    if (gpu.vramTotalMb === null || gpu.vramFreeMb === null) continue;
    known = true;
    totalMb += gpu.vramTotalMb;
    freeMb += gpu.vramFreeMb;
  }
  return known ? { totalMb, freeMb } : undefined;
}
