/**
 * Where node agents join the gateway: register, heartbeat and deregister, each signed
 * with the cluster secret (so they need no API key), and the list of agents for people
 * (behind the API keys like the rest of the Hydra API).
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { AgentAuthError, AgentsDisabledError } from "../../agent/errors.js";
import { AGENT_GATEWAY_PATHS, agentStatusSchema, deregisterSchema } from "../../agent/protocol.js";
import { ReplayGuard, verifySignature } from "../../agent/signing.js";
import type { AgentRegistry } from "../../discovery/agent-registry.js";
import { parseBody } from "../body.js";

/** Routes that authenticate by signature: exempt them from API-key auth. */
export const AGENT_SIGNED_PATHS: readonly string[] = [
  AGENT_GATEWAY_PATHS.register,
  AGENT_GATEWAY_PATHS.heartbeat,
  AGENT_GATEWAY_PATHS.deregister,
];

export interface AgentRoutesOptions {
  registry: AgentRegistry;
  /** The cluster secret; without one every agent is refused (403) with a message saying how to set it. */
  secret: string | undefined;
  maxSkewMs: number;
  /** What agents are told in answer to register and heartbeat. */
  heartbeatIntervalMs: number;
  /** The clock signatures are checked against. */
  now?: () => number;
}

export async function agentRoutes(app: FastifyInstance, options: AgentRoutesOptions): Promise<void> {
  const { registry, secret, maxSkewMs, heartbeatIntervalMs } = options;
  const now = options.now ?? Date.now;
  const replayGuard = ReplayGuard.forSkew(maxSkewMs);

  /** Before the body is even validated: an unsigned caller learns nothing about the payload. */
  const authenticate = (request: FastifyRequest) => {
    if (secret === undefined) throw new AgentsDisabledError();
    const check = verifySignature({
      secret,
      method: request.method,
      path: request.url,
      body: request.rawBody ?? "",
      headers: request.headers,
      now: now(),
      maxSkewMs,
      replayGuard,
    });
    if (!check.ok) {
      request.log.warn({ reason: check.reason, ip: request.ip, path: request.url }, "agent request refused");
      throw new AgentAuthError(check.message);
    }
  };

  app.post(AGENT_GATEWAY_PATHS.register, async (request) => {
    authenticate(request);
    const record = registry.register(parseBody(agentStatusSchema, request));
    request.log.info(
      { agentId: record.agentId, name: record.name, ollamaUrl: record.ollamaUrl, ip: request.ip },
      `agent ${record.name} registered`,
    );
    return { heartbeatIntervalMs };
  });

  app.post(AGENT_GATEWAY_PATHS.heartbeat, async (request) => {
    authenticate(request);
    registry.heartbeat(parseBody(agentStatusSchema, request));
    return { heartbeatIntervalMs };
  });

  app.post(AGENT_GATEWAY_PATHS.deregister, async (request) => {
    authenticate(request);
    const { agentId } = parseBody(deregisterSchema, request);
    const deregistered = registry.deregister(agentId);
    if (deregistered) request.log.info({ agentId }, "agent deregistered");
    return { deregistered };
  });

  app.get(AGENT_GATEWAY_PATHS.list, async () => ({
    enabled: secret !== undefined,
    heartbeatIntervalMs,
    agents: registry.list(),
  }));
}
