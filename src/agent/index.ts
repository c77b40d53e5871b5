/**
 * `hydra agent` and its protocol: what runs beside Ollama on each machine, and what the
 * gateway needs to talk to it (the registry is discovery/agent-registry.ts, the routes
 * gateway/routes/agents.ts).
 */
export { Agent, type AgentCollectors, type AgentDeps, type AgentEvents, HYDRA_VERSION } from "./agent.js";
export { type AgentPullOptions, pullThroughAgent } from "./client.js";
export {
  type AgentOptions,
  type AgentOptionsInput,
  type AgentsConfig,
  agentOptionsSchema,
  agentsConfigSchema,
  CLUSTER_SECRET_ENV,
} from "./config.js";
export { AgentAuthError, AgentsDisabledError, GatewayCallError, UnknownAgentError } from "./errors.js";
export {
  AGENT_GATEWAY_PATHS,
  AGENT_SERVER_PATHS,
  type AgentPullRequest,
  type AgentStatus,
  agentStatusSchema,
  DEFAULT_AGENT_PORT,
  type GpuStatus,
  type PullStatus,
  vramTotals,
} from "./protocol.js";
export { ReplayGuard, SIGNATURE_HEADERS, signRequest, verifySignature } from "./signing.js";
